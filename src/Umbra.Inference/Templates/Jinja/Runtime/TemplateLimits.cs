namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// Bounds on what one template may cost. Templates arrive inside downloaded model files, so a hostile one must
/// fail with a <see cref="TemplateException"/> rather than hang the loader or exhaust memory. The defaults leave
/// room for conversations far longer than any context window.
/// </summary>
internal sealed record TemplateLimits
{
    public static readonly TemplateLimits Default = new();

    /// <summary>Largest template source accepted, in characters.</summary>
    public int MaxSourceLength { get; init; } = 1 << 20;

    /// <summary>Largest rendered output, and largest single string a template may build, in characters.</summary>
    public int MaxOutputLength { get; init; } = 4 << 20;

    /// <summary>
    /// Units of work per render: an evaluated expression, an executed statement, a copied list element, or
    /// <see cref="RenderBudget.CharactersPerStep"/> characters of text built. Charging text keeps what a render
    /// can allocate, and so hold on to, to a few tens of megabytes.
    /// </summary>
    public long MaxSteps { get; init; } = 5_000_000;

    /// <summary>Largest <c>range()</c>, matching Jinja's sandbox.</summary>
    public int MaxRange { get; init; } = 100_000;

    /// <summary>Largest list a template may build.</summary>
    public int MaxItems { get; init; } = 1_000_000;

    /// <summary>Deepest nesting of tags and parentheses the parser accepts.</summary>
    public int MaxParseDepth { get; init; } = 100;

    /// <summary>Deepest nesting of evaluation (statements, expressions and macro calls together).</summary>
    public int MaxEvalDepth { get; init; } = 400;

    /// <summary>Deepest macro recursion.</summary>
    public int MaxMacroDepth { get; init; } = 40;

    /// <summary>Deepest nesting of lists, dicts and namespaces that printing, comparing or JSON encoding will walk.</summary>
    public int MaxValueDepth { get; init; } = 100;
}

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// Jinja's default undefined value: it prints as nothing, is false, iterates as empty and compares equal only
/// to another undefined, but using it as an object (attributes, arithmetic, calls) is an error that names what
/// was missing.
/// </summary>
internal sealed class Undefined
{
    public Undefined(string? hint)
    {
        Hint = hint;
    }

    /// <summary>What was looked up, e.g. <c>'tools' is undefined</c>.</summary>
    public string? Hint { get; }

    public TemplateException Error() => new(Hint ?? "A value is undefined");

    public static Undefined Variable(string name) => new($"'{name}' is undefined");

    public static Undefined Attribute(object? target, string name) => new($"'{PyOps.TypeName(target)} object' has no attribute '{name}'");
}

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>The object <c>namespace()</c> returns: the one mutable value, so state can outlive a loop body.</summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

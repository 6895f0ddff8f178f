namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// A variable frame. Jinja gives each loop iteration and each macro call its own frame, so a plain <c>set</c>
/// inside a loop does not leak out of it (templates use <c>namespace()</c> for that); <c>if</c> blocks share
/// the enclosing frame.
/// </summary>
internal sealed class Scope
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);
    private readonly Scope? _parent;

    public Scope(Scope? parent)
    {
        _parent = parent;
    }

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope != null; scope = scope._parent)
        {
            if (scope._variables.TryGetValue(name, out value))
                return true;
        }
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;
}

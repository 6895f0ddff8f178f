namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// A variable frame. Jinja gives each loop iteration and each macro call its own frame, so a plain <c>set</c>
/// inside a loop does not leak out of it (templates use <c>namespace()</c> for that); <c>if</c> blocks share
/// the enclosing frame.
/// </summary>
internal sealed class Scope
{
    private readonly Scope? _parent;

    // Frames hold a handful of names (a loop variable and "loop", a few sets), so parallel arrays searched
    // linearly beat a dictionary allocated for every loop iteration.
    private string[] _names = [];
    private object?[] _values = [];
    private int _count;

    public Scope(Scope? parent)
    {
        _parent = parent;
    }

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope != null; scope = scope._parent)
        {
            for (int i = 0; i < scope._count; i++)
            {
                if (string.Equals(scope._names[i], name, StringComparison.Ordinal))
                {
                    value = scope._values[i];
                    return true;
                }
            }
        }
        value = null;
        return false;
    }

    public void Set(string name, object? value)
    {
        for (int i = 0; i < _count; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
            {
                _values[i] = value;
                return;
            }
        }
        if (_count == _names.Length)
        {
            int capacity = Math.Max(4, _count * 2);
            Array.Resize(ref _names, capacity);
            Array.Resize(ref _values, capacity);
        }
        _names[_count] = name;
        _values[_count++] = value;
    }
}

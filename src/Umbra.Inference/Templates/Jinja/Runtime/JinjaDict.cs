namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// A Python dict: insertion-ordered, keyed by strings or numbers. Keys are normalised so that keys Python
/// considers equal (<c>1</c>, <c>1.0</c>, <c>True</c>) land on the same entry.
/// </summary>
internal sealed class JinjaDict : OrderedDictionary<object, object?>
{
    public JinjaDict()
    {
    }

    public JinjaDict(int capacity) : base(capacity)
    {
    }

    public static object NormalizeKey(object? key) => key switch
    {
        string s => s,
        long l => l,
        bool b => b ? 1L : 0L,
        double d when d == Math.Floor(d) && Math.Abs(d) < 9.0e18 => (long)d,
        double d => d,
        Undefined u => throw u.Error(),
        _ => throw new TemplateException($"A value of type '{PyOps.TypeName(key)}' cannot be a dict key"),
    };

    public bool TryGet(object? key, out object? value)
    {
        if (key is string or long or bool or double)
            return TryGetValue(NormalizeKey(key), out value);
        value = null;
        return false;
    }

    public void Put(object? key, object? value) => this[NormalizeKey(key)] = value;
}

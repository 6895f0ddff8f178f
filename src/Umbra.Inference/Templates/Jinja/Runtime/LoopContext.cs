namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>The <c>loop</c> variable inside a for loop.</summary>
internal sealed class LoopContext
{
    private readonly IReadOnlyList<object?> _items;

    public LoopContext(IReadOnlyList<object?> items)
    {
        _items = items;
    }

    public int Index0 { get; set; }

    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(_items.Count - Index0),
        "revindex0" => (long)(_items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == _items.Count - 1,
        "length" => (long)_items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? _items[Index0 - 1] : Undefined.Attribute(this, name),
        "nextitem" => Index0 < _items.Count - 1 ? _items[Index0 + 1] : Undefined.Attribute(this, name),
        "cycle" => new BoundMethod(this, name),
        _ => Undefined.Attribute(this, name),
    };

    public object? Cycle(IReadOnlyList<object?> values) =>
        values.Count == 0 ? throw new TemplateException("loop.cycle() needs at least one value") : values[Index0 % values.Count];
}

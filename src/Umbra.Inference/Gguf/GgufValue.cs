using System.Globalization;

namespace Umbra.Inference.Gguf;

/// <summary>
/// One metadata value. Scalars are boxed; arrays are stored as typed CLR arrays
/// (<c>string[]</c>, <c>float[]</c>, <c>int[]</c>...), and arrays of arrays as <c>GgufValue[]</c>.
/// </summary>
public sealed class GgufValue
{
    public GgufValue(GgufValueType type, object value, GgufValueType elementType = GgufValueType.UInt8)
    {
        Type = type;
        Value = value;
        ElementType = elementType;
    }

    public GgufValueType Type { get; }

    /// <summary>For arrays, the element type; otherwise meaningless.</summary>
    public GgufValueType ElementType { get; }

    public object Value { get; }

    public bool IsArray => Type == GgufValueType.Array;

    public bool IsInteger => Type is GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.UInt16 or
        GgufValueType.Int16 or GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.UInt64 or GgufValueType.Int64;

    /// <summary>Number of elements of an array value.</summary>
    public int Count => Value is Array a ? a.Length : throw new InvalidOperationException("Not an array value.");

    /// <summary>Any integer type as a 64-bit value; throws for non-integers or an unsigned value above long.MaxValue.</summary>
    public long AsInt64() => Value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        bool v => v ? 1 : 0,
        _ => throw new InvalidOperationException($"Metadata value of type {Type} is not an integer."),
    };

    /// <summary>Any numeric type as a double.</summary>
    public double AsDouble() => Value switch
    {
        float f => f,
        double d => d,
        _ when IsInteger => AsInt64(),
        _ => throw new InvalidOperationException($"Metadata value of type {Type} is not a number."),
    };

    public override string ToString() => Value switch
    {
        string s => s,
        Array a => $"[{ElementType} x {a.Length}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? string.Empty,
    };
}

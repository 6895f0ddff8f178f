using Umbra.Inference.Tensors;

namespace Umbra.Inference.Gguf;

/// <summary>One tensor's entry in a GGUF file. <see cref="Shape"/> is in ggml order: Shape[0] is the row length.</summary>
public sealed record GgufTensorInfo(string Name, GgmlType Type, long[] Shape, long Offset, long ByteSize)
{
    /// <summary>Offset of the tensor data from the start of the file.</summary>
    public long FileOffset { get; init; }

    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>Number of rows (every dimension but the first).</summary>
    public long Rows => ElementCount / Shape[0];

    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Shape)}]";
}

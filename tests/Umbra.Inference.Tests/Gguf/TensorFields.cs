namespace Umbra.Inference.Tests.Gguf;

/// <summary>Byte offsets of the fields of one tensor info in a GGUF file.</summary>
internal readonly record struct TensorFields(int Entry, int NDims, int Dims, int Type, int Offset)
{
    public int Dim(int d) => Dims + (8 * d);
}

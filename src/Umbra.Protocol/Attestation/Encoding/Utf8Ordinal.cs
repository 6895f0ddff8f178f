using System.Text;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// The order sorted lists use: byte-wise over the UTF-8 encodings (as memcmp would), so that an implementation in
/// any language sorts the same way. It agrees with <see cref="StringComparer.Ordinal"/> except between surrogate
/// pairs and U+E000..U+FFFF.
/// </summary>
internal sealed class Utf8Ordinal : IComparer<string>
{
    public static Utf8Ordinal Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null)
            return -1;
        if (y is null)
            return 1;
        return Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));
    }
}

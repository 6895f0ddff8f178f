using System.Buffers;
using System.Text;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The rules every <see cref="RequestMetadata"/> must meet, whether a client builds it or an envelope carries
/// it. Each problem is a clause naming the JSON field, so the sealer and the parser word errors alike.
/// </summary>
internal static class MetadataRules
{
    /// <summary>Null when <paramref name="metadata"/> is valid; otherwise what is wrong, naming the field.</summary>
    public static string? Check(RequestMetadata metadata)
    {
        if (metadata.RequestId.IsZero)
            return "field \"request_id\" is all zero bytes; it must be 16 random bytes (RequestId.New()).";
        if (!RequestEndpoints.IsKnown(metadata.Endpoint))
            return $"field \"endpoint\" names no endpoint of this protocol; the endpoints are {Quoted(RequestEndpoints.All)}.";
        if (CheckModel(metadata.Model) is { } model)
            return "field \"model\" " + model;
        if (metadata.MaxTokens is < 1)
            return "field \"max_tokens\" is below 1; leave it out for no limit.";
        if (metadata.Suite is null || !SealingSuites.IsSupported(metadata.Suite))
            return $"field \"suite\" names no suite of this protocol; the suites are {Quoted(SealingSuites.Names)}.";
        return null;
    }

    /// <summary>
    /// The model name goes into the header as UTF-8 and into logs and metrics as text, so it must encode
    /// losslessly (no lone surrogates) and hold no control characters.
    /// </summary>
    private static string? CheckModel(string? model)
    {
        if (string.IsNullOrEmpty(model))
            return "is empty.";
        var bytes = 0;
        var rest = model.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done)
                return "is not valid Unicode (it has a lone surrogate).";
            if (Rune.IsControl(rune))
                return $"has the control character U+{rune.Value:X4}.";
            bytes += rune.Utf8SequenceLength;
            rest = rest[consumed..];
        }
        if (bytes > RequestMetadata.MaxModelBytes)
            return $"is {bytes} bytes of UTF-8; the limit is {RequestMetadata.MaxModelBytes}.";
        return null;
    }

    internal static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"\"{n}\""));
}

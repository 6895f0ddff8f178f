using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The shared steps of the strict parsers: size limit, JSON to wire type, required fields, strict base64url.
/// Every failure is a <see cref="SealedMessageFormatException"/> whose message names the message kind
/// (<c>what</c>) and the field.
/// </summary>
internal static class WireReader
{
    // The serializer names CLR types in its messages; a peer reading the error knows JSON, not .NET.
    private static readonly (string Clr, string Json)[] TypeNames =
    [
        ("System.Nullable`1[System.Int32]", "an integer (32-bit)"),
        ("System.Nullable`1[System.UInt64]", "an integer from 0 to 2^64 - 1"),
        ("System.Nullable`1[System.Boolean]", "true or false"),
        ("System.Collections.Generic.List`1[Umbra.Protocol.Sealing.RecipientJson]", "an array"),
        ("System.String", "a string"),
        ("Umbra.Protocol.Sealing.EnvelopeJson", "the envelope"),
        ("Umbra.Protocol.Sealing.VersionProbeJson", "the envelope"),
        ("Umbra.Protocol.Sealing.RecipientJson", "a recipient entry"),
        ("Umbra.Protocol.Sealing.ChunkJson", "the chunk"),
    ];

    public static void CheckSize(ReadOnlySpan<byte> utf8Json, int limit, string what)
    {
        if (utf8Json.Length > limit)
            throw new SealedMessageFormatException($"The {what} is {utf8Json.Length} bytes; the limit is {limit} bytes.");
        if (utf8Json.IsEmpty)
            throw new SealedMessageFormatException($"The {what} is empty.");
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json, JsonTypeInfo<T> typeInfo, string what)
        where T : class
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(utf8Json, typeInfo);
        }
        catch (JsonException e)
        {
            // The serializer's message ends with the JSON path ("Path: $.recipients[0].enc"), which names the field.
            throw new SealedMessageFormatException($"The {what} is not well-formed: {InJsonTerms(e.Message)}", e);
        }
        return value ?? throw new SealedMessageFormatException($"The {what} is JSON null, not an object.");
    }

    /// <summary>The serializer's message with JSON words for the types it names.</summary>
    public static string InJsonTerms(string message)
    {
        foreach (var (clr, json) in TypeNames)
            message = message.Replace(clr, json, StringComparison.Ordinal);
        return message;
    }

    public static T Required<T>([NotNull] T? value, string what, string field)
        where T : struct =>
        value ?? throw Missing(what, field);

    public static string Required([NotNull] string? value, string what, string field) =>
        value ?? throw Missing(what, field);

    /// <summary>A required base64url field, strictly decoded, of exactly <paramref name="length"/> bytes or within the bounds given.</summary>
    public static byte[] Base64Url(string? value, string what, string field, int? length = null, int minLength = 0, int maxLength = int.MaxValue)
    {
        if (!Base64UrlStrict.TryDecode(Required(value, what, field), out var bytes, out var problem))
            throw Invalid(what, field, problem);
        if (length is { } exact && bytes.Length != exact)
            throw Invalid(what, field, $"holds {bytes.Length} bytes; it must hold {exact}.");
        if (bytes.Length < minLength)
            throw Invalid(what, field, $"holds {bytes.Length} bytes; it must hold at least {minLength}.");
        if (bytes.Length > maxLength)
            throw Invalid(what, field, $"holds {bytes.Length} bytes; it may hold at most {maxLength}.");
        return bytes;
    }

    public static SealedMessageFormatException Missing(string what, string field) =>
        new($"The {what} has no \"{field}\" field (or it is null).");

    /// <summary><paramref name="problem"/> completes the sentence "The field ..." (it starts with a verb).</summary>
    public static SealedMessageFormatException Invalid(string what, string field, string problem) =>
        new($"The {what}'s field \"{field}\" {problem}");
}

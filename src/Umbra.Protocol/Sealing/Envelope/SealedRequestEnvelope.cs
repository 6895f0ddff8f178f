using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// A sealed request as it travels from client to coordinator to provider (docs/PROTOCOL.md, "The sealed
/// request"): the routing metadata in clear, one entry per recipient, and the body sealed under a one-time
/// content key. Immutable; every instance is well-formed, though only opening proves it authentic.
/// </summary>
public sealed class SealedRequestEnvelope
{
    /// <summary>The protocol version this build speaks, the envelope's <c>"umbra"</c> field.</summary>
    public const int ProtocolVersion = 1;

    /// <summary>The largest envelope accepted, in bytes of JSON: 16 MiB.</summary>
    public const int MaxSize = 16 * 1024 * 1024;

    /// <summary>The most recipients one request may be sealed to.</summary>
    public const int MaxRecipients = 16;

    /// <summary>
    /// The largest request body that can be sealed. Base64url makes the ciphertext a third larger, and the
    /// remaining 8 KiB is room for the other fields of an envelope with <see cref="MaxRecipients"/> entries,
    /// so a sealed body always fits in <see cref="MaxSize"/>.
    /// </summary>
    public const int MaxBodySize = MaxSize / 4 * 3 - 8 * 1024;

    private readonly RecipientEntry[] _recipients;
    private readonly byte[] _ciphertext;

    /// <summary>Builds an envelope from its parts, checking each as the parser would.</summary>
    /// <exception cref="ArgumentException">A part is not well-formed; the message names it.</exception>
    public SealedRequestEnvelope(RequestMetadata metadata, IReadOnlyList<RecipientEntry> recipients, ReadOnlySpan<byte> ciphertext)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(recipients);
        if (MetadataRules.Check(metadata) is { } problem)
            throw new ArgumentException("The request metadata's " + problem, nameof(metadata));
        if (recipients.Count is 0 or > MaxRecipients)
            throw new ArgumentException($"A request is sealed to 1 to {MaxRecipients} recipients; got {recipients.Count}.", nameof(recipients));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in recipients)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(recipients));
            if (!seen.Add(entry.KeyId))
                throw new ArgumentException($"The key id {entry.KeyId} appears more than once among the recipients.", nameof(recipients));
        }
        if (ciphertext.Length is < AeadCipher.TagSize or > MaxBodySize + AeadCipher.TagSize)
            throw new ArgumentException($"A sealed body is {AeadCipher.TagSize} to {MaxBodySize + AeadCipher.TagSize} bytes; got {ciphertext.Length}.", nameof(ciphertext));
        Metadata = metadata;
        _recipients = [.. recipients];
        _ciphertext = ciphertext.ToArray();
        Recipients = new ReadOnlyCollection<RecipientEntry>(_recipients);
    }

    private SealedRequestEnvelope(RequestMetadata metadata, RecipientEntry[] recipients, byte[] ciphertext)
    {
        Metadata = metadata;
        _recipients = recipients;
        _ciphertext = ciphertext;
        Recipients = new ReadOnlyCollection<RecipientEntry>(_recipients);
    }

    public RequestMetadata Metadata { get; }

    /// <summary>The recipients in envelope order, which is bound into the header.</summary>
    public IReadOnlyList<RecipientEntry> Recipients { get; }

    /// <summary>The request body sealed under the content key (body length + 16 bytes).</summary>
    public ReadOnlyMemory<byte> Ciphertext => _ciphertext;

    /// <summary>
    /// Parses an envelope strictly: JSON of at most <see cref="MaxSize"/> bytes, version <see cref="ProtocolVersion"/>,
    /// every field present with its exact form and length, base64url without padding. Unknown fields are ignored
    /// so that later minor additions do not break this reader.
    /// </summary>
    /// <exception cref="SealedMessageFormatException">The bytes are not a well-formed envelope; the message names the field.</exception>
    public static SealedRequestEnvelope Parse(ReadOnlySpan<byte> utf8Json) => EnvelopeReader.Read(utf8Json);

    /// <summary>The envelope as UTF-8 JSON, in the field order of docs/PROTOCOL.md.</summary>
    public byte[] ToUtf8Json()
    {
        var json = new EnvelopeJson
        {
            Umbra = ProtocolVersion,
            RequestId = Metadata.RequestId.ToString(),
            Endpoint = Metadata.Endpoint,
            Model = Metadata.Model,
            MaxTokens = Metadata.MaxTokens,
            Stream = Metadata.Stream,
            Suite = SealingSuites.GetName(Metadata.Suite),
            Recipients = [.. _recipients.Select(r => new RecipientJson
            {
                KeyId = r.KeyId,
                Enc = Base64UrlStrict.Encode(r.EncapsulatedKey.Span),
                WrappedKey = Base64UrlStrict.Encode(r.WrappedKey.Span),
            })],
            Ciphertext = Base64UrlStrict.Encode(_ciphertext),
        };
        return JsonSerializer.SerializeToUtf8Bytes(json, SealingJsonContext.Default.EnvelopeJson);
    }

    /// <summary>The entry sealed to <paramref name="keyId"/>, if any.</summary>
    public bool TryGetRecipient(string keyId, [NotNullWhen(true)] out RecipientEntry? entry)
    {
        entry = Array.Find(_recipients, r => string.Equals(r.KeyId, keyId, StringComparison.Ordinal));
        return entry != null;
    }

    /// <summary>The recipients' key ids in order, as the header binds them.</summary>
    internal string[] KeyIds() => Array.ConvertAll(_recipients, r => r.KeyId);

    /// <summary>For the parser and the sealer, which have already checked every part.</summary>
    internal static SealedRequestEnvelope FromValidated(RequestMetadata metadata, RecipientEntry[] recipients, byte[] ciphertext) =>
        new(metadata, recipients, ciphertext);
}

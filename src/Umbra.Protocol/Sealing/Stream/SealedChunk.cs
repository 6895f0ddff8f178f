using System.Text.Json;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// One sealed response chunk (docs/PROTOCOL.md, "The sealed response stream"). Chunk 0 also names the
/// recipient that answered (its key id) and carries the provider's response salt; later chunks carry neither.
/// Immutable and well-formed; only <see cref="ResponseOpener"/> proves it authentic.
/// </summary>
public sealed class SealedChunk
{
    /// <summary>The largest chunk accepted, in bytes of JSON: 16 MiB, as for a request envelope.</summary>
    public const int MaxSize = SealedRequestEnvelope.MaxSize;

    /// <summary>The largest payload one chunk can carry, with the same margin as a request body.</summary>
    public const int MaxPayloadSize = SealedRequestEnvelope.MaxBodySize;

    /// <summary>The length of the response salt on chunk 0.</summary>
    public const int SaltSize = ResponseKeys.SaltSize;

    private const int TagSize = AeadCipher.TagSize;

    private readonly byte[] _ciphertext;
    private readonly byte[] _salt;

    /// <summary>Builds a chunk from its parts, checking each as the parser would.</summary>
    /// <exception cref="ArgumentException">A part is not well-formed, or chunk 0 lacks the key id and salt (or a later chunk has them).</exception>
    public SealedChunk(ulong sequence, bool final, ReadOnlySpan<byte> ciphertext, string? keyId = null, ReadOnlySpan<byte> salt = default)
    {
        if (ciphertext.Length is < TagSize or > MaxPayloadSize + TagSize)
            throw new ArgumentException($"A sealed chunk is {TagSize} to {MaxPayloadSize + TagSize} bytes; got {ciphertext.Length}.", nameof(ciphertext));
        if (sequence == 0)
        {
            ArgumentNullException.ThrowIfNull(keyId);
            if (KeyIdText.Check(keyId) is { } problem)
                throw new ArgumentException("The key id " + problem, nameof(keyId));
            if (salt.Length != SaltSize)
                throw new ArgumentException($"Chunk 0 carries a {SaltSize}-byte response salt; got {salt.Length} bytes.", nameof(salt));
        }
        else if (keyId != null || !salt.IsEmpty)
        {
            throw new ArgumentException($"Only chunk 0 names the recipient and carries the salt; chunk {sequence} has them.", keyId != null ? nameof(keyId) : nameof(salt));
        }
        Sequence = sequence;
        Final = final;
        KeyId = keyId;
        _ciphertext = ciphertext.ToArray();
        _salt = salt.ToArray();
    }

    /// <summary>n: 0 for the first chunk of a response, then 1, 2, ...</summary>
    public ulong Sequence { get; }

    /// <summary>Whether the sender marked this chunk the last; authenticated, so a relay cannot move the end.</summary>
    public bool Final { get; }

    /// <summary>On chunk 0, the key id of the recipient that opened the request and seals this response; otherwise null.</summary>
    public string? KeyId { get; }

    /// <summary>On chunk 0, the provider's random response salt (32 bytes); otherwise empty.</summary>
    public ReadOnlyMemory<byte> Salt => _salt;

    /// <summary>The sealed payload (payload length + 16 bytes).</summary>
    public ReadOnlyMemory<byte> Ciphertext => _ciphertext;

    /// <summary>
    /// Parses a chunk strictly: JSON of at most <see cref="MaxSize"/> bytes, <c>seq</c>, <c>final</c> and <c>ct</c>
    /// present, <c>key_id</c> and <c>salt</c> on chunk 0 only, base64url without padding. Unknown fields are ignored.
    /// </summary>
    /// <exception cref="SealedMessageFormatException">The bytes are not a well-formed chunk; the message names the field.</exception>
    public static SealedChunk Parse(ReadOnlySpan<byte> utf8Json) => ChunkReader.Read(utf8Json);

    /// <summary>The chunk as UTF-8 JSON: <c>{"seq":n,"final":false,"ct":"..."}</c>, with key_id and salt on chunk 0.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new ChunkJson
        {
            Seq = Sequence,
            Final = Final,
            KeyId = KeyId,
            Salt = Sequence == 0 ? Base64UrlStrict.Encode(_salt) : null,
            Ct = Base64UrlStrict.Encode(_ciphertext),
        },
        SealingJsonContext.Default.ChunkJson);
}

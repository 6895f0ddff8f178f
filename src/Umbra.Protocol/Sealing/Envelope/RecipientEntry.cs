namespace Umbra.Protocol.Sealing;

/// <summary>
/// One recipient of a sealed request: the key id of the provider key it is sealed to, the HPKE encapsulated
/// key (enc), and the content key wrapped under that recipient's HPKE context. All public.
/// </summary>
public sealed class RecipientEntry
{
    /// <summary>The length of enc: an uncompressed P-256 point.</summary>
    public const int EncapsulatedKeySize = 65;

    /// <summary>The length of a wrapped content key: 32 key bytes and a 16-byte tag.</summary>
    public const int WrappedKeySize = ContentKey.Size + 16;

    private readonly byte[] _encapsulatedKey;
    private readonly byte[] _wrappedKey;

    /// <exception cref="ArgumentException">A field has the wrong form or length.</exception>
    public RecipientEntry(string keyId, ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> wrappedKey)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (KeyIdText.Check(keyId) is { } problem)
            throw new ArgumentException("The key id " + problem, nameof(keyId));
        if (encapsulatedKey.Length != EncapsulatedKeySize)
            throw new ArgumentException($"An encapsulated key is {EncapsulatedKeySize} bytes; got {encapsulatedKey.Length}.", nameof(encapsulatedKey));
        if (wrappedKey.Length != WrappedKeySize)
            throw new ArgumentException($"A wrapped key is {WrappedKeySize} bytes; got {wrappedKey.Length}.", nameof(wrappedKey));
        KeyId = keyId;
        _encapsulatedKey = encapsulatedKey.ToArray();
        _wrappedKey = wrappedKey.ToArray();
    }

    /// <summary>32 lowercase hex digits: <see cref="HpkePublicKey.KeyId"/> of the recipient's key.</summary>
    public string KeyId { get; }

    /// <summary>enc: the HPKE encapsulated key for this recipient (65 bytes).</summary>
    public ReadOnlyMemory<byte> EncapsulatedKey => _encapsulatedKey;

    /// <summary>The content key sealed under this recipient's HPKE context (48 bytes).</summary>
    public ReadOnlyMemory<byte> WrappedKey => _wrappedKey;
}

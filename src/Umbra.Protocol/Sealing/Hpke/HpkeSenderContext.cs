namespace Umbra.Protocol.Sealing;

/// <summary>The sender's end of an HPKE context: seals messages in order, and carries the enc to send to the recipient.</summary>
public sealed class HpkeSenderContext : HpkeContext
{
    private readonly byte[] _encapsulatedKey;

    internal HpkeSenderContext(HpkeSuite suite, KeyScheduleSecrets secrets, byte[] encapsulatedKey)
        : base(suite, secrets)
    {
        _encapsulatedKey = encapsulatedKey;
    }

    /// <summary>enc: the encapsulated key (65 bytes) the recipient needs to set up its context. Public, not secret.</summary>
    public ReadOnlyMemory<byte> EncapsulatedKey => _encapsulatedKey;

    /// <summary>
    /// Encrypts and authenticates <paramref name="plaintext"/> with <paramref name="associatedData"/> under the
    /// next sequence number. Returns ciphertext || tag (plaintext length + 16 bytes).
    /// </summary>
    /// <exception cref="InvalidOperationException">The suite is export-only, or the message limit is reached.</exception>
    public byte[] Seal(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext) => SealCore(associatedData, plaintext);
}

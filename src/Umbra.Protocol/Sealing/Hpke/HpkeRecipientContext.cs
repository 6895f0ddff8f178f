using System.Diagnostics.CodeAnalysis;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The recipient's end of an HPKE context: opens messages in the order they were sealed. A message that fails
/// to open leaves the sequence number where it was, so a forged or damaged message cannot desynchronize the
/// context; a message opened out of order fails.
/// </summary>
public sealed class HpkeRecipientContext : HpkeContext
{
    internal HpkeRecipientContext(HpkeSuite suite, KeyScheduleSecrets secrets)
        : base(suite, secrets)
    {
    }

    /// <summary>
    /// Verifies and decrypts ciphertext || tag with <paramref name="associatedData"/> at the current sequence
    /// number. Returns false, without advancing, when it does not authenticate.
    /// </summary>
    /// <exception cref="InvalidOperationException">The suite is export-only, or the message limit is reached.</exception>
    public bool TryOpen(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, [NotNullWhen(true)] out byte[]? plaintext) =>
        TryOpenCore(associatedData, ciphertext, out plaintext, out _);

    /// <summary>As <see cref="TryOpen"/>, but a message that does not authenticate throws.</summary>
    /// <exception cref="SealingException">The message does not authenticate under this context.</exception>
    public byte[] Open(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext)
    {
        if (TryOpenCore(associatedData, ciphertext, out var plaintext, out var sequenceNumber))
            return plaintext;
        throw new SealingException(
            $"The HPKE message at sequence number {sequenceNumber} failed authentication: it was altered, truncated, "
            + "opened out of order, or sealed under a different key, info or associated data.");
    }
}

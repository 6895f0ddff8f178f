namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// Carries one marshaled TPM command to a TPM and brings back its whole response. A transport does no
/// interpretation beyond framing: the client checks the response header and everything after it.
/// </summary>
internal interface ITpmTransport : IDisposable
{
    /// <summary>Sends <paramref name="command"/> and returns the response (header included).</summary>
    /// <exception cref="TpmException">The TPM could not be reached, did not answer in time, or sent more than
    /// <see cref="TpmTransportLimits.MaxResponseSize"/> bytes.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    byte[] Transmit(ReadOnlySpan<byte> command, string commandName, CancellationToken cancellationToken);
}

internal static class TpmTransportLimits
{
    public const int HeaderSize = 10;

    /// <summary>The largest response accepted: a TPM's 4096-byte maximum buffer plus the header.</summary>
    public const int MaxResponseSize = 4096 + HeaderSize;
}

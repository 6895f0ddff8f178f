namespace Umbra.Protocol.Sealing;

/// <summary>
/// What <see cref="RequestSealer.Seal"/> returns: the envelope to send, and the client state that opens the
/// response. The caller owns <see cref="PendingResponse"/> and disposes it when the response is done.
/// </summary>
public sealed class SealedRequest
{
    internal SealedRequest(SealedRequestEnvelope envelope, PendingResponse pendingResponse)
    {
        Envelope = envelope;
        PendingResponse = pendingResponse;
    }

    public SealedRequestEnvelope Envelope { get; }

    public PendingResponse PendingResponse { get; }

    public void Deconstruct(out SealedRequestEnvelope envelope, out PendingResponse pendingResponse)
    {
        envelope = Envelope;
        pendingResponse = PendingResponse;
    }
}

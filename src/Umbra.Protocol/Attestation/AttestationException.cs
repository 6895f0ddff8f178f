namespace Umbra.Protocol.Attestation;

/// <summary>
/// An attestation bundle, receipt or piece of platform evidence received from elsewhere is not well-formed or
/// cannot be used. The message names the field (and the byte offset where there is one) so that whoever
/// produced the bytes can find the fault; it never contains key material.
/// </summary>
public class AttestationException : Exception
{
    public AttestationException(string message) : base(message)
    {
    }

    public AttestationException(string message, Exception inner) : base(message, inner)
    {
    }

    public AttestationException()
    {
    }
}

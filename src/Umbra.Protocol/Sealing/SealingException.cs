namespace Umbra.Protocol.Sealing;

/// <summary>
/// Sealed data or sealing material received from elsewhere is unusable: a ciphertext failed authentication,
/// an encapsulated or public key is not a valid encoding. The message says which; it never contains key
/// material or plaintext. <see cref="SealedMessageFormatException"/> narrows it to a sealed message that is
/// not well-formed at all.
/// </summary>
public class SealingException : Exception
{
    public SealingException(string message) : base(message)
    {
    }

    public SealingException(string message, Exception inner) : base(message, inner)
    {
    }

    public SealingException()
    {
    }
}

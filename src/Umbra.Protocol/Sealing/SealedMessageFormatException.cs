namespace Umbra.Protocol.Sealing;

/// <summary>
/// A sealed request envelope or sealed response chunk received from elsewhere is not well-formed: not JSON, a
/// field missing, of the wrong type, of the wrong length, not strict base64url, too large, or of a protocol
/// version this build does not speak. The message names the field. Nothing was decrypted.
/// </summary>
public sealed class SealedMessageFormatException : SealingException
{
    public SealedMessageFormatException(string message) : base(message)
    {
    }

    public SealedMessageFormatException(string message, Exception inner) : base(message, inner)
    {
    }

    public SealedMessageFormatException()
    {
    }
}

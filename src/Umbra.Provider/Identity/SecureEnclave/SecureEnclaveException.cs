namespace Umbra.Provider.Identity.SecureEnclave;

/// <summary>A Secure Enclave operation that Security.framework refused; the message carries its CFError.</summary>
public sealed class SecureEnclaveException : Exception
{
    public SecureEnclaveException()
    {
    }

    public SecureEnclaveException(string message) : base(message)
    {
    }

    public SecureEnclaveException(string message, Exception inner) : base(message, inner)
    {
    }
}

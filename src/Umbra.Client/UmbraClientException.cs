namespace Umbra.Client;

/// <summary>
/// The coordinator or provider refused a request, or the response could not be trusted. For refusals,
/// <see cref="Status"/> and <see cref="Code"/> carry the OpenAI-shaped error; for a response that failed
/// to open (tampered, truncated), <see cref="Code"/> is "response_not_authentic".
/// </summary>
public class UmbraClientException : Exception
{
    public UmbraClientException(int status, string? code, string message) : base(message)
    {
        Status = status;
        Code = code;
    }

    public UmbraClientException(int status, string? code, string message, Exception inner) : base(message, inner)
    {
        Status = status;
        Code = code;
    }

    public UmbraClientException()
    {
    }

    public UmbraClientException(string message) : base(message)
    {
    }

    public UmbraClientException(string message, Exception inner) : base(message, inner)
    {
    }

    public int Status { get; }

    public string? Code { get; }
}

namespace Umbra.Protocol.OpenAi;

/// <summary>A request the API refuses, carried to the error writer with its HTTP status and OpenAI error fields.</summary>
public sealed class ApiException : Exception
{
    public ApiException(int status, string message, string? param = null, string? code = null, string type = "invalid_request_error")
        : base(message)
    {
        Status = status;
        Param = param;
        Code = code;
        Type = type;
    }

    public ApiException()
    {
        Status = 500;
        Type = "server_error";
    }

    public ApiException(string message) : this(400, message)
    {
    }

    public ApiException(string message, Exception inner) : base(message, inner)
    {
        Status = 400;
        Type = "invalid_request_error";
    }

    public int Status { get; }
    public string? Param { get; }
    public string? Code { get; }
    public string Type { get; }

    public OpenAiErrorBody ToBody() => new(new OpenAiError(Message, Type, Param, Code));

    public static ApiException BadParam(string param, string message) => new(400, message, param, "invalid_value");
}

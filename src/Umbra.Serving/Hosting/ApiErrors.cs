using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Umbra.Inference.Model;
using Umbra.Inference.Templates;
using Umbra.Protocol.OpenAi;

namespace Umbra.Serving.Hosting;

/// <summary>Maps every failure to an OpenAI-shaped error body with the right status.</summary>
internal static class ApiErrors
{
    public static ApiException From(Exception e) => e switch
    {
        ApiException api => api,
        ContextLengthExceededException c => new ApiException(400, c.Message, "messages", "context_length_exceeded"),
        TemplateException t => new ApiException(400, $"The model's chat template refused these messages: {t.Reason}", "messages", "invalid_messages"),
        JsonException j => new ApiException(400, $"We could not parse the JSON body of your request: {j.Message} Send valid JSON with Content-Type: application/json.", null, "invalid_json"),
        BadHttpRequestException b when b.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            new ApiException(413, "The request body is too large.", null, "request_too_large"),
        BadHttpRequestException b => new ApiException(b.StatusCode, $"Bad request: {b.Message}", null, "bad_request"),
        ArgumentException a => new ApiException(400, a.Message, a.ParamName, "invalid_value"),
        _ => new ApiException(500, "The server had an error while processing your request.", null, null, "server_error"),
    };

    public static async Task WriteAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(error.ToBody(), OpenAiJson.Context.OpenAiErrorBody), context.RequestAborted).ConfigureAwait(false);
    }

    public static string Status(int code) => code switch
    {
        404 => "Unknown request URL. Please check the URL and method; this server serves /v1/chat/completions, /v1/completions and /v1/models.",
        405 => "Method not allowed for this URL.",
        415 => "Unsupported content type; send application/json.",
        _ => $"The request failed with status {code}.",
    };
}

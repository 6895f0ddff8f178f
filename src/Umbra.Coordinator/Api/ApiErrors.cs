using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Api;

/// <summary>Every failure as an OpenAI-shaped error body with the right status.</summary>
internal static class ApiErrors
{
    public static ApiException From(Exception e) => e switch
    {
        ApiException api => api,
        SealedMessageFormatException f => new ApiException(400, $"The sealed request envelope is malformed: {f.Message}", null, "invalid_envelope"),
        JsonException => new ApiException(400, "We could not parse the JSON body of your request. Send valid JSON.", null, "invalid_json"),
        BadHttpRequestException b when b.StatusCode == StatusCodes.Status413PayloadTooLarge => TooLarge(null),
        BadHttpRequestException b => new ApiException(b.StatusCode, $"Bad request: {b.Message}", null, "bad_request"),
        _ => new ApiException(500, "The server had an error while processing your request.", null, null, "server_error"),
    };

    public static ApiException TooLarge(int? limit) => new(413,
        limit is { } l ? $"The request body is larger than this coordinator accepts ({l} bytes)." : "The request body is too large.",
        null, "request_too_large");

    public static ApiException Unauthorized(string message) => new(401, message, null, "invalid_api_key", "invalid_request_error");

    public static ApiException ModelNotFound(string model) => new(404,
        $"The model '{model}' does not exist or no provider serving it is online. GET /v1/models lists the models served now.",
        "model", "model_not_found");

    /// <summary>An error as the bytes of its JSON body.</summary>
    public static byte[] Json(ApiException error) => JsonSerializer.SerializeToUtf8Bytes(error.ToBody(), OpenAiJson.Context.OpenAiErrorBody);

    public static async Task WriteAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted)
            return;
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Json(error), context.RequestAborted);
    }

    /// <summary>A message for a bare status code from routing (no endpoint, wrong method).</summary>
    public static string ForStatus(int code) => code switch
    {
        404 => "Unknown request URL. This coordinator serves /v1/chat/completions, /v1/completions, /v1/responses, /v1/models and /v1/models/{model}/providers.",
        405 => "Method not allowed for this URL.",
        _ => $"The request failed with status {code}.",
    };
}

using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Protocol.OpenAi;

namespace Umbra.Serving.Hosting;

/// <summary>The OpenAI-compatible endpoints over the built-in engine.</summary>
public static class OpenAiApi
{
    /// <summary>Largest request body accepted (prompts of the largest contexts fit comfortably).</summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGet("/models", ListModels);
        v1.MapGet("/models/{id}", GetModel);
        v1.MapPost("/chat/completions", ChatCompletions);
        v1.MapPost("/completions", Completions);
        return app;
    }

    private static JsonHttpResult<ModelList> ListModels(ServedModel served) =>
        TypedResults.Json(new ModelList([new ModelObject(served.Id, served.Created, "umbra")]), OpenAiJson.Context.ModelList);

    private static JsonHttpResult<ModelObject> GetModel(string id, ServedModel served) =>
        id == served.Id
            ? TypedResults.Json(new ModelObject(served.Id, served.Created, "umbra"), OpenAiJson.Context.ModelObject)
            : throw ModelNotFound(id);

    private static async Task ChatCompletions(HttpContext context, ServedModel served)
    {
        using var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var request = RequestParser.ParseChat(body.RootElement);
        CheckModel(request, served);
        var prompt = PromptBuilder.ForChat(served.Model, EngineMapping.Messages(request.Messages!));
        await RunAsync(context, served, request, prompt, chat: true).ConfigureAwait(false);
    }

    private static async Task Completions(HttpContext context, ServedModel served)
    {
        using var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var request = RequestParser.ParseCompletion(body.RootElement);
        CheckModel(request, served);
        var prompt = PromptBuilder.ForCompletion(served.Model, request.Prompt!);
        await RunAsync(context, served, request, prompt, chat: false).ConfigureAwait(false);
    }

    private static async Task RunAsync(HttpContext context, ServedModel served, ParsedRequest request, int[] prompt, bool chat)
    {
        var gen = new GenerationRequest { PromptTokens = prompt, MaxTokens = request.MaxTokens, Sampling = EngineMapping.Sampling(request.Sampling), Stop = request.Stop };
        try
        {
            served.Generator.ResolveMaxTokens(gen); // context and parameter errors surface before any byte is sent
        }
        catch (ContextLengthExceededException e)
        {
            throw new ApiException(400, e.Message, chat ? "messages" : "prompt", "context_length_exceeded");
        }
        string id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var ct = context.RequestAborted;

        if (!request.Stream)
        {
            var (text, final) = await served.Generator.GenerateTextAsync(gen, ct).ConfigureAwait(false);
            var usage = new Usage(final.PromptTokens, final.CompletionTokens);
            string finish = Finish(final.Finish);
            IResult result = chat
                ? TypedResults.Json(new ChatCompletion(id, created, served.Id, [new ChatChoice(0, new ChatMessageDto("assistant", text), finish)], usage), OpenAiJson.Context.ChatCompletion)
                : TypedResults.Json(new TextCompletion(id, created, served.Id, [new CompletionChoice(0, text, finish)], usage), OpenAiJson.Context.TextCompletion);
            await result.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var sse = new SseWriter(context.Response);
        sse.Start();
        if (chat)
            await sse.WriteAsync(new ChatCompletionChunk(id, created, served.Id, [new ChatChunkChoice(0, new ChatDelta("assistant", ""), null)], null), OpenAiJson.Context.ChatCompletionChunk, ct).ConfigureAwait(false);
        try
        {
            await foreach (var u in served.Generator.GenerateAsync(gen, ct).ConfigureAwait(false))
            {
                if (u.Text.Length == 0 && !u.IsFinal) continue;
                string? finish = u.IsFinal ? Finish(u.Finish) : null;
                // Asked for (stream_options.include_usage), usage comes as OpenAI sends it: a last chunk with no
                // choices. Otherwise it rides on the finishing chunk, so streaming clients still learn the counts.
                var usage = u.IsFinal ? new Usage(u.PromptTokens, u.CompletionTokens) : null;
                if (request.IncludeUsage && usage != null)
                {
                    await WriteChunkAsync(sse, chat, id, created, served.Id, u.Text, finish, null, ct).ConfigureAwait(false);
                    await WriteChunkAsync(sse, chat, id, created, served.Id, null, null, usage, ct).ConfigureAwait(false);
                    continue;
                }
                await WriteChunkAsync(sse, chat, id, created, served.Id, u.Text, finish, usage, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Headers are gone; report the failure in-band rather than cutting the stream silently.
            var error = ApiErrors.From(e);
            if (error.Status >= 500)
                ServerLog.Unexpected(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Umbra.Serving"), e.GetType().Name);
            await sse.WriteAsync(error.ToBody(), OpenAiJson.Context.OpenAiErrorBody, ct).ConfigureAwait(false);
        }
        await sse.DoneAsync(ct).ConfigureAwait(false);
    }

    /// <summary>One streamed chunk; text null with usage set is OpenAI's usage-only chunk (no choices).</summary>
    private static Task WriteChunkAsync(SseWriter sse, bool chat, string id, long created, string model, string? text, string? finish, Usage? usage, CancellationToken ct)
    {
        bool usageOnly = text is null && usage is not null;
        if (chat)
        {
            IReadOnlyList<ChatChunkChoice> choices = usageOnly ? [] : [new ChatChunkChoice(0, new ChatDelta(null, text is { Length: > 0 } || finish is null ? text : null), finish)];
            return sse.WriteAsync(new ChatCompletionChunk(id, created, model, choices, usage), OpenAiJson.Context.ChatCompletionChunk, ct);
        }
        IReadOnlyList<CompletionChoice> textChoices = usageOnly ? [] : [new CompletionChoice(0, text ?? "", finish)];
        return sse.WriteAsync(new TextCompletion(id, created, model, textChoices, usage), OpenAiJson.Context.TextCompletion, ct);
    }

    private static string Finish(FinishReason? reason) => reason == FinishReason.Length ? "length" : "stop";

    private static void CheckModel(ParsedRequest request, ServedModel served)
    {
        if (request.Model != served.Id) throw ModelNotFound(request.Model);
    }

    private static ApiException ModelNotFound(string id) =>
        new(404, $"The model '{id}' does not exist or you do not have access to it.", "model", "model_not_found");

    private static async Task<JsonDocument> ReadJsonAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (contentType != null && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, $"Unsupported content type '{contentType}'; send application/json.", null, "unsupported_media_type");
        if (context.Request.ContentLength > MaxBodyBytes)
            throw new ApiException(413, $"The request body of {context.Request.ContentLength} bytes exceeds the limit of {MaxBodyBytes}.", null, "request_too_large");

        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                throw new ApiException(413, $"The request body exceeds the limit of {MaxBodyBytes} bytes.", null, "request_too_large");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
            throw new ApiException(400, "The request body is empty; send a JSON object.", null, "invalid_json");
        var bytes = buffer.ToArray();
        // The JSON reader does not check every string (property names included); check the whole body once.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw new ApiException(400, "The request body is not valid UTF-8.", null, "invalid_json");
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new ApiException(400, $"We could not parse the JSON body of your request ({e.Message}). Send valid JSON.", null, "invalid_json");
        }
    }
}

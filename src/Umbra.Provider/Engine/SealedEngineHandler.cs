using Microsoft.Extensions.Logging;
using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Templates;
using Umbra.Protocol.Hub;
using Umbra.Protocol.OpenAi;
using Umbra.Provider.Identity;

namespace Umbra.Provider.Engine;

/// <summary>
/// Serves sealed requests with the built-in engine: one generator per model, requests to a model queue for it,
/// and each OpenAI event is sealed and sent the moment it is produced.
/// </summary>
public sealed class SealedEngineHandler : SealedRequestHandler, IModelLoader
{
    private readonly Dictionary<string, EngineModel> _models;

    public SealedEngineHandler(IEnumerable<EngineModel> models, InferenceKeyring keyring, ILogger? logger = null)
        : base(keyring, logger)
    {
        ArgumentNullException.ThrowIfNull(models);
        _models = models.ToDictionary(m => m.Id, StringComparer.Ordinal);
        if (_models.Count == 0)
            throw new ArgumentException("The engine needs at least one model to serve.", nameof(models));
    }

    /// <summary>What registration announces.</summary>
    public IReadOnlyList<ModelOffer> Offers => [.. _models.Values.Select(m => m.Offer)];

    protected override bool Serves(string model) => _models.ContainsKey(model);

    /// <summary>Each model's capacity for the heartbeat, loaded or not.</summary>
    public IReadOnlyList<ModelCapacity> Capacity() => [.. _models.Values.Select(m => m.Capacity())];

    /// <summary>
    /// After a load the coordinator asked for, also run the engine's warm-up (<see cref="EngineModel.WarmUpAsync"/>):
    /// loading maps the weights but reads none, so without it the first request after the load still reads them in
    /// (from the disk, where the page cache has let them go). Off by default; <c>umbra provider</c> turns it on unless
    /// <c>--no-warm-up</c>. A request that brings the model back loads it without a warm-up: it reads them itself.
    /// The model is loaded, and takes requests, while it warms up: they run alongside it. A warm-up that fails is
    /// logged and leaves the model loaded.
    /// </summary>
    public bool WarmUpOnLoad { get; set; }

    /// <inheritdoc/>
    public async Task<bool?> LoadAsync(string model, CancellationToken cancellationToken)
    {
        if (!_models.TryGetValue(model, out var served))
            return null;
        bool loaded = await served.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (loaded && WarmUpOnLoad)
        {
            try
            {
                await served.WarmUpAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException and not ObjectDisposedException)
            {
                // The model is loaded and serves; only the warm-up's head start is lost. The type alone is logged.
                Logger.WarmUpFailed(model, e.GetType().Name);
            }
        }
        return loaded;
    }

    private protected override async Task ServeAsync(RequestMessage request, AcceptedRequest accepted, SealedResponse response, CancellationToken cancellationToken)
    {
        // Loads the model first if it was unloaded while idle; it stays loaded until this request ends.
        using var served = await _models[accepted.Metadata.Model].UseAsync(cancellationToken).ConfigureAwait(false);
        var parsed = accepted.Parsed;
        var generation = new GenerationRequest
        {
            PromptTokens = Prompt(served.Model, accepted),
            MaxTokens = parsed.MaxTokens,
            Sampling = EngineRequestMapping.Sampling(parsed.Sampling),
            Stop = parsed.Stop,
        };
        try
        {
            // Context and parameter errors surface before any chunk is sent, so the coordinator may still fail over.
            served.Generator.ResolveMaxTokens(generation);
        }
        catch (ContextLengthExceededException e)
        {
            throw new RequestRefusedException(ProviderErrorCodes.ContextLengthExceeded, e.Message);
        }
        catch (ArgumentException)
        {
            throw new RequestRefusedException(ProviderErrorCodes.InvalidRequest, "The request's sampling or stop parameters are out of range.");
        }

        var payloads = new OpenAiPayloads(accepted.Chat, accepted.Metadata.Model);
        var final = parsed.Stream
            ? await StreamAsync(served.Generator, generation, parsed, payloads, response, cancellationToken).ConfigureAwait(false)
            : await WholeAsync(served.Generator, generation, payloads, response, cancellationToken).ConfigureAwait(false);
        await response.CompleteAsync(final.PromptTokens, final.CompletionTokens, cancellationToken).ConfigureAwait(false);
        Logger.Served(request.Handle, final.PromptTokens, final.CompletionTokens, response.Chunks);
    }

    private static int[] Prompt(LlamaModel model, AcceptedRequest accepted)
    {
        try
        {
            return accepted.Chat
                ? PromptBuilder.ForChat(model, EngineRequestMapping.Messages(accepted.Parsed.Messages!))
                : PromptBuilder.ForCompletion(model, accepted.Parsed.Prompt!);
        }
        catch (TemplateException)
        {
            // The template's own message may quote the messages; say only where the problem lies.
            throw new RequestRefusedException(ProviderErrorCodes.InvalidRequest, "The model's chat template refused the request's messages.");
        }
    }

    private static async Task<GenerationUpdate> WholeAsync(TextGenerator generator, GenerationRequest generation, OpenAiPayloads payloads,
        SealedResponse response, CancellationToken cancellationToken)
    {
        var (text, final) = await generator.GenerateTextAsync(generation, cancellationToken).ConfigureAwait(false);
        var usage = new Usage(final.PromptTokens, final.CompletionTokens);
        await response.SendAsync(payloads.Whole(text, OpenAiPayloads.Finish(final.Finish), usage), final: true, cancellationToken).ConfigureAwait(false);
        return final;
    }

    private static async Task<GenerationUpdate> StreamAsync(TextGenerator generator, GenerationRequest generation, ParsedRequest parsed,
        OpenAiPayloads payloads, SealedResponse response, CancellationToken cancellationToken)
    {
        if (payloads.IsChat)
            await response.SendAsync(payloads.RoleChunk(), final: false, cancellationToken).ConfigureAwait(false);
        await foreach (var update in generator.GenerateAsync(generation, cancellationToken).ConfigureAwait(false))
        {
            if (!update.IsFinal)
            {
                if (update.Text.Length > 0)
                    await response.SendAsync(payloads.Chunk(update.Text, null, null), final: false, cancellationToken).ConfigureAwait(false);
                continue;
            }
            // The final chunk carries the usage and the finish reason. Asked for (stream_options.include_usage),
            // usage comes as OpenAI sends it: a last chunk with no choices; otherwise it rides on the finishing chunk.
            var usage = new Usage(update.PromptTokens, update.CompletionTokens);
            string finish = OpenAiPayloads.Finish(update.Finish);
            if (parsed.IncludeUsage)
            {
                await response.SendAsync(payloads.Chunk(update.Text, finish, null), final: false, cancellationToken).ConfigureAwait(false);
                await response.SendAsync(payloads.Chunk(null, null, usage), final: true, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await response.SendAsync(payloads.Chunk(update.Text, finish, usage), final: true, cancellationToken).ConfigureAwait(false);
            }
            return update;
        }
        throw new InvalidOperationException("The generator ended without a final update.");
    }
}

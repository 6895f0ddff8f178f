using System.Runtime.CompilerServices;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;

namespace Umbra.Inference.Generation;

/// <summary>
/// Runs generations on a model, streaming text as it is produced. Concurrent requests are batched
/// continuously by one engine thread (<see cref="BatchEngine"/>): they share a KV cache allocated once for
/// <see cref="EngineOptions.TokenBudget"/> tokens and every step evaluates all running sequences in one pass.
/// A request the cache cannot hold yet waits its turn.
/// </summary>
public sealed class TextGenerator : IDisposable
{
    private readonly BatchEngine _engine;
    private readonly SemaphoreSlim _slots;

    /// <param name="model">The model to run.</param>
    /// <param name="contextLength">Positions per request; default the model's.</param>
    /// <param name="reusePrefix">
    /// Keep the cache of the last finished request and evaluate only what the next prompt does not share with
    /// it. Right for one user's chat; wrong where requests come from different people, since a shared prefix
    /// answers faster (a timing signal) and the previous prompt stays in memory. Off by default.
    /// </param>
    /// <param name="options">Cache budget and batch limits; default one context length of cache.</param>
    public TextGenerator(LlamaModel model, int? contextLength = null, bool reusePrefix = false, EngineOptions? options = null)
    {
        Model = model;
        ReusePrefix = reusePrefix;
        ContextLength = Math.Min(contextLength ?? model.Config.ContextLength, model.Config.ContextLength);
        options ??= new EngineOptions();
        _engine = new BatchEngine(model, ContextLength, reusePrefix, options);
        _slots = new SemaphoreSlim(options.MaxSequences + options.MaxWaiting);
    }

    /// <summary>Updates buffered for a slow reader before its sequence pauses.</summary>
    public const int OutputBuffer = 8;

    public LlamaModel Model { get; }

    /// <summary>Tokens evaluated so far (prompt and generated, all requests), a diagnostic that shows when work stops.</summary>
    public int Steps => (int)Math.Min(_engine.Evaluated, int.MaxValue);

    public bool ReusePrefix { get; }

    /// <summary>Positions available to one request: prompt plus generated tokens.</summary>
    public int ContextLength { get; }

    /// <summary>What the engine holds and how fast it runs, for a scheduler.</summary>
    public EngineCapacity Capacity => _engine.Capacity;

    /// <summary>Checks a request against the context before it is queued; throws what generation would.</summary>
    public int ResolveMaxTokens(GenerationRequest request)
    {
        int prompt = request.PromptTokens.Count;
        if (prompt == 0) throw new ArgumentException("The prompt is empty.", nameof(request));
        if (request.MaxTokens is int m && m < 1)
            throw new ArgumentException($"max_tokens must be at least 1; got {m}.", nameof(request));
        if (request.Stop.Count > 4)
            throw new ArgumentException("At most 4 stop sequences are allowed.", nameof(request));
        request.Sampling.Validate();
        long needed = (long)prompt + (request.MaxTokens ?? 1);
        if (prompt >= ContextLength || needed > ContextLength)
            throw new ContextLengthExceededException((int)Math.Min(needed, int.MaxValue), ContextLength);
        var vocab = Model.Config.VocabSize;
        foreach (int t in request.PromptTokens)
        {
            if ((uint)t >= (uint)vocab)
                throw new ArgumentException($"Token id {t} is outside the vocabulary of {vocab}.", nameof(request));
        }
        return request.MaxTokens ?? ContextLength - prompt;
    }

    /// <summary>Streams the generation. Cancelling the token stops it within one step and frees its cache.</summary>
    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int maxTokens = ResolveMaxTokens(request);
        var prompt = request.PromptTokens.ToArray();
        var sampler = new Sampler(request.Sampling);
        foreach (var t in prompt) sampler.AcceptPrompt(t);
        var sink = new TextSink(Model.Tokenizer, request.Stop);

        // Bounded queue: past MaxSequences + MaxWaiting requests, callers wait here rather than fail.
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sequence = new EngineSequence(prompt, maxTokens, sampler, request.IgnoreEndOfGeneration, sink, linked.Token);
        try
        {
            _engine.Submit(sequence);
        }
        catch
        {
            _slots.Release();
            throw;
        }
        try
        {
            await foreach (var update in sink.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // ReadAllAsync drains what is buffered even after cancellation; stop at once instead.
                cancellationToken.ThrowIfCancellationRequested();
                yield return update;
            }
        }
        finally
        {
            // The caller stopped listening (or generation ended): the engine frees the sequence within a step.
            await linked.CancelAsync().ConfigureAwait(false);
            await sequence.Completion.Task.ConfigureAwait(false);
            _slots.Release();
        }
    }

    /// <summary>
    /// Runs two short generations of a fixed public sentence, so that the engine's code is compiled and the
    /// weights are read in before the first request, and the engine's measured speeds (<see cref="Capacity"/>)
    /// are the second generation's rather than 0. Call it before serving; it takes about two short requests' time.
    /// Its tokens count in <see cref="Steps"/>. With a prefix-reusing generator the sentence's cache is kept as a
    /// finished request's would be.
    /// </summary>
    public Task<WarmUpReport> WarmUpAsync(CancellationToken cancellationToken = default) =>
        EngineWarmUp.RunAsync(this, _engine, cancellationToken);

    /// <summary>Runs to completion and returns the whole text.</summary>
    public async Task<(string Text, GenerationUpdate Final)> GenerateTextAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        GenerationUpdate? last = null;
        await foreach (var u in GenerateAsync(request, cancellationToken).ConfigureAwait(false))
        {
            text.Append(u.Text);
            last = u;
        }
        return (text.ToString(), last!);
    }

    public void Dispose()
    {
        _engine.Dispose();
        _slots.Dispose();
    }
}

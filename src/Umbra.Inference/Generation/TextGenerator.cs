using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Generation;

/// <summary>
/// Runs generations on a model, one sequence at a time (later requests wait their turn), streaming text
/// as it is produced. The KV cache is kept between requests, so a prompt that extends the previous
/// conversation only evaluates its new tokens.
/// </summary>
public sealed class TextGenerator : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly InferenceSession _session;

    /// <param name="model">The model to run.</param>
    /// <param name="contextLength">Positions per request; default the model's.</param>
    /// <param name="reusePrefix">
    /// Keep the KV cache between requests and evaluate only what differs from the previous prompt. Right for
    /// one user's chat; wrong where requests come from different people, since a shared prefix answers faster
    /// (a timing signal) and the previous prompt stays in memory. Off by default.
    /// </param>
    public TextGenerator(LlamaModel model, int? contextLength = null, bool reusePrefix = false)
    {
        Model = model;
        ReusePrefix = reusePrefix;
        ContextLength = Math.Min(contextLength ?? model.Config.ContextLength, model.Config.ContextLength);
        _session = model.CreateSession(ContextLength);
    }

    /// <summary>Updates buffered between the worker and a slow reader.</summary>
    public const int OutputBuffer = 8;

    private int _steps;

    public LlamaModel Model { get; }

    /// <summary>Tokens evaluated so far (prompt and generated), a diagnostic that shows when work stops.</summary>
    public int Steps => Volatile.Read(ref _steps);

    public bool ReusePrefix { get; }

    /// <summary>Positions available to one request: prompt plus generated tokens.</summary>
    public int ContextLength { get; }

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
        return request.MaxTokens ?? ContextLength - prompt;
    }

    /// <summary>Streams the generation. Cancelling the token stops it within one step.</summary>
    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int maxTokens = ResolveMaxTokens(request);
        // Bounded: a slow reader holds the worker back instead of letting output pile up in memory.
        var channel = Channel.CreateBounded<GenerationUpdate>(new BoundedChannelOptions(OutputBuffer) { SingleReader = true, SingleWriter = true });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var worker = Task.Run(async () =>
        {
            await _gate.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                Run(request, maxTokens, channel.Writer, linked.Token);
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
            finally
            {
                Forget();
                _gate.Release();
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // ReadAllAsync drains what is buffered even after cancellation; stop at once instead.
                cancellationToken.ThrowIfCancellationRequested();
                yield return update;
            }
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            try
            {
                await worker.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The caller stopped listening; the worker saw it and ended.
            }
        }
    }

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

    private void Run(GenerationRequest request, int maxTokens, ChannelWriter<GenerationUpdate> output, CancellationToken ct)
    {
        var prompt = request.PromptTokens;
        var tokenizer = Model.Tokenizer;
        var sampler = new Sampler(request.Sampling);
        foreach (var t in prompt) sampler.AcceptPrompt(t);

        // Reuse the cached prefix shared with the previous request; at least one token must be evaluated.
        int common = 0;
        if (ReusePrefix)
        {
            var cached = _session.Tokens;
            while (common < cached.Count && common < prompt.Count - 1 && cached[common] == prompt[common]) common++;
        }
        _session.Rewind(common);
        var toEval = prompt.Skip(common).ToArray();
        // Forward checks the token between prompt tokens, so a long prompt stops within one token too.
        var logits = _session.Forward(toEval, ct);
        Interlocked.Add(ref _steps, toEval.Length);

        // Output continues the prompt: keep its first space, and show no control-token markup.
        var decoder = tokenizer.CreateStreamingDecoder(new DecodeOptions { StripLeadingSpace = false, RenderSpecial = false });
        var stops = new StopSequenceFilter(request.Stop);
        var eog = tokenizer.EndOfGenerationIds;
        int generated = 0;
        FinishReason finish = FinishReason.Length;
        while (generated < maxTokens)
        {
            ct.ThrowIfCancellationRequested();
            int next = sampler.Sample(logits);
            if (!request.IgnoreEndOfGeneration && eog.Contains(next))
            {
                finish = FinishReason.Stop;
                break;
            }
            generated++;
            sampler.Accept(next);
            var (text, stopped) = stops.Push(decoder.Append(next));
            if (stopped)
            {
                Emit(output, new GenerationUpdate(text, FinishReason.Stop, prompt.Count, generated), ct);
                return;
            }
            if (text.Length > 0) Emit(output, new GenerationUpdate(text, null, prompt.Count, generated), ct);
            if (generated < maxTokens)
            {
                logits = _session.Forward([next], ct);
                Interlocked.Increment(ref _steps);
            }
        }
        var (tail, hit) = stops.Push(decoder.Flush());
        string rest = hit ? tail : tail + stops.Flush();
        Emit(output, new GenerationUpdate(rest, hit ? FinishReason.Stop : finish, prompt.Count, generated), ct);
    }

    /// <summary>Without prefix reuse, nothing of a request outlives it: the cache it filled is wiped.</summary>
    private void Forget()
    {
        if (!ReusePrefix) _session.Clear();
    }

    private static void Emit(ChannelWriter<GenerationUpdate> output, GenerationUpdate update, CancellationToken ct)
    {
        // The worker is a dedicated compute loop, so waiting here for the reader blocks nothing else.
        if (!output.TryWrite(update))
            output.WriteAsync(update, ct).AsTask().GetAwaiter().GetResult();
    }

    public void Dispose() => _gate.Dispose();
}

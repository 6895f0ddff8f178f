using System.Diagnostics;
using Umbra.Inference.Model;

namespace Umbra.Inference.Generation;

/// <summary>
/// Continuous batching: one background thread owns the model and a shared block <see cref="KvCache"/>, and
/// each step evaluates one <see cref="ForwardPass"/> holding the next token of every running sequence plus
/// chunks of prompts still being prefilled, up to a per-step token budget. Each weight is thus read once per
/// step for all active sequences. New requests join between steps, finished ones leave at once, and a long
/// prompt is prefilled a chunk per step so the running streams keep flowing. A request is admitted when the
/// cache can reserve its prompt plus max_tokens (so a running sequence never runs out of room); until then
/// it waits in FIFO order.
/// </summary>
internal sealed class BatchEngine : IDisposable
{
    private const double SpeedSmoothing = 0.2; // weight of the newest step in the moving averages

    private readonly object _lock = new();
    private readonly List<EngineSequence> _incoming = [];
    private readonly List<EngineSequence> _waiting = [];
    private readonly List<EngineSequence> _running = [];
    private readonly EngineSequence?[] _rows;
    private readonly KvCache _cache;
    private readonly ForwardPass _pass;
    private readonly LlamaModel _model;
    private readonly IReadOnlySet<int> _endOfGeneration;
    private readonly int _maxSequences;
    private readonly bool _reusePrefix;
    private Thread? _thread;
    private bool _stopping, _scratchDirty;
    private KvSequence? _retained;
    private long _evaluated;
    private int _runningCount, _waitingCount, _tokensUsed;
    private double _prefillSpeed, _decodeSpeed;

    public BatchEngine(LlamaModel model, int contextLength, bool reusePrefix, EngineOptions options)
    {
        options.Validate();
        _model = model;
        ContextLength = contextLength;
        _reusePrefix = reusePrefix;
        _maxSequences = options.MaxSequences;
        _endOfGeneration = model.Tokenizer.EndOfGenerationIds;
        _cache = new KvCache(model.Config, Math.Max(options.TokenBudget ?? contextLength, contextLength), options.KvCacheType);
        _pass = new ForwardPass(model, _cache, options.StepTokens, options.MaxSequences, contextLength);
        _rows = new EngineSequence?[options.MaxSequences];
    }

    public int ContextLength { get; }

    /// <summary>Bytes the KV cache holds, allocated once.</summary>
    public long CacheBytes => _cache.Bytes;

    /// <summary>Tokens evaluated so far, prompt and generated, over all sequences.</summary>
    public long Evaluated => Interlocked.Read(ref _evaluated);

    public EngineCapacity Capacity => new(
        _maxSequences, ContextLength, _cache.TokenBudget, Volatile.Read(ref _tokensUsed), _cache.BlockSize,
        Volatile.Read(ref _runningCount), Volatile.Read(ref _waitingCount),
        Volatile.Read(ref _prefillSpeed), Volatile.Read(ref _decodeSpeed));

    /// <summary>Forgets the measured speeds (the next steps set them afresh), after steps that ran cold.</summary>
    public void ResetSpeeds()
    {
        Volatile.Write(ref _prefillSpeed, 0);
        Volatile.Write(ref _decodeSpeed, 0);
    }

    /// <summary>Queues a sequence; its sink hears of every token, and <see cref="EngineSequence.Completion"/> ends it.</summary>
    public void Submit(EngineSequence sequence)
    {
        if (sequence.Prompt.Length + sequence.MaxTokens > ContextLength)
            throw new ContextLengthExceededException(sequence.Prompt.Length + sequence.MaxTokens, ContextLength);
        // Registered before the engine can see the sequence, so ending it always disposes this registration. Outside
        // the lock: a token already cancelled runs the callback (which takes the lock) here and now.
        sequence.Registration = sequence.CancellationToken.Register(static s => ((BatchEngine)s!).Wake(), this);
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_stopping, this);
                _incoming.Add(sequence);
                Interlocked.Increment(ref _waitingCount);
                if (_thread == null)
                {
                    _thread = new Thread(Loop) { IsBackground = true, Name = "umbra-engine" };
                    _thread.Start();
                }
                Monitor.Pulse(_lock);
            }
        }
        catch
        {
            sequence.Registration.Dispose();
            throw;
        }
    }

    private void Wake()
    {
        lock (_lock) Monitor.Pulse(_lock);
    }

    private void Loop()
    {
        while (true)
        {
            lock (_lock)
            {
                if (_stopping) break;
                _waiting.AddRange(_incoming);
                _incoming.Clear();
            }
            try
            {
                if (!Step()) Idle();
            }
            catch (Exception e)
            {
                // A bug or a failing sink must not kill the thread every request depends on.
                FailRunning(e);
            }
        }
        Shutdown();
    }

    /// <summary>One scheduling round: drop cancelled, admit, evaluate. False when there was nothing to run.</summary>
    private bool Step()
    {
        DropCancelled();
        Admit();
        if (!BuildStep()) return false;
        RunStep();
        return true;
    }

    private void Idle()
    {
        if (_running.Count == 0 && _scratchDirty)
        {
            _pass.WipeScratch(); // idle: no activations of past requests stay behind
            _scratchDirty = false;
        }
        lock (_lock)
        {
            // With running sequences that sit out (their readers are behind), look again shortly.
            if (_incoming.Count == 0 && !_stopping)
                Monitor.Wait(_lock, _running.Count > 0 ? 1 : Timeout.Infinite);
        }
    }

    private void Shutdown()
    {
        List<EngineSequence> all;
        lock (_lock)
        {
            all = [.. _waiting, .. _running, .. _incoming];
            _incoming.Clear();
        }
        _waiting.Clear();
        _running.Clear();
        if (_retained != null) _cache.Release(_retained);
        _retained = null;
        // Outside the lock: ending a sequence disposes its cancellation registration, which waits for a callback
        // in flight, and that callback (Wake) takes the lock.
        foreach (var s in all) End(s, new ObjectDisposedException(nameof(TextGenerator), "The generator was disposed."));
        PublishCounts();
        _pass.WipeScratch();
    }

    private void DropCancelled()
    {
        for (int i = _waiting.Count - 1; i >= 0; i--)
        {
            if (_waiting[i].CancellationToken.IsCancellationRequested)
            {
                var s = _waiting[i];
                _waiting.RemoveAt(i);
                End(s, new OperationCanceledException(s.CancellationToken));
            }
        }
        for (int i = _running.Count - 1; i >= 0; i--)
        {
            if (_running[i].CancellationToken.IsCancellationRequested)
            {
                var s = _running[i];
                _running.RemoveAt(i);
                End(s, new OperationCanceledException(s.CancellationToken));
            }
        }
        PublishCounts();
    }

    private void Admit()
    {
        while (_waiting.Count > 0 && _running.Count < _maxSequences)
        {
            var s = _waiting[0];
            int need = s.Prompt.Length + s.MaxTokens;
            KvSequence? kv = null;
            int common = 0;
            if (_retained != null)
            {
                // Prefix reuse: take over the previous sequence's cache up to what the prompts share
                // (at least one prompt token is evaluated, for the logits).
                var cached = _retained.Tokens;
                while (common < cached.Length && common < s.Prompt.Length - 1 && cached[common] == s.Prompt[common]) common++;
                if (common > 0 && _cache.CanReserve(_retained, need))
                {
                    kv = _retained;
                    _retained = null;
                    kv.Truncate(common);
                    _cache.TryReserve(kv, need);
                }
                else
                {
                    common = 0;
                    if (_cache.FreeBlocks < _cache.BlocksFor(need))
                    {
                        _cache.Release(_retained);
                        _retained = null;
                    }
                }
            }
            if (kv == null)
            {
                if (_cache.FreeBlocks < _cache.BlocksFor(need)) break; // wait for a running sequence to finish
                kv = _cache.CreateSequence(ContextLength);
                _cache.TryReserve(kv, need);
            }
            _waiting.RemoveAt(0);
            s.Kv = kv;
            s.Prefilled = common;
            _running.Add(s);
        }
        PublishCounts();
    }

    /// <summary>Fills the pass: every running sequence's pending token, then prompt chunks in arrival order.</summary>
    private bool BuildStep()
    {
        _pass.Clear();
        Array.Clear(_rows);
        foreach (var s in _running)
        {
            if (s.Pending >= 0 && s.Sink.IsReady)
                _rows[_pass.Add(s.Kv!, [s.Pending], wantLogits: true)] = s;
        }
        foreach (var s in _running)
        {
            if (_pass.Room == 0) break;
            if (!s.IsPrefilling) continue;
            int n = Math.Min(_pass.Room, s.Prompt.Length - s.Prefilled);
            bool last = s.Prefilled + n == s.Prompt.Length;
            int row = _pass.Add(s.Kv!, s.Prompt.AsSpan(s.Prefilled, n), wantLogits: last);
            if (row >= 0) _rows[row] = s;
            s.Prefilled += n;
        }
        return _pass.Count > 0;
    }

    /// <summary>When set, steps in which every sequence decodes add their time by phase to it; set or read only while no request runs.</summary>
    internal StepTimings? Timings
    {
        get => _pass.Timings;
        set => _pass.Timings = value;
    }

    private void RunStep()
    {
        int tokens = _pass.Count, decodes = 0;
        foreach (var s in _rows)
        {
            if (s != null && s.Generated > 0) decodes++;
        }
        long start = Stopwatch.GetTimestamp();
        try
        {
            _pass.Run(decodeStep: decodes == tokens);
        }
        catch (Exception e)
        {
            // A failed pass leaves the cache of the batch's sequences half-written: end every running sequence.
            FailRunning(e);
            return;
        }
        _scratchDirty = true;
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Interlocked.Add(ref _evaluated, tokens);
        if (seconds > 0 && decodes == tokens) Smooth(ref _decodeSpeed, tokens / seconds);
        else if (seconds > 0 && decodes == 0) Smooth(ref _prefillSpeed, tokens / seconds);

        for (int row = 0; row < _rows.Length; row++)
        {
            var s = _rows[row];
            if (s == null) continue;
            s.Pending = -1;
            int next = s.Sampler.Sample(_pass.Logits(row));
            if (!s.IgnoreEndOfGeneration && _endOfGeneration.Contains(next))
            {
                Finish(s, FinishReason.Stop);
                continue;
            }
            s.Generated++;
            s.Sampler.Accept(next);
            bool stopped;
            try
            {
                stopped = s.Sink.OnToken(next, s.Prompt.Length, s.Generated);
            }
            catch (Exception e)
            {
                _running.Remove(s);
                End(s, e);
                continue;
            }
            if (stopped) Finish(s, null);
            else if (s.Generated >= s.MaxTokens) Finish(s, FinishReason.Length);
            else s.Pending = next;
        }
        PublishCounts();
    }

    private void FailRunning(Exception e)
    {
        for (int i = _running.Count - 1; i >= 0; i--)
        {
            var s = _running[i];
            _running.RemoveAt(i);
            End(s, e);
        }
        PublishCounts();
    }

    private void Smooth(ref double average, double sample) =>
        Volatile.Write(ref average, average == 0 ? sample : average + SpeedSmoothing * (sample - average));

    /// <summary>Ends a sequence normally (a null reason: its sink already delivered the end).</summary>
    private void Finish(EngineSequence s, FinishReason? reason)
    {
        _running.Remove(s);
        if (reason is FinishReason r) s.Sink.OnFinished(r, s.Prompt.Length, s.Generated);
        var kv = s.Kv;
        s.Kv = null;
        if (kv != null && _reusePrefix)
        {
            // Keep the cache for the next prompt that shares a prefix; give back the blocks it does not fill.
            if (_retained != null) _cache.Release(_retained);
            _cache.TryReserve(kv, kv.Length);
            _retained = kv;
        }
        else if (kv != null)
        {
            _cache.Release(kv);
        }
        Complete(s);
    }

    private void End(EngineSequence s, Exception error)
    {
        if (s.Kv != null)
        {
            _cache.Release(s.Kv);
            s.Kv = null;
        }
        try
        {
            s.Sink.OnFailed(error);
        }
        finally
        {
            // Whatever the sink does, the caller awaiting the completion is released.
            Complete(s);
        }
    }

    private void Complete(EngineSequence s)
    {
        // Publish first: whoever awaits the completion next reads the capacity with this sequence gone.
        PublishCounts();
        s.Registration.Dispose();
        s.Completion.TrySetResult();
    }

    private void PublishCounts()
    {
        // Under the lock, so a Submit (which counts itself in) cannot fall between the read and the write.
        lock (_lock)
        {
            Volatile.Write(ref _runningCount, _running.Count);
            Volatile.Write(ref _waitingCount, _waiting.Count + _incoming.Count);
            Volatile.Write(ref _tokensUsed, (_cache.TotalBlocks - _cache.FreeBlocks) * _cache.BlockSize);
        }
    }

    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            _stopping = true;
            thread = _thread;
            Monitor.Pulse(_lock);
        }
        if (thread != null && thread != Thread.CurrentThread) thread.Join();
    }
}

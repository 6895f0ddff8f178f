using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Engine;

/// <summary>
/// A model the built-in engine serves, under the name clients use, with the one generator that runs it. A model
/// opened from a file (<see cref="Open"/>) may be unloaded after it has been idle for a while (its weights
/// unmapped, its KV cache freed) and is loaded again by the next request, or ahead of demand by
/// <see cref="LoadAsync"/> when the coordinator asks (docs/SCHEDULING.md, "Models").
/// </summary>
public sealed class EngineModel : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly string? _path;
    private readonly EngineOptions? _options;
    private readonly TimeProvider _time;
    private readonly ITimer? _idleTimer;
    private LlamaModel? _model;
    private TextGenerator? _generator;
    private EngineCapacity? _lastCapacity;
    private int _users;
    private long _lastUsed;
    private bool _disposed;

    /// <summary>A model already loaded by the caller, served until disposed (never unloaded; the caller owns the model).</summary>
    public EngineModel(LlamaModel model, string? id = null, int? contextLength = null, EngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Id = string.IsNullOrWhiteSpace(id) ? model.Id : id;
        _options = options;
        _time = TimeProvider.System;
        _model = model;
        _generator = NewGenerator(model, contextLength, options);
        ContextLength = _generator.ContextLength;
    }

    private EngineModel(string path, string id, LlamaModel model, int contextLength, EngineOptions? options, TimeSpan unloadAfter, TimeProvider time)
    {
        _path = path;
        Id = id;
        _options = options;
        _time = time;
        _model = model;
        _generator = NewGenerator(model, contextLength, options);
        ContextLength = _generator.ContextLength;
        UnloadAfter = unloadAfter;
        _lastUsed = time.GetTimestamp();
        if (unloadAfter > TimeSpan.Zero)
        {
            var period = TimeSpan.FromTicks(Math.Clamp(unloadAfter.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromMinutes(1).Ticks));
            _idleTimer = time.CreateTimer(_ => UnloadIfIdle(), null, period, period);
        }
    }

    /// <summary>
    /// Loads the GGUF file at <paramref name="path"/> now (so a bad file fails at start), to be unloaded after
    /// <paramref name="unloadAfter"/> without requests (zero: never) and loaded again when needed.
    /// </summary>
    /// <param name="contextLength">Context length; default the model's, at most 4096.</param>
    /// <param name="options">The engine's budget for a given context length.</param>
    public static EngineModel Open(string path, string? id = null, int? contextLength = null, Func<int, EngineOptions>? options = null,
        TimeSpan unloadAfter = default, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(unloadAfter, TimeSpan.Zero);
        var model = LlamaModel.Load(path);
        try
        {
            int context = contextLength ?? Math.Min(model.Config.ContextLength, 4096);
            return new EngineModel(path, string.IsNullOrWhiteSpace(id) ? model.Id : id, model, context, options?.Invoke(context), unloadAfter, time ?? TimeProvider.System);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public string Id { get; }

    /// <summary>Most positions of one request.</summary>
    public int ContextLength { get; }

    /// <summary>Idle time after which the model is unloaded; zero when it never is.</summary>
    public TimeSpan UnloadAfter { get; }

    /// <summary>Opened from a file here (so it may be unloaded and is disposed here), not handed in by the caller.</summary>
    private bool OwnsModel => _path != null;

    /// <summary>Whether the weights are mapped and the engine is running now.</summary>
    public bool IsLoaded
    {
        get
        {
            lock (_gate)
                return _generator != null;
        }
    }

    /// <summary>The generator while loaded; null while unloaded (requests go through <see cref="UseAsync"/>).</summary>
    public TextGenerator? Generator
    {
        get
        {
            lock (_gate)
                return _generator;
        }
    }

    /// <summary>Times the model has been loaded again after an unload.</summary>
    public int Reloads { get; private set; }

    /// <summary>What registration announces for this model.</summary>
    public ModelOffer Offer => new(Id, ContextLength);

    /// <summary>
    /// The heartbeat's report: the engine's capacity while loaded; while unloaded, the budget it will have and
    /// the speeds it last measured, marked not loaded so the coordinator counts the start-up.
    /// </summary>
    public ModelCapacity Capacity()
    {
        lock (_gate)
        {
            if (_generator != null)
                return Hub.CapacityReports.From(Id, WithLastSpeeds(_generator.Capacity)) with { Loaded = true };
            return new ModelCapacity
            {
                Id = Id,
                Loaded = false,
                MaxSequences = _lastCapacity?.MaxSequences ?? _options?.MaxSequences ?? 1,
                TokenBudget = _lastCapacity?.TokenBudget ?? _options?.TokenBudget ?? ContextLength,
                PrefillTokensPerSecond = _lastCapacity?.PrefillTokensPerSecond ?? 0,
                DecodeTokensPerSecond = _lastCapacity?.DecodeTokensPerSecond ?? 0,
            };
        }
    }

    /// <summary>The model and its generator for one request, loading them first if they were unloaded; dispose when done.</summary>
    public async Task<Use> UseAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_generator != null)
                {
                    _users++;
                    return new Use(this, _model!, _generator);
                }
            }
            await LoadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the engine's warm-up (<see cref="TextGenerator.WarmUpAsync"/>), loading the model first if it was
    /// unloaded: before registering, so that the first request is not the one that compiles the engine and reads the
    /// weights in, and the first heartbeat reports measured speeds.
    /// </summary>
    public async Task<WarmUpReport> WarmUpAsync(CancellationToken cancellationToken = default)
    {
        using var use = await UseAsync(cancellationToken).ConfigureAwait(false);
        return await use.Generator.WarmUpAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads the model if it is unloaded (ahead of demand); true when this call loaded it.</summary>
    public async Task<bool> LoadAsync(CancellationToken cancellationToken = default)
    {
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _lastUsed = _time.GetTimestamp();
                if (_generator != null)
                    return false;
            }
            // Mapping the file and building the tokenizer: off the caller's thread, it can take a moment.
            var model = await Task.Run(() => LlamaModel.Load(_path!), cancellationToken).ConfigureAwait(false);
            TextGenerator generator;
            try
            {
                generator = NewGenerator(model, ContextLength, _options);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            lock (_gate)
            {
                if (_disposed)
                {
                    generator.Dispose();
                    model.Dispose();
                    throw new ObjectDisposedException(nameof(EngineModel));
                }
                _model = model;
                _generator = generator;
                _lastUsed = _time.GetTimestamp();
                Reloads++;
            }
            return true;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Unloads the model when no request uses it and none has for <see cref="UnloadAfter"/>; true when it did.</summary>
    public bool UnloadIfIdle()
    {
        LlamaModel? model;
        TextGenerator? generator;
        lock (_gate)
        {
            if (_disposed || !OwnsModel || UnloadAfter <= TimeSpan.Zero || _generator == null || _users > 0
                || _time.GetElapsedTime(_lastUsed) < UnloadAfter)
                return false;
            (model, generator) = (_model, _generator);
            _lastCapacity = WithLastSpeeds(generator.Capacity);
            _model = null;
            _generator = null;
        }
        // No request holds it (users is 0 under the lock, and a new one would load afresh): safe to free.
        generator.Dispose();
        model?.Dispose();
        return true;
    }

    /// <summary>
    /// The engine's capacity with each speed it has not measured (0: loaded again, and not yet run that way) taken from
    /// the engines before it, so that neither a reload nor an unload after a quiet reload forgets what the model does.
    /// Called under the gate.
    /// </summary>
    private EngineCapacity WithLastSpeeds(EngineCapacity now) => _lastCapacity is not { } last ? now : now with
    {
        PrefillTokensPerSecond = now.PrefillTokensPerSecond > 0 ? now.PrefillTokensPerSecond : last.PrefillTokensPerSecond,
        DecodeTokensPerSecond = now.DecodeTokensPerSecond > 0 ? now.DecodeTokensPerSecond : last.DecodeTokensPerSecond,
    };

    public void Dispose()
    {
        LlamaModel? model;
        TextGenerator? generator;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            (model, generator) = (_model, _generator);
            _model = null;
            _generator = null;
        }
        _idleTimer?.Dispose();
        generator?.Dispose();
        if (OwnsModel)
            model?.Dispose();
    }

    private void Release()
    {
        lock (_gate)
        {
            _users--;
            _lastUsed = _time.GetTimestamp();
        }
    }

    // A provider serves strangers: no prefix reuse, so one request's prompt neither lingers in the cache nor
    // makes a later request that shares it answer faster.
    private static TextGenerator NewGenerator(LlamaModel model, int? contextLength, EngineOptions? options) =>
        new(model, contextLength, reusePrefix: false, options);

    /// <summary>One request's hold on the loaded model: it is not unloaded until every hold is released.</summary>
    public sealed class Use : IDisposable
    {
        private EngineModel? _owner;

        internal Use(EngineModel owner, LlamaModel model, TextGenerator generator)
        {
            _owner = owner;
            Model = model;
            Generator = generator;
        }

        public LlamaModel Model { get; }

        /// <summary>Runs every request of this model through one continuous-batching engine (docs/ENGINE.md).</summary>
        public TextGenerator Generator { get; }

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Release();
    }
}

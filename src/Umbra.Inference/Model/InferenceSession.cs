namespace Umbra.Inference.Model;

/// <summary>
/// One sequence evaluated on its own: a private block cache of its context length and a
/// <see cref="ForwardPass"/>. A prompt is evaluated in batched chunks, not token by token.
/// Not thread-safe; a session belongs to one request at a time. (Many sequences sharing one cache are
/// <see cref="Generation.TextGenerator"/>'s continuous batching.)
/// </summary>
public sealed class InferenceSession
{
    /// <summary>Prompt tokens evaluated per batched pass.</summary>
    internal const int ChunkTokens = 64;

    private readonly KvCache _cache;
    private readonly KvSequence _sequence;
    private readonly ForwardPass _pass;
    private readonly int _vocab;

    internal InferenceSession(LlamaModel model, int contextLength, KvCacheType kvCacheType)
    {
        var c = model.Config;
        if (contextLength <= 0 || contextLength > c.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(contextLength), $"Context length must be between 1 and the model's {c.ContextLength}.");
        ContextLength = contextLength;
        _vocab = c.VocabSize;
        _cache = new KvCache(c, contextLength, kvCacheType);
        _sequence = _cache.CreateSequence(contextLength);
        _cache.TryReserve(_sequence, contextLength);
        _pass = new ForwardPass(model, _cache, Math.Min(ChunkTokens, contextLength), 1, contextLength);
    }

    public int ContextLength { get; }

    /// <summary>Number of positions already in the cache.</summary>
    public int Position => _sequence.Length;

    /// <summary>Tokens whose keys and values are in the cache, in order.</summary>
    public IReadOnlyList<int> Tokens => _sequence.Tokens.ToArray();

    /// <summary>Forgets every position from <paramref name="position"/> on, so a shared prefix can be reused.</summary>
    public void Rewind(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (position > Position) throw new ArgumentOutOfRangeException(nameof(position), "Cannot rewind forward.");
        _sequence.Truncate(position);
    }

    /// <summary>Empties the sequence and zeroes the keys and values it held, so no trace of it stays in memory.</summary>
    public void Clear()
    {
        _cache.Wipe(_sequence, 0);
        _sequence.Truncate(0);
        _pass.WipeScratch();
    }

    /// <summary>
    /// Appends <paramref name="tokens"/> to the sequence and returns the logits after the last one. The tokens
    /// are evaluated in batched chunks; cancellation is checked between chunks, and the cache then holds the
    /// chunks evaluated so far.
    /// </summary>
    public ReadOnlySpan<float> Forward(scoped ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        if (tokens.IsEmpty) throw new ArgumentException("At least one token is needed.", nameof(tokens));
        if (Position + tokens.Length > ContextLength)
            throw new ContextLengthExceededException(Position + tokens.Length, ContextLength);
        foreach (int t in tokens)
        {
            if ((uint)t >= (uint)_vocab)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {t} is outside the vocabulary of {_vocab}.");
        }
        for (int i = 0; i < tokens.Length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(_pass.MaxTokens, tokens.Length - i);
            _pass.Clear();
            _pass.Add(_sequence, tokens.Slice(i, n), wantLogits: i + n == tokens.Length);
            _pass.Run();
            i += n;
        }
        return _pass.Logits(0);
    }
}

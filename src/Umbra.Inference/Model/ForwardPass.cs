using System.Numerics.Tensors;

namespace Umbra.Inference.Model;

/// <summary>
/// One forward pass over a batch of tokens from any number of sequences sharing a <see cref="KvCache"/>:
/// decode tokens of running sequences and chunks of prompts alike. Every weight matrix is multiplied once for
/// the whole batch (<see cref="WeightMatrix.MultiplyBatch"/>), so its rows are read once per step rather than
/// once per token; attention stays per token, causal over its own sequence (earlier positions in the cache
/// and earlier tokens of the same chunk). Logits are computed only for the tokens that ask for them.
/// All scratch is allocated up front for <see cref="MaxTokens"/>: a pass allocates nothing.
/// </summary>
internal sealed unsafe class ForwardPass
{
    private readonly LlamaModel _model;
    private readonly ModelConfig _c;
    private readonly KvCache _cache;
    private readonly double[] _frequencies;
    private readonly int _qDim, _pairs;

    // Batch: token i belongs to _seq[i] at position _pos[i].
    private readonly int[] _tokens, _pos;
    private readonly KvSequence[] _seq;
    private readonly int[] _logitTokens;
    private int _count, _logitCount;

    private readonly float[] _x, _xb, _q, _k, _v, _attnOut, _gate, _up, _cos, _sin, _final, _logits;
    private readonly float[][] _scores, _ropeScratch, _spare, _sigmoid, _widened;
    private readonly float[] _zeros;
    private readonly int _maxContext;
    private readonly bool _grouped, _wideAttention;
    private readonly WorkerPool.ActionJob _attentionJob, _swiGluJob, _ropeJob;
    private int _layer;

    public ForwardPass(LlamaModel model, KvCache cache, int maxTokens, int maxLogitRows, int maxContext)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLogitRows, 1);
        _model = model;
        _c = model.Config;
        _cache = cache;
        MaxTokens = maxTokens;
        MaxLogitRows = maxLogitRows;
        _frequencies = Ops.RopeFrequencies(_c, model.Weights.RopeFrequencyFactors);
        _qDim = _c.HeadCount * _c.HeadDim;
        _pairs = _c.RopeDimensions / 2;
        int dim = _c.EmbeddingLength, ffn = _c.FeedForwardLength;

        _tokens = new int[maxTokens];
        _pos = new int[maxTokens];
        _seq = new KvSequence[maxTokens];
        _logitTokens = new int[maxLogitRows];
        _x = new float[maxTokens * dim];
        _xb = new float[maxTokens * Math.Max(dim, _qDim)];
        _q = new float[maxTokens * _qDim];
        _k = new float[maxTokens * _c.KvDim];
        _v = new float[maxTokens * _c.KvDim];
        _attnOut = new float[maxTokens * _qDim];
        _gate = new float[(long)maxTokens * ffn];
        _up = new float[(long)maxTokens * ffn];
        _cos = new float[maxTokens * _pairs];
        _sin = new float[maxTokens * _pairs];
        _final = new float[maxLogitRows * dim];
        _logits = new float[(long)maxLogitRows * _c.VocabSize];
        int parts = WorkerPool.Shared.Size;
        _maxContext = maxContext;
        _grouped = GroupedAttention.IsSupported(_c.HeadDim, cache.BlockSize);
        _wideAttention = GroupedAttention.IsWideSupported(_c.HeadDim, cache.BlockSize);
        _zeros = new float[_c.HeadDim];
        _scores = new float[parts][];
        _ropeScratch = new float[parts][];
        _spare = new float[parts][];
        _sigmoid = new float[parts][];
        _widened = new float[parts][];
        for (int p = 0; p < parts; p++)
        {
            // The head-by-head path widens F16 keys and values a block at a time; the grouped kernel as it loads them.
            _widened[p] = new float[!_grouped && cache.Type == KvCacheType.F16 ? cache.BlockSize * _c.HeadDim : 0];
            _scores[p] = new float[(long)GroupedAttention.Heads * maxContext];
            _ropeScratch[p] = new float[2 * _c.RopeDimensions];
            _spare[p] = new float[_c.HeadDim];
            _sigmoid[p] = new float[ffn];
        }
        // Made once, so handing the steps to the pool allocates nothing.
        _attentionJob = new WorkerPool.ActionJob(AttentionPart);
        _swiGluJob = new WorkerPool.ActionJob(SwiGluPart);
        _ropeJob = new WorkerPool.ActionJob(RopeAndWritePart);
    }

    public int MaxTokens { get; }
    public int MaxLogitRows { get; }
    public int Count => _count;
    public int Room => MaxTokens - _count;

    /// <summary>When set, passes run as decode steps add their time by phase to it (<see cref="StepTimings"/>).</summary>
    public StepTimings? Timings { get; set; }

    public void Clear()
    {
        _count = 0;
        _logitCount = 0;
    }

    /// <summary>
    /// Adds <paramref name="tokens"/> at the end of <paramref name="sequence"/> (which must have cache blocks
    /// for them and appear once per batch). With <paramref name="wantLogits"/>, the logits after the last of
    /// them are computed; the return value is their row for <see cref="Logits"/>, otherwise −1.
    /// </summary>
    public int Add(KvSequence sequence, ReadOnlySpan<int> tokens, bool wantLogits)
    {
        if (tokens.Length > Room) throw new InvalidOperationException($"The batch holds {MaxTokens} tokens; {Room} are left.");
        if (sequence.Length + tokens.Length > sequence.BlockCount * _cache.BlockSize)
            throw new InvalidOperationException("The sequence has no cache blocks for these positions.");
        if (wantLogits && _logitCount == MaxLogitRows) throw new InvalidOperationException($"At most {MaxLogitRows} logit rows per batch.");
        for (int i = 0; i < tokens.Length; i++)
        {
            int t = tokens[i];
            if ((uint)t >= (uint)_c.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {t} is outside the vocabulary of {_c.VocabSize}.");
            _tokens[_count] = t;
            _pos[_count] = sequence.Length + i;
            _seq[_count] = sequence;
            _count++;
        }
        if (!wantLogits) return -1;
        _logitTokens[_logitCount] = _count - 1;
        return _logitCount++;
    }

    /// <summary>The logits of row <paramref name="row"/> after <see cref="Run"/>.</summary>
    public ReadOnlySpan<float> Logits(int row) => _logits.AsSpan(row * _c.VocabSize, _c.VocabSize);

    /// <summary>
    /// Evaluates the batch: writes every token's keys and values and appends the tokens to their sequences.
    /// <paramref name="decodeStep"/> says that every token is a generated one, the next of its own sequence (the
    /// caller knows; a one-token prompt chunk looks the same from here): only such steps are timed.
    /// </summary>
    public void Run(bool decodeStep = false)
    {
        int n = _count;
        if (n == 0) return;
        var w = _model.Weights;
        int dim = _c.EmbeddingLength, ffn = _c.FeedForwardLength;
        var timer = Timings != null && decodeStep ? Timings.Begin(n) : default;

        for (int i = 0; i < n; i++)
        {
            w.TokenEmbedding.ReadRow(_tokens[i], _x.AsSpan(i * dim, dim));
            Ops.RopeAngles(_pos[i], _c.RopeLinearScale, _frequencies, _cos.AsSpan(i * _pairs, _pairs), _sin.AsSpan(i * _pairs, _pairs));
        }

        var xs = _x.AsSpan(0, n * dim);
        var xbs = _xb.AsSpan(0, n * dim);
        for (int l = 0; l < _c.BlockCount; l++)
        {
            var layer = w.Layers[l];
            for (int i = 0; i < n; i++)
                Ops.RmsNorm(_x.AsSpan(i * dim, dim), layer.AttentionNorm, _c.RmsEpsilon, _xb.AsSpan(i * dim, dim));
            timer.Mark(StepPhase.NormsAndResiduals);
            WeightMatrix.MultiplyBatch(xbs, n, layer.Query, _q, layer.Key, _k, layer.Value, _v);
            timer.Mark(StepPhase.QueryKeyValue);

            // Biases, RoPE and the cache writes, token by token: on the pool from two tokens on, since each token's
            // keys land one value per cache line (transposed, see KvCache) and a core waits on every line.
            _layer = l;
            RunParts(_ropeJob, alone: n == 1);

            // Every token's keys are in the cache now; each attends to its own sequence up to its position.
            timer.Mark(StepPhase.RopeAndCacheWrite);
            RunParts(_attentionJob, alone: (long)n * _c.HeadCount * (_pos[n - 1] + 1) < 2048);

            timer.Mark(StepPhase.Attention);
            layer.Output.MultiplyBatch(_attnOut.AsSpan(0, n * _qDim), _xb, n);
            timer.Mark(StepPhase.AttentionOutput);
            TensorPrimitives.Add(xs, xbs, xs);

            for (int i = 0; i < n; i++)
                Ops.RmsNorm(_x.AsSpan(i * dim, dim), layer.FfnNorm, _c.RmsEpsilon, _xb.AsSpan(i * dim, dim));
            var gate = _gate.AsSpan(0, n * ffn);
            var up = _up.AsSpan(0, n * ffn);
            timer.Mark(StepPhase.NormsAndResiduals);
            WeightMatrix.MultiplyBatch(xbs, n, layer.Gate, gate, layer.Up, up);
            timer.Mark(StepPhase.GateUp);
            // A token's SwiGLU is about 5 µs: worth handing out from two tokens on.
            RunParts(_swiGluJob, alone: n == 1);
            timer.Mark(StepPhase.SwiGlu);
            layer.Down.MultiplyBatch(gate, _xb, n);
            timer.Mark(StepPhase.Down);
            TensorPrimitives.Add(xs, xbs, xs);
        }

        for (int i = 0; i < n;)
        {
            var seq = _seq[i];
            int j = i;
            while (j < n && _seq[j] == seq) j++;
            seq.Append(_tokens.AsSpan(i, j - i));
            i = j;
        }

        if (_logitCount > 0)
        {
            for (int r = 0; r < _logitCount; r++)
                Ops.RmsNorm(_x.AsSpan(_logitTokens[r] * dim, dim), w.OutputNorm, _c.RmsEpsilon, _final.AsSpan(r * dim, dim));
            timer.Mark(StepPhase.NormsAndResiduals);
            w.Output.MultiplyBatch(_final.AsSpan(0, _logitCount * dim), _logits, _logitCount);
            timer.Mark(StepPhase.Logits);
        }
        timer.Mark(StepPhase.NormsAndResiduals);
        Array.Clear(_seq, 0, n); // hold no sequence past the pass
    }

    /// <summary>Zeroes every activation buffer, so nothing of the last batch stays in memory.</summary>
    public void WipeScratch()
    {
        foreach (var buffer in new[] { _x, _xb, _q, _k, _v, _attnOut, _gate, _up, _final, _logits })
            Array.Clear(buffer);
        foreach (var buffer in _sigmoid) Array.Clear(buffer);
        foreach (var buffer in _scores) Array.Clear(buffer);
        foreach (var buffer in _spare) Array.Clear(buffer);
        foreach (var buffer in _widened) Array.Clear(buffer);
        Clear();
    }

    private void AttentionPart(int part, int parts)
    {
        int n = _count, heads = _c.HeadCount, hd = _c.HeadDim, kvDim = _c.KvDim;
        int group = heads / _c.HeadCountKv;
        float scale = 1f / MathF.Sqrt(hd);
        var scores = _scores[part];
        if (!_grouped)
        {
            long items = (long)n * heads;
            int start = (int)(items * part / parts), end = (int)(items * (part + 1) / parts);
            for (int item = start; item < end; item++)
            {
                int i = item / heads, h = item % heads;
                var q = _q.AsSpan(i * _qDim + h * hd, hd);
                var output = _attnOut.AsSpan(i * _qDim + h * hd, hd);
                int length = _pos[i] + 1, kvOffset = _cache.HeadOffset(h / group);
                if (_cache.Type == KvCacheType.F16)
                    Ops.Attend(q, _cache.Keys<Half>(_layer), _cache.Values<Half>(_layer), _seq[i].Blocks, _cache.BlockSize, length, kvDim, kvOffset, scale, scores, output, _widened[part]);
                else
                    Ops.Attend(q, _cache.Keys<float>(_layer), _cache.Values<float>(_layer), _seq[i].Blocks, _cache.BlockSize, length, kvDim, kvOffset, scale, scores, output, _widened[part]);
            }
            return;
        }
        // Items: (token, key-value head, run of up to 4 or 8 of the query heads that share it).
        int width = GroupedAttention.RunWidth(group);
        int runs = (group + width - 1) / width;
        int perToken = _c.HeadCountKv * runs;
        long count = (long)n * perToken;
        int first = (int)(count * part / parts), last = (int)(count * (part + 1) / parts);
        byte* k = _cache.KeyData(_layer), v = _cache.ValueData(_layer);
        fixed (float* q = _q, output = _attnOut, sc = scores, zero = _zeros, spare = _spare[part])
        {
            for (int item = first; item < last; item++)
            {
                int i = item / perToken, g = item % perToken / runs, run = item % runs;
                int h = g * group + run * width;
                GroupedAttention.Attend(q + i * _qDim + h * hd, Math.Min(width, group - run * width), hd, k, v, _cache.Type,
                    _seq[i].Blocks, _cache.BlockSize, _pos[i] + 1, kvDim, _cache.HeadOffset(g), scale, sc, _maxContext, output + i * _qDim + h * hd, zero, spare, _wideAttention);
            }
        }
    }

    /// <summary>Biases, RoPE and the cache writes of this part's share of the batch's tokens (layer <see cref="_layer"/>).</summary>
    private void RopeAndWritePart(int part, int parts)
    {
        var layer = _model.Weights.Layers[_layer];
        int kvDim = _c.KvDim;
        var (first, end) = TokenShare(part, parts);
        for (int i = first; i < end; i++)
        {
            var q = _q.AsSpan(i * _qDim, _qDim);
            var k = _k.AsSpan(i * kvDim, kvDim);
            var v = _v.AsSpan(i * kvDim, kvDim);
            if (layer.QueryBias != null) TensorPrimitives.Add(q, layer.QueryBias, q);
            if (layer.KeyBias != null) TensorPrimitives.Add(k, layer.KeyBias, k);
            if (layer.ValueBias != null) TensorPrimitives.Add(v, layer.ValueBias, v);
            var cos = _cos.AsSpan(i * _pairs, _pairs);
            var sin = _sin.AsSpan(i * _pairs, _pairs);
            Ops.ApplyRope(q, _c.HeadCount, _c.HeadDim, _c.RopeDimensions, _c.RopeStyle, cos, sin, _ropeScratch[part]);
            Ops.ApplyRope(k, _c.HeadCountKv, _c.HeadDim, _c.RopeDimensions, _c.RopeStyle, cos, sin, _ropeScratch[part]);
            _cache.Write(_layer, _seq[i], _pos[i], k, v);
        }
    }

    /// <summary>SwiGLU (gate ← silu(gate) × up) of this part's share of the batch's tokens, whole tokens each.</summary>
    private void SwiGluPart(int part, int parts)
    {
        int ffn = _c.FeedForwardLength;
        var (first, end) = TokenShare(part, parts);
        for (int i = first; i < end; i++)
            Ops.SwiGlu(_gate.AsSpan(i * ffn, ffn), _up.AsSpan(i * ffn, ffn), _sigmoid[part]);
    }

    /// <summary>The batch's tokens first..end−1 that part <paramref name="part"/> of <paramref name="parts"/> takes: whole tokens, evenly.</summary>
    private (int First, int End) TokenShare(int part, int parts) => (_count * part / parts, _count * (part + 1) / parts);

    /// <summary>A step's parts on the shared pool, or the whole step on the calling thread when <paramref name="alone"/>.</summary>
    private static void RunParts(WorkerPool.ActionJob job, bool alone)
    {
        if (alone)
            job.Execute(0, 1);
        else
            WorkerPool.Shared.Run(job);
    }
}

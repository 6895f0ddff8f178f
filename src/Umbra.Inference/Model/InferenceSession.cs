using System.Numerics.Tensors;

namespace Umbra.Inference.Model;

/// <summary>
/// One sequence being evaluated: its KV cache (bounded by the context length) and scratch buffers.
/// Not thread-safe; a session belongs to one request at a time.
/// </summary>
public sealed class InferenceSession
{
    private readonly LlamaModel _model;
    private readonly ModelConfig _c;
    private readonly float[][] _keys;
    private readonly float[][] _values;
    private readonly float[] _x, _xb, _q, _k, _v, _attnOut, _att, _gate, _up, _logits, _cos, _sin;

    internal InferenceSession(LlamaModel model, int contextLength)
    {
        _model = model;
        _c = model.Config;
        if (contextLength <= 0 || contextLength > _c.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(contextLength), $"Context length must be between 1 and the model's {_c.ContextLength}.");
        ContextLength = contextLength;
        _keys = new float[_c.BlockCount][];
        _values = new float[_c.BlockCount][];
        for (int l = 0; l < _c.BlockCount; l++)
        {
            _keys[l] = new float[(long)contextLength * _c.KvDim];
            _values[l] = new float[(long)contextLength * _c.KvDim];
        }
        int qDim = _c.HeadCount * _c.HeadDim;
        _x = new float[_c.EmbeddingLength];
        _xb = new float[Math.Max(_c.EmbeddingLength, qDim)];
        _q = new float[qDim];
        _k = new float[_c.KvDim];
        _v = new float[_c.KvDim];
        _attnOut = new float[qDim];
        _att = new float[contextLength];
        _gate = new float[_c.FeedForwardLength];
        _up = new float[_c.FeedForwardLength];
        _logits = new float[_c.VocabSize];
        _cos = new float[_c.RopeDimensions / 2];
        _sin = new float[_c.RopeDimensions / 2];
    }

    public int ContextLength { get; }

    /// <summary>Number of positions already in the cache.</summary>
    public int Position { get; private set; }

    private readonly List<int> _tokens = [];

    /// <summary>Tokens whose keys and values are in the cache, in order.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Forgets every position from <paramref name="position"/> on, so a shared prefix can be reused.</summary>
    public void Rewind(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (position > Position) throw new ArgumentOutOfRangeException(nameof(position), "Cannot rewind forward.");
        Position = position;
        _tokens.RemoveRange(position, _tokens.Count - position);
    }

    /// <summary>Empties the sequence and zeroes the keys and values it held, so no trace of it stays in memory.</summary>
    public void Clear()
    {
        int used = Position * _c.KvDim;
        for (int l = 0; l < _c.BlockCount; l++)
        {
            Array.Clear(_keys[l], 0, used);
            Array.Clear(_values[l], 0, used);
        }
        foreach (var buffer in new[] { _x, _xb, _q, _k, _v, _attnOut, _gate, _up, _logits })
            Array.Clear(buffer);
        Rewind(0);
    }

    /// <summary>
    /// Appends <paramref name="tokens"/> to the sequence and returns the logits after the last one.
    /// Cancellation is checked between tokens; the cache then holds the tokens evaluated so far.
    /// </summary>
    public ReadOnlySpan<float> Forward(scoped ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        if (tokens.IsEmpty) throw new ArgumentException("At least one token is needed.", nameof(tokens));
        if (Position + tokens.Length > ContextLength)
            throw new ContextLengthExceededException(Position + tokens.Length, ContextLength);
        foreach (int t in tokens)
        {
            if ((uint)t >= (uint)_c.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {t} is outside the vocabulary of {_c.VocabSize}.");
        }
        for (int i = 0; i < tokens.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Step(tokens[i], computeLogits: i == tokens.Length - 1);
        }
        return _logits;
    }

    private void Step(int token, bool computeLogits)
    {
        var w = _model.Weights;
        int pos = Position;
        int dim = _c.EmbeddingLength, hd = _c.HeadDim, kvDim = _c.KvDim;
        int group = _c.HeadCount / _c.HeadCountKv;
        float attnScale = 1f / MathF.Sqrt(hd);

        w.TokenEmbedding.ReadRow(token, _x);
        Ops.RopeAngles(pos, _c, w.RopeFrequencyFactors, _cos, _sin);

        for (int l = 0; l < _c.BlockCount; l++)
        {
            var layer = w.Layers[l];
            Ops.RmsNorm(_x, layer.AttentionNorm, _c.RmsEpsilon, _xb);
            layer.Query.Multiply(_xb, _q);
            layer.Key.Multiply(_xb, _k);
            layer.Value.Multiply(_xb, _v);
            if (layer.QueryBias != null) TensorPrimitives.Add(_q, layer.QueryBias, _q);
            if (layer.KeyBias != null) TensorPrimitives.Add(_k, layer.KeyBias, _k);
            if (layer.ValueBias != null) TensorPrimitives.Add(_v, layer.ValueBias, _v);
            Ops.ApplyRope(_q, _c.HeadCount, hd, _c.RopeDimensions, _c.RopeStyle, _cos, _sin);
            Ops.ApplyRope(_k, _c.HeadCountKv, hd, _c.RopeDimensions, _c.RopeStyle, _cos, _sin);

            var keys = _keys[l];
            var values = _values[l];
            _k.CopyTo(keys.AsSpan(pos * kvDim, kvDim));
            _v.CopyTo(values.AsSpan(pos * kvDim, kvDim));

            for (int h = 0; h < _c.HeadCount; h++)
            {
                var q = _q.AsSpan(h * hd, hd);
                int kvOffset = h / group * hd;
                var att = _att.AsSpan(0, pos + 1);
                for (int t = 0; t <= pos; t++)
                    att[t] = TensorPrimitives.Dot(q, keys.AsSpan(t * kvDim + kvOffset, hd)) * attnScale;
                Ops.Softmax(att);
                var outHead = _attnOut.AsSpan(h * hd, hd);
                outHead.Clear();
                for (int t = 0; t <= pos; t++)
                    TensorPrimitives.MultiplyAdd(values.AsSpan(t * kvDim + kvOffset, hd), att[t], outHead, outHead);
            }

            layer.Output.Multiply(_attnOut, _xb);
            TensorPrimitives.Add(_x, _xb.AsSpan(0, dim), _x);

            Ops.RmsNorm(_x, layer.FfnNorm, _c.RmsEpsilon, _xb);
            layer.Gate.Multiply(_xb, _gate);
            layer.Up.Multiply(_xb, _up);
            Ops.SwiGlu(_gate, _up);
            layer.Down.Multiply(_gate, _xb);
            TensorPrimitives.Add(_x, _xb.AsSpan(0, dim), _x);
        }

        Position++;
        _tokens.Add(token);
        if (computeLogits)
        {
            Ops.RmsNorm(_x, w.OutputNorm, _c.RmsEpsilon, _xb);
            w.Output.Multiply(_xb, _logits);
        }
    }
}

using System.Numerics.Tensors;

namespace Umbra.Inference.Sampling;

/// <summary>
/// Chooses tokens from logits: penalties, then temperature, top-k, top-p and min-p, then a seeded draw.
/// Temperature 0 takes a fast greedy path. One sampler serves one sequence.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;
    private readonly Dictionary<int, int> _counts = [];
    private readonly List<int> _history = [];
    private readonly HashSet<int> _seen = [];
    private float[] _scratch = [];
    private float[] _keys = [];
    private int[] _indices = [];

    public Sampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _random = options.Seed is ulong s ? new Random(unchecked((int)(s ^ (s >> 32)))) : new Random();
    }

    /// <summary>Records a prompt token: it counts for the repetition penalty's window only.</summary>
    public void AcceptPrompt(int token) => Remember(token);

    /// <summary>
    /// Records a generated token. Frequency and presence penalties count generated tokens only, as OpenAI
    /// defines them; counting the prompt would push down every turn marker of a long chat.
    /// </summary>
    public void Accept(int token)
    {
        Remember(token);
        if (_options.FrequencyPenalty != 0 || _options.PresencePenalty != 0)
            _counts[token] = _counts.GetValueOrDefault(token) + 1;
    }

    /// <summary>
    /// Keeps the repetition penalty's window, and only when that penalty is on: without penalties a sampler
    /// allocates nothing per token. The list is cut back to the window now and then, so it stops growing.
    /// </summary>
    private void Remember(int token)
    {
        if (_options.RepetitionPenalty == 1f || _options.RepeatLastN <= 0)
            return;
        if (_history.Count - _options.RepeatLastN >= _options.RepeatLastN)
            _history.RemoveRange(0, _history.Count - _options.RepeatLastN);
        _history.Add(token);
    }

    /// <summary>Picks the next token. <paramref name="logits"/> is not modified.</summary>
    public int Sample(ReadOnlySpan<float> logits)
    {
        bool penalties = _options.RepetitionPenalty != 1f || _options.FrequencyPenalty != 0 || _options.PresencePenalty != 0;
        if (_options.Temperature <= 0 && !penalties)
            return TensorPrimitives.IndexOfMax(logits);

        if (_scratch.Length != logits.Length)
        {
            _scratch = new float[logits.Length];
            _keys = new float[logits.Length];
            _indices = new int[logits.Length];
        }
        var x = _scratch.AsSpan();
        logits.CopyTo(x);
        if (penalties) ApplyPenalties(x);
        if (_options.Temperature <= 0)
            return TensorPrimitives.IndexOfMax(x);

        TensorPrimitives.Divide(x, _options.Temperature, x);
        return Draw(x);
    }

    private void ApplyPenalties(Span<float> x)
    {
        if (_options.RepetitionPenalty != 1f && _options.RepeatLastN > 0)
        {
            // llama.cpp's rule: a positive logit is divided by the penalty, a negative one multiplied.
            _seen.Clear();
            for (int i = Math.Max(0, _history.Count - _options.RepeatLastN); i < _history.Count; i++)
            {
                int t = _history[i];
                if ((uint)t >= (uint)x.Length || !_seen.Add(t)) continue;
                x[t] = x[t] > 0 ? x[t] / _options.RepetitionPenalty : x[t] * _options.RepetitionPenalty;
            }
        }
        if (_options.FrequencyPenalty != 0 || _options.PresencePenalty != 0)
        {
            foreach (var (t, n) in _counts)
            {
                if ((uint)t < (uint)x.Length)
                    x[t] -= n * _options.FrequencyPenalty + _options.PresencePenalty;
            }
        }
    }

    private int Draw(Span<float> x)
    {
        // Only tokens within e^30 of the best can matter: the rest together weigh less than float
        // precision in the cumulative sums, so they are dropped before the sort. min-p cuts harder.
        float max = TensorPrimitives.Max(x);
        float threshold = max - 30f;
        if (_options.MinP > 0) threshold = Math.Max(threshold, max + MathF.Log(_options.MinP));
        int count = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] >= threshold)
            {
                _keys[count] = -x[i]; // ascending sort on the negation = descending by logit
                _indices[count] = i;
                count++;
            }
        }
        if (count == 0)
            return TensorPrimitives.IndexOfMax(x); // non-finite logits from a broken model: no distribution to draw from
        Array.Sort(_keys, _indices, 0, count);
        int keep = _options.TopK > 0 ? Math.Min(_options.TopK, count) : count;
        var probs = _keys.AsSpan(0, keep);
        TensorPrimitives.Negate(probs, probs);
        TensorPrimitives.Subtract(probs, max, probs);
        TensorPrimitives.Exp(probs, probs);
        float sum = TensorPrimitives.Sum(probs);
        TensorPrimitives.Divide(probs, sum, probs);

        if (_options.TopP < 1f)
        {
            double cum = 0;
            for (int i = 0; i < keep; i++)
            {
                cum += probs[i];
                if (cum >= _options.TopP)
                {
                    keep = i + 1;
                    break;
                }
            }
        }

        double total = 0;
        for (int i = 0; i < keep; i++) total += probs[i];
        double r = _random.NextDouble() * total;
        for (int i = 0; i < keep; i++)
        {
            r -= probs[i];
            if (r <= 0) return _indices[i];
        }
        return _indices[keep - 1];
    }
}

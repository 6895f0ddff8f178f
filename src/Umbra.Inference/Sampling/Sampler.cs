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
    private float[] _scratch = [];
    private int[] _indices = [];

    public Sampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _random = options.Seed is ulong s ? new Random(unchecked((int)(s ^ (s >> 32)))) : new Random();
    }

    /// <summary>Records a token of the prompt or output, for the penalties.</summary>
    public void Accept(int token)
    {
        _history.Add(token);
        _counts[token] = _counts.GetValueOrDefault(token) + 1;
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
            var seen = new HashSet<int>();
            for (int i = Math.Max(0, _history.Count - _options.RepeatLastN); i < _history.Count; i++)
            {
                int t = _history[i];
                if ((uint)t >= (uint)x.Length || !seen.Add(t)) continue;
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
        int n = x.Length;
        var idx = _indices.AsSpan(0, n);
        for (int i = 0; i < n; i++) idx[i] = i;

        // Sort candidates by logit, descending; top-k first narrows the sort when set.
        int k = _options.TopK > 0 ? Math.Min(_options.TopK, n) : n;
        var keys = x.ToArray();
        Array.Sort(keys, _indices, 0, n, Comparer<float>.Create((a, b) => b.CompareTo(a)));
        var sorted = keys.AsSpan(0, k);

        Ops.SoftmaxInPlace(sorted);
        int keep = k;
        if (_options.TopP < 1f)
        {
            double cum = 0;
            for (int i = 0; i < k; i++)
            {
                cum += sorted[i];
                if (cum >= _options.TopP) { keep = i + 1; break; }
            }
        }
        if (_options.MinP > 0)
        {
            float threshold = sorted[0] * _options.MinP;
            int m = 1;
            while (m < keep && sorted[m] >= threshold) m++;
            keep = m;
        }

        double total = 0;
        for (int i = 0; i < keep; i++) total += sorted[i];
        double r = _random.NextDouble() * total;
        for (int i = 0; i < keep; i++)
        {
            r -= sorted[i];
            if (r <= 0) return _indices[i];
        }
        return _indices[keep - 1];
    }

    private static class Ops
    {
        public static void SoftmaxInPlace(Span<float> x)
        {
            float max = x[0];
            TensorPrimitives.Subtract(x, max, x);
            TensorPrimitives.Exp(x, x);
            float sum = TensorPrimitives.Sum(x);
            TensorPrimitives.Divide(x, sum, x);
        }
    }
}

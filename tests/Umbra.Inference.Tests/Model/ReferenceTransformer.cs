using Umbra.Inference.Gguf;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Model;

/// <summary>
/// A deliberately plain Llama/Qwen2 forward pass written straight from the math, in double precision,
/// sharing nothing with the engine but the weight decoding. The engine's logits are checked against it.
/// </summary>
internal sealed class ReferenceTransformer
{
    private readonly GgufFile _file;
    private readonly string _arch;
    private readonly int _dim, _layers, _heads, _kvHeads, _headDim, _ffn, _vocab;
    private readonly double _eps, _base;
    private readonly List<double[]>[] _keys, _values;
    private readonly Dictionary<string, double[][]> _cache = [];

    public ReferenceTransformer(GgufFile file)
    {
        _file = file;
        _arch = file.Architecture;
        _dim = (int)file.GetInteger($"{_arch}.embedding_length")!;
        _layers = (int)file.GetInteger($"{_arch}.block_count")!;
        _heads = (int)file.GetInteger($"{_arch}.attention.head_count")!;
        _kvHeads = (int)file.GetInteger($"{_arch}.attention.head_count_kv")!;
        _ffn = (int)file.GetInteger($"{_arch}.feed_forward_length")!;
        _vocab = file.GetArray<string>("tokenizer.ggml.tokens")!.Length;
        _eps = file.GetNumber($"{_arch}.attention.layer_norm_rms_epsilon")!.Value;
        _base = file.GetNumber($"{_arch}.rope.freq_base") ?? 10000;
        _headDim = _dim / _heads;
        _keys = Enumerable.Range(0, _layers).Select(_ => new List<double[]>()).ToArray();
        _values = Enumerable.Range(0, _layers).Select(_ => new List<double[]>()).ToArray();
    }

    /// <summary>Every value of a tensor, dequantized, as rows of doubles.</summary>
    private double[][] Matrix(string name)
    {
        if (_cache.TryGetValue(name, out var cached)) return cached;
        var t = _file.GetTensor(name);
        int cols = (int)t.Shape[0];
        int rows = (int)t.Rows;
        var flat = new float[cols * rows];
        Quantization.Dequantize(t.Type, _file.GetTensorData(t), flat);
        return _cache[name] = Enumerable.Range(0, rows).Select(r => flat.Skip(r * cols).Take(cols).Select(v => (double)v).ToArray()).ToArray();
    }

    private double[]? Vector(string name) => _file.TryGetTensor(name, out _) ? Matrix(name)[0] : null;

    /// <summary>
    /// W x for the named matrix. For quantized weights x is first rounded as the engine (and llama.cpp) rounds
    /// activations: blocks of 32 (Q8_0, Q4_0) or 256 (Q4_K, Q6_K) values, d = max |x| / 127 in float,
    /// q = round-half-even(x × 127 / max |x|); the product is then exact in double.
    /// </summary>
    private double[] MatVec(string name, double[] x)
    {
        var w = Matrix(name);
        var block = _file.GetTensor(name).Type switch
        {
            GgmlType.Q8_0 or GgmlType.Q4_0 => 32,
            GgmlType.Q4_K or GgmlType.Q6_K => 256,
            _ => 0,
        };
        if (block > 0)
            x = QuantizeActivations(x, block);
        return w.Select(row => row.Select((v, i) => v * x[i]).Sum()).ToArray();
    }

    private static double[] QuantizeActivations(double[] x, int block)
    {
        var f = x.Select(v => (float)v).ToArray();
        var result = new double[x.Length];
        for (var b = 0; b < x.Length / block; b++)
        {
            var amax = 0f;
            for (var i = b * block; i < (b + 1) * block; i++)
                amax = MathF.Max(amax, MathF.Abs(f[i]));
            float d = amax / 127, id = amax != 0 ? 127 / amax : 0;
            for (var i = b * block; i < (b + 1) * block; i++)
                result[i] = (double)d * MathF.Round(f[i] * id);
        }
        return result;
    }

    private double[] RmsNorm(double[] x, double[] w)
    {
        double ms = x.Sum(v => v * v) / x.Length;
        double s = 1 / Math.Sqrt(ms + _eps);
        return x.Select((v, i) => v * s * w[i]).ToArray();
    }

    /// <summary>Rotates each head: llama pairs adjacent values (ggml's normal mode), qwen2 pairs the two halves (NeoX).</summary>
    private double[] Rope(double[] x, int heads, int pos)
    {
        var factors = Vector("rope_freqs.weight");
        var y = (double[])x.Clone();
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < _headDim / 2; i++)
            {
                double theta = pos * Math.Pow(_base, -2.0 * i / _headDim);
                if (factors != null) theta /= factors[i];
                int a = h * _headDim + (_arch == "qwen2" ? i : 2 * i);
                int b = h * _headDim + (_arch == "qwen2" ? i + _headDim / 2 : 2 * i + 1);
                y[a] = x[a] * Math.Cos(theta) - x[b] * Math.Sin(theta);
                y[b] = x[a] * Math.Sin(theta) + x[b] * Math.Cos(theta);
            }
        }
        return y;
    }

    public double[] Forward(int token)
    {
        int pos = _keys[0].Count;
        var x = Matrix("token_embd.weight")[token];
        for (int l = 0; l < _layers; l++)
        {
            string p = $"blk.{l}.";
            var h = RmsNorm(x, Vector(p + "attn_norm.weight")!);
            var q = MatVec(p + "attn_q.weight", h);
            var k = MatVec(p + "attn_k.weight", h);
            var v = MatVec(p + "attn_v.weight", h);
            if (Vector(p + "attn_q.bias") is { } bq) q = q.Select((a, i) => a + bq[i]).ToArray();
            if (Vector(p + "attn_k.bias") is { } bk) k = k.Select((a, i) => a + bk[i]).ToArray();
            if (Vector(p + "attn_v.bias") is { } bv) v = v.Select((a, i) => a + bv[i]).ToArray();
            q = Rope(q, _heads, pos);
            k = Rope(k, _kvHeads, pos);
            _keys[l].Add(k);
            _values[l].Add(v);

            var attended = new double[_heads * _headDim];
            for (int head = 0; head < _heads; head++)
            {
                int kvHead = head / (_heads / _kvHeads);
                var scores = new double[pos + 1];
                for (int t = 0; t <= pos; t++)
                {
                    double dot = 0;
                    for (int i = 0; i < _headDim; i++) dot += q[head * _headDim + i] * _keys[l][t][kvHead * _headDim + i];
                    scores[t] = dot / Math.Sqrt(_headDim);
                }
                double max = scores.Max();
                var e = scores.Select(s => Math.Exp(s - max)).ToArray();
                double sum = e.Sum();
                for (int t = 0; t <= pos; t++)
                    for (int i = 0; i < _headDim; i++)
                        attended[head * _headDim + i] += e[t] / sum * _values[l][t][kvHead * _headDim + i];
            }
            var o = MatVec(p + "attn_output.weight", attended);
            x = x.Select((a, i) => a + o[i]).ToArray();

            var h2 = RmsNorm(x, Vector(p + "ffn_norm.weight")!);
            var gate = MatVec(p + "ffn_gate.weight", h2);
            var up = MatVec(p + "ffn_up.weight", h2);
            var act = gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray();
            var down = MatVec(p + "ffn_down.weight", act);
            x = x.Select((a, i) => a + down[i]).ToArray();
        }
        var final = RmsNorm(x, Vector("output_norm.weight")!);
        var logits = MatVec(_file.TryGetTensor("output.weight", out _) ? "output.weight" : "token_embd.weight", final);
        Assert.Equal(_vocab, logits.Length);
        return logits;
    }
}

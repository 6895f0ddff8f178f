using System.Runtime.InteropServices;
using Umbra.Inference.Gguf;
using Umbra.Inference.Tensors;
using Umbra.Inference.Templates;

namespace Umbra.Inference.Synthesis;

/// <summary>
/// Writes a valid GGUF model of any supported architecture and weight type with seeded random (or given)
/// weights, so tests and benchmarks can run on realistic shapes without downloading real weights.
/// Weights are generated and quantized a row at a time while the file is written.
/// </summary>
public static class ModelSynthesizer
{
    public static void Write(string path, SynthesisOptions options, IProgress<double>? progress = null)
    {
        var s = options.Shape;
        if (s.EmbeddingLength % s.HeadCount != 0 || s.HeadCount % s.HeadCountKv != 0)
            throw new ArgumentException($"Shape '{s.Name}': embedding length must divide by heads and heads by KV heads.", nameof(options));
        if (!Quantization.CanQuantize(options.WeightType))
            throw new ArgumentException($"Cannot synthesize {options.WeightType} weights; use F32, F16, BF16, Q8_0, Q4_0, Q4_K or Q6_K.", nameof(options));

        var w = new GgufWriter();
        string a = s.Architecture;
        w.Add("general.architecture", a)
            .Add("general.name", $"{s.Name} (synthetic, seed {options.Seed})")
            .Add($"{a}.context_length", (uint)s.ContextLength)
            .Add($"{a}.embedding_length", (uint)s.EmbeddingLength)
            .Add($"{a}.block_count", (uint)s.BlockCount)
            .Add($"{a}.feed_forward_length", (uint)s.FeedForwardLength)
            .Add($"{a}.attention.head_count", (uint)s.HeadCount)
            .Add($"{a}.attention.head_count_kv", (uint)s.HeadCountKv)
            .Add($"{a}.attention.layer_norm_rms_epsilon", s.RmsEpsilon)
            .Add($"{a}.rope.freq_base", s.RopeFreqBase)
            .Add($"{a}.rope.dimension_count", (uint)s.HeadDim)
            .Add($"{a}.vocab_size", (uint)s.VocabSize);

        var (tokens, scores, types) = SyntheticVocabulary.Build(s.VocabSize, s.ChatFamily);
        w.Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", tokens)
            .Add("tokenizer.ggml.scores", scores)
            .Add("tokenizer.ggml.token_type", types)
            .Add("tokenizer.ggml.unknown_token_id", 0u)
            .Add("tokenizer.ggml.bos_token_id", 1u)
            .Add("tokenizer.ggml.eos_token_id", 2u)
            .Add("tokenizer.ggml.add_bos_token", true)
            .Add("tokenizer.chat_template", ChatTemplate.BuiltIn(s.ChatFamily).Source);

        var tensors = new List<(string Name, long[] Shape, GgmlType Type, float Scale, float Offset)>();
        void Matrix(string name, int cols, int rows) => tensors.Add((name, [cols, rows], TypeFor(options.WeightType, cols), 1f / MathF.Sqrt(cols), 0f));
        void Norm(string name, int n) => tensors.Add((name, [n], GgmlType.F32, 0.1f, 1f));

        int d = s.EmbeddingLength, kv = s.HeadCountKv * s.HeadDim, f = s.FeedForwardLength;
        Matrix("token_embd.weight", d, s.VocabSize);
        Norm("output_norm.weight", d);
        if (!s.TiedEmbeddings) Matrix("output.weight", d, s.VocabSize);
        if (s.Llama3RopeScaling) tensors.Add(("rope_freqs.weight", [s.HeadDim / 2], GgmlType.F32, 0, 0));
        for (int i = 0; i < s.BlockCount; i++)
        {
            string p = $"blk.{i}.";
            Norm(p + "attn_norm.weight", d);
            Matrix(p + "attn_q.weight", d, d);
            Matrix(p + "attn_k.weight", d, kv);
            Matrix(p + "attn_v.weight", d, kv);
            if (a == "qwen2")
            {
                tensors.Add((p + "attn_q.bias", [d], GgmlType.F32, 0.1f, 0f));
                tensors.Add((p + "attn_k.bias", [kv], GgmlType.F32, 0.1f, 0f));
                tensors.Add((p + "attn_v.bias", [kv], GgmlType.F32, 0.1f, 0f));
            }
            Matrix(p + "attn_output.weight", d, d);
            Norm(p + "ffn_norm.weight", d);
            Matrix(p + "ffn_gate.weight", d, f);
            Matrix(p + "ffn_up.weight", d, f);
            Matrix(p + "ffn_down.weight", f, d);
        }

        long totalRows = tensors.Sum(t => t.Shape.Length > 1 ? t.Shape[1] : 1);
        long doneRows = 0;
        foreach (var t in tensors)
        {
            var (name, shape, type, scale, offset) = t;
            w.AddTensor(name, type, shape, stream =>
            {
                int cols = (int)shape[0];
                long rows = shape.Length > 1 ? shape[1] : 1;
                var given = options.Weights?.Invoke(name, shape);
                if (given != null && given.LongLength != cols * rows)
                    throw new ArgumentException($"Weights for '{name}' have {given.LongLength} values, expected {cols * rows}.", nameof(options));
                var rng = new SplitMix64(options.Seed ^ StableHash(name));
                var row = new float[cols];
                var bytes = new byte[GgmlTypeInfo.RowSize(type, cols)];
                for (long r = 0; r < rows; r++)
                {
                    if (given != null)
                        given.AsSpan((int)(r * cols), cols).CopyTo(row);
                    else if (name == "rope_freqs.weight")
                        Llama3FrequencyFactors(s).CopyTo(row, 0);
                    else
                        for (int c = 0; c < cols; c++) row[c] = offset + scale * (2f * rng.NextFloat() - 1f) * 1.7320508f;
                    Quantization.Quantize(type, row, bytes);
                    stream.Write(bytes);
                    if (++doneRows % 4096 == 0) progress?.Report((double)doneRows / totalRows);
                }
            });
        }
        w.WriteTo(path);
        progress?.Report(1.0);
    }

    /// <summary>The weight type a matrix with rows of <paramref name="columns"/> values can take.</summary>
    private static GgmlType TypeFor(GgmlType wanted, int columns)
    {
        if (columns % GgmlTypeInfo.Geometry(wanted).BlockSize == 0) return wanted;
        return columns % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F16;
    }

    /// <summary>Llama 3.1's long-context RoPE divisors (factor 32, low 1, high 4, original context 8192).</summary>
    internal static float[] Llama3FrequencyFactors(ModelShape s)
    {
        const double factor = 32, low = 1, high = 4, original = 8192;
        int n = s.HeadDim / 2;
        var result = new float[n];
        for (int i = 0; i < n; i++)
        {
            double freq = Math.Pow(s.RopeFreqBase, -2.0 * i / s.HeadDim);
            double wavelength = 2 * Math.PI / freq;
            if (wavelength < original / high) result[i] = 1f;
            else if (wavelength > original / low) result[i] = (float)factor;
            else
            {
                double smooth = (original / wavelength - low) / (high - low);
                result[i] = (float)(1 / ((1 - smooth) / factor + smooth));
            }
        }
        return result;
    }

    private static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in MemoryMarshal.AsBytes(s.AsSpan()))
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return h;
    }

    private struct SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public float NextFloat() => (Next() >> 40) * (1f / (1 << 24));
    }
}

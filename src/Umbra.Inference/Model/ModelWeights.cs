using Umbra.Inference.Gguf;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Model;

/// <summary>All weights of a model, checked against the configuration's shapes. Large matrices stay memory-mapped.</summary>
public sealed class ModelWeights
{
    public required WeightMatrix TokenEmbedding { get; init; }
    public required float[] OutputNorm { get; init; }

    /// <summary>The output projection; the token embedding itself when the model ties them.</summary>
    public required WeightMatrix Output { get; init; }
    public required IReadOnlyList<LayerWeights> Layers { get; init; }

    /// <summary>Llama 3's per-frequency RoPE divisors (rope_freqs.weight), if present.</summary>
    public float[]? RopeFrequencyFactors { get; init; }

    public bool TiedEmbeddings { get; init; }

    public static ModelWeights Load(GgufFile file, ModelConfig c)
    {
        WeightMatrix Matrix(string name, int cols, int rows) => WeightMatrix.From(file, Tensor(file, name), cols, rows);
        float[] Vec(string name, int length) => ReadVector(file, Tensor(file, name), length);
        float[]? OptVec(string name, int length) => file.TryGetTensor(name, out var t) ? ReadVector(file, t, length) : null;

        int dim = c.EmbeddingLength;
        var embedding = Matrix("token_embd.weight", dim, c.VocabSize);
        bool tied = !file.TryGetTensor("output.weight", out _);
        var layers = new LayerWeights[c.BlockCount];
        for (int i = 0; i < c.BlockCount; i++)
        {
            string p = $"blk.{i}.";
            layers[i] = new LayerWeights
            {
                AttentionNorm = Vec(p + "attn_norm.weight", dim),
                Query = Matrix(p + "attn_q.weight", dim, c.HeadCount * c.HeadDim),
                Key = Matrix(p + "attn_k.weight", dim, c.KvDim),
                Value = Matrix(p + "attn_v.weight", dim, c.KvDim),
                Output = Matrix(p + "attn_output.weight", c.HeadCount * c.HeadDim, dim),
                QueryBias = OptVec(p + "attn_q.bias", c.HeadCount * c.HeadDim),
                KeyBias = OptVec(p + "attn_k.bias", c.KvDim),
                ValueBias = OptVec(p + "attn_v.bias", c.KvDim),
                FfnNorm = Vec(p + "ffn_norm.weight", dim),
                Gate = Matrix(p + "ffn_gate.weight", dim, c.FeedForwardLength),
                Up = Matrix(p + "ffn_up.weight", dim, c.FeedForwardLength),
                Down = Matrix(p + "ffn_down.weight", c.FeedForwardLength, dim),
            };
        }
        return new ModelWeights
        {
            TokenEmbedding = embedding,
            OutputNorm = Vec("output_norm.weight", dim),
            Output = tied ? embedding : Matrix("output.weight", dim, c.VocabSize),
            TiedEmbeddings = tied,
            Layers = layers,
            RopeFrequencyFactors = OptVec("rope_freqs.weight", c.RopeDimensions / 2),
        };
    }

    private static GgufTensorInfo Tensor(GgufFile file, string name) =>
        file.TryGetTensor(name, out var t) ? t : throw new ModelLoadException($"The model lacks tensor '{name}'.");

    private static float[] ReadVector(GgufFile file, GgufTensorInfo t, int length)
    {
        if (t.ElementCount != length)
            throw new ModelLoadException($"Tensor '{t.Name}' has {t.ElementCount} values, expected {length}.");
        if (!GgmlTypeInfo.IsSupportedWeightType(t.Type))
            throw new ModelLoadException($"Tensor '{t.Name}' has unsupported type {t.Type}.");
        var result = new float[length];
        Quantization.Dequantize(t.Type, file.GetTensorData(t), result);
        return result;
    }
}

using Umbra.Inference.Gguf;

namespace Umbra.Inference.Model;

/// <summary>Hyperparameters of a Llama-family model, read from GGUF metadata.</summary>
public sealed record ModelConfig
{
    public static readonly IReadOnlySet<string> SupportedArchitectures = new HashSet<string> { "llama", "mistral", "qwen2" };

    public required string Architecture { get; init; }
    public required int EmbeddingLength { get; init; }
    public required int BlockCount { get; init; }
    public required int FeedForwardLength { get; init; }
    public required int HeadCount { get; init; }
    public required int HeadCountKv { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public required int ContextLength { get; init; }
    public required float RmsEpsilon { get; init; }
    public required float RopeFreqBase { get; init; }
    public required int RopeDimensions { get; init; }
    public required RopeStyle RopeStyle { get; init; }

    /// <summary>Linear RoPE scaling: positions are divided by this factor (1 = none).</summary>
    public float RopeLinearScale { get; init; } = 1f;

    public string? Name { get; init; }

    public int KvDim => HeadCountKv * HeadDim;

    public static ModelConfig FromGguf(GgufFile file)
    {
        string arch = file.GetString("general.architecture") ?? throw new ModelLoadException("The model has no general.architecture.");
        if (!SupportedArchitectures.Contains(arch))
            throw new ModelLoadException($"Architecture '{arch}' is not supported; supported: {string.Join(", ", SupportedArchitectures)}.");

        int Req(string key)
        {
            long v = file.GetInteger($"{arch}.{key}") ?? throw new ModelLoadException($"The model lacks {arch}.{key}.");
            if (v <= 0 || v > 1 << 24)
                throw new ModelLoadException($"{arch}.{key} = {v} is out of range.");
            return (int)v;
        }

        int dim = Req("embedding_length");
        int heads = Req("attention.head_count");
        int kvHeads = (int)(file.GetInteger($"{arch}.attention.head_count_kv") ?? heads);
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new ModelLoadException($"attention.head_count {heads} is not a multiple of head_count_kv {kvHeads}.");
        int headDim = (int)(file.GetInteger($"{arch}.attention.key_length") ?? dim / heads);
        if (headDim <= 0 || headDim % 2 != 0)
            throw new ModelLoadException($"Head dimension {headDim} must be positive and even.");
        int vocab = (int)(file.GetInteger($"{arch}.vocab_size") ?? file.GetArray<string>("tokenizer.ggml.tokens")?.Length
            ?? throw new ModelLoadException("The model has neither a vocab_size nor a token list."));
        int ropeDims = (int)(file.GetInteger($"{arch}.rope.dimension_count") ?? headDim);
        if (ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0)
            throw new ModelLoadException($"rope.dimension_count {ropeDims} must be even and at most the head dimension {headDim}.");
        float scale = 1f;
        string? scalingType = file.GetString($"{arch}.rope.scaling.type");
        if (scalingType == "linear")
            scale = (float)(file.GetNumber($"{arch}.rope.scaling.factor") ?? 1);
        else if (scalingType is not (null or "none"))
            throw new ModelLoadException($"RoPE scaling '{scalingType}' is not supported (supported: none, linear).");

        return new ModelConfig
        {
            Architecture = arch,
            Name = file.GetString("general.name"),
            EmbeddingLength = dim,
            BlockCount = Req("block_count"),
            FeedForwardLength = Req("feed_forward_length"),
            HeadCount = heads,
            HeadCountKv = kvHeads,
            HeadDim = headDim,
            VocabSize = vocab,
            ContextLength = Req("context_length"),
            RmsEpsilon = (float)(file.GetNumber($"{arch}.attention.layer_norm_rms_epsilon") ?? 1e-5),
            RopeFreqBase = (float)(file.GetNumber($"{arch}.rope.freq_base") ?? 10000),
            RopeDimensions = ropeDims,
            RopeStyle = arch == "qwen2" ? RopeStyle.NeoX : RopeStyle.Interleaved,
            RopeLinearScale = scale <= 0 ? 1f : scale,
        };
    }
}

namespace Umbra.Inference.Synthesis;

/// <summary>The hyperparameters of a model to synthesize, by default those of a named real model.</summary>
public sealed record ModelShape
{
    public required string Name { get; init; }
    public required string Architecture { get; init; }
    public required int EmbeddingLength { get; init; }
    public required int BlockCount { get; init; }
    public required int FeedForwardLength { get; init; }
    public required int HeadCount { get; init; }
    public required int HeadCountKv { get; init; }
    public required int VocabSize { get; init; }
    public int ContextLength { get; init; } = 2048;
    public float RopeFreqBase { get; init; } = 10000f;
    public float RmsEpsilon { get; init; } = 1e-5f;
    public bool TiedEmbeddings { get; init; }

    /// <summary>Write Llama 3's rope_freqs tensor (its long-context frequency scaling).</summary>
    public bool Llama3RopeScaling { get; init; }

    /// <summary>The chat format whose special tokens and template the synthetic vocabulary carries.</summary>
    public string ChatFamily { get; init; } = "llama2";

    public int HeadDim => EmbeddingLength / HeadCount;

    public long ParameterCount
    {
        get
        {
            long d = EmbeddingLength, f = FeedForwardLength, kv = (long)HeadCountKv * HeadDim;
            long perLayer = d * d * 2 + d * kv * 2 + 3 * d * f + 2 * d;
            return BlockCount * perLayer + VocabSize * d * (TiedEmbeddings ? 1 : 2) + d;
        }
    }

    public static IReadOnlyDictionary<string, ModelShape> Named { get; } = new Dictionary<string, ModelShape>(StringComparer.OrdinalIgnoreCase)
    {
        ["tinyllama-1.1b"] = new()
        {
            Name = "tinyllama-1.1b", Architecture = "llama", EmbeddingLength = 2048, BlockCount = 22,
            FeedForwardLength = 5632, HeadCount = 32, HeadCountKv = 4, VocabSize = 32000, ContextLength = 2048,
            ChatFamily = "llama2",
        },
        ["llama-3.2-1b"] = new()
        {
            Name = "llama-3.2-1b", Architecture = "llama", EmbeddingLength = 2048, BlockCount = 16,
            FeedForwardLength = 8192, HeadCount = 32, HeadCountKv = 8, VocabSize = 128256, ContextLength = 8192,
            RopeFreqBase = 500000f, TiedEmbeddings = true, Llama3RopeScaling = true, ChatFamily = "llama3",
        },
        ["qwen2.5-0.5b"] = new()
        {
            Name = "qwen2.5-0.5b", Architecture = "qwen2", EmbeddingLength = 896, BlockCount = 24,
            FeedForwardLength = 4864, HeadCount = 14, HeadCountKv = 2, VocabSize = 151936, ContextLength = 32768,
            RopeFreqBase = 1000000f, RmsEpsilon = 1e-6f, TiedEmbeddings = true, ChatFamily = "chatml",
        },
        ["mistral-7b"] = new()
        {
            Name = "mistral-7b", Architecture = "llama", EmbeddingLength = 4096, BlockCount = 32,
            FeedForwardLength = 14336, HeadCount = 32, HeadCountKv = 8, VocabSize = 32000, ContextLength = 32768,
            RopeFreqBase = 1000000f, ChatFamily = "mistral",
        },
        ["tiny"] = new()
        {
            Name = "tiny", Architecture = "llama", EmbeddingLength = 64, BlockCount = 2,
            FeedForwardLength = 128, HeadCount = 4, HeadCountKv = 2, VocabSize = 512, ContextLength = 256,
        },
    };
}

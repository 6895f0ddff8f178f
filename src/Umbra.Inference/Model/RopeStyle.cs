namespace Umbra.Inference.Model;

/// <summary>How rotary position embedding pairs the dimensions of a head.</summary>
public enum RopeStyle
{
    /// <summary>Adjacent pairs (x[2i], x[2i+1]): ggml's "normal" mode, used by llama (its converter permutes Q and K to match).</summary>
    Interleaved,

    /// <summary>Halves (x[i], x[i + d/2]): GPT-NeoX mode, used by qwen2.</summary>
    NeoX,
}

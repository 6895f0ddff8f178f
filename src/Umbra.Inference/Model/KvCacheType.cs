namespace Umbra.Inference.Model;

/// <summary>How the KV cache stores each key and value.</summary>
public enum KvCacheType
{
    /// <summary>
    /// IEEE binary16 (the default, as in llama.cpp): half the memory of F32, so twice the tokens per gigabyte and half
    /// the bytes attention reads. Values round to the nearest binary16 (relative error at most 2⁻¹¹); magnitudes past
    /// 65504 are stored as ±65504, and those below 2⁻¹⁴ (the subnormal range) as 0 or ±2⁻¹⁴, whichever is nearer.
    /// </summary>
    F16,

    /// <summary>32-bit floats: the keys and values exactly as computed.</summary>
    F32,
}

/// <summary>Names and sizes of <see cref="KvCacheType"/>.</summary>
public static class KvCacheTypes
{
    /// <summary>Bytes one key or value takes.</summary>
    public static int ElementBytes(this KvCacheType type) => type switch
    {
        KvCacheType.F16 => 2,
        KvCacheType.F32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown KV cache type."),
    };

    /// <summary>The lower-case name operators type: f16 or f32.</summary>
    public static string Name(this KvCacheType type) => type.ToString().ToLowerInvariant();

    /// <summary>Parses f16 or f32 (any case).</summary>
    public static bool TryParse(string? text, out KvCacheType type)
    {
        type = KvCacheType.F16;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "f16":
                return true;
            case "f32":
                type = KvCacheType.F32;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Bytes the cache takes per token of budget: keys and values of every layer.</summary>
    public static long BytesPerToken(this KvCacheType type, ModelConfig config) => 2L * config.BlockCount * config.KvDim * type.ElementBytes();
}

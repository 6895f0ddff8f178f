using Umbra.Inference.Model;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Diagnostics;

/// <summary>
/// Which kernels this machine runs a model with, in one line: `umbra bench` prints it beside its figures, so figures
/// from different machines (or runtime settings such as DOTNET_EnableAVX512=0) can be told apart.
/// </summary>
internal static class KernelReport
{
    /// <summary>For example "avx512 path: float products 512-bit, integer dots 256-bit vpdpbusd, attention grouped 512-bit".</summary>
    public static string Describe(ModelConfig config, int blockSize = KvCache.DefaultBlockSize)
    {
        var path = DotKernels.BestPath;
        var floats = path switch
        {
            DotPath.Avx512 or DotPath.Avx512Wide => "512-bit",
            DotPath.Avx2 or DotPath.AvxVnni => "256-bit",
            DotPath.Portable => "128-bit",
            _ => "scalar",
        };
        var dots = path == DotPath.Avx512Wide
            ? (DotKernels.UsesVnni(path) ? "512-bit vpmaddubsw for Q4_0 and Q8_0, else 256-bit vpdpbusd" : "512-bit vpmaddubsw for Q4_0 and Q8_0, else 256-bit")
            : DotKernels.UsesVnni(path) ? "256-bit vpdpbusd"
            : path is DotPath.Avx2 or DotPath.Avx512 ? "256-bit vpmaddubsw"
            : path == DotPath.Portable ? "128-bit"
            : "scalar";
        var attention = GroupedAttention.IsWideSupported(config.HeadDim, blockSize) ? "grouped 512-bit"
            : GroupedAttention.IsSupported(config.HeadDim, blockSize) ? "grouped 256-bit"
            : "head by head";
        return $"{path.ToString().ToLowerInvariant()} path: float products {floats}, integer dots {dots}, attention {attention}";
    }
}

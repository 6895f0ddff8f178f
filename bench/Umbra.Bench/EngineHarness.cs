using Umbra.Inference.Diagnostics;
using Umbra.Inference.Model;

namespace Umbra.Bench;

/// <summary>End-to-end engine figures for a GGUF file, printed as a table row for docs/BENCHMARKS.md.</summary>
internal static class EngineHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        string path = args[0];
        int prompt = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 128;
        int gen = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 32;
        using var model = LlamaModel.Load(path);
        var r = await EngineBenchmark.RunAsync(model, prompt, gen);
        var levels = r.ConcurrentDecodeTokensPerSecond.Keys.ToArray();
        Console.WriteLine($"| model | types | prompt | prefill tok/s | TTFT ms | {string.Join(" | ", levels.Select(c => $"decode ×{c} tok/s"))} | peak RSS MiB | alloc B/token |");
        Console.WriteLine($"|---|---|---|---|---|{string.Concat(levels.Select(_ => "---|"))}---|---|");
        Console.WriteLine($"| {r.Model} | {r.WeightTypes} | {r.PromptTokens} | {r.PrefillTokensPerSecond:F2} | {r.TimeToFirstTokenMs:F0} | {string.Join(" | ", levels.Select(c => r.ConcurrentDecodeTokensPerSecond[c].ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} | {r.PeakWorkingSetBytes / 1048576.0:F0} | {r.AllocatedBytesPerToken:F0} |");
        return 0;
    }
}

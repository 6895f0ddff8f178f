using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Umbra.Inference.Diagnostics;
using Umbra.Inference.Model;

namespace Umbra.Cli.Commands;

/// <summary>`umbra bench`: prefill, decode and concurrent decode speed, time to first token and memory of a model on this machine.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "Path to a GGUF model", Required = true };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length measured for prefill (and of every stream)", DefaultValueFactory = _ => 128 };
        var genTokens = new Option<int>("--gen-tokens") { Description = "Tokens generated per stream for decode", DefaultValueFactory = _ => 32 };
        var concurrency = new Option<string>("--concurrency") { Description = "Concurrent stream counts measured, comma-separated", DefaultValueFactory = _ => string.Join(",", EngineBenchmark.DefaultConcurrency) };
        var kvType = ProviderCommand.KvTypeOption();
        var rounds = new Option<int>("--rounds")
        {
            Description = $"Times to measure every figure, in turn; each is then the median of its rounds, with its range beside it (for a machine whose speed drifts, such as a shared host; at most {EngineBenchmark.MaxRounds})",
            DefaultValueFactory = _ => 1,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var cmd = new Command("bench", "Measure prefill and decode tokens/s (alone and with concurrent streams), time to first token, peak memory, and where a decode step's time goes, of a model")
        {
            model, promptTokens, genTokens, concurrency, kvType, rounds, json,
        };
        cmd.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            int prompt = CliErrors.AtLeastOne(r.GetValue(promptTokens), "--prompt-tokens");
            int generated = CliErrors.AtLeastOne(r.GetValue(genTokens), "--gen-tokens");
            var levels = ParseLevels(r.GetValue(concurrency)!);
            var cacheType = ProviderCommand.ParseKvType(r.GetValue(kvType));
            int roundCount = r.GetValue(rounds);
            if (roundCount is < 1 or > EngineBenchmark.MaxRounds)
                throw new ArgumentException($"--rounds takes 1 to {EngineBenchmark.MaxRounds}; got {roundCount}.");
            using var m = LlamaModel.Load(r.GetValue(model)!.FullName);
            var result = await EngineBenchmark.RunAsync(m, prompt, generated, levels, kvCacheType: cacheType, rounds: roundCount, cancellationToken: ct);
            if (r.GetValue(json)) PrintJson(result);
            else PrintTable(result);
            return 0;
        }));
        return cmd;
    }

    private static int[] ParseLevels(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var levels = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > 256)
                throw new ArgumentException($"--concurrency takes stream counts from 1 to 256 separated by commas; got '{text}'.");
            levels.Add(n);
        }
        if (levels.Count == 0) throw new ArgumentException($"--concurrency takes stream counts from 1 to 256 separated by commas; got '{text}'.");
        return [.. levels];
    }

    private static void PrintJson(EngineBenchmarkResult result)
    {
        var concurrent = result.ConcurrentDecodeTokensPerSecond.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => (object)Math.Round(kv.Value, 2));
        var obj = new Dictionary<string, object>
        {
            ["model"] = result.Model,
            ["architecture"] = result.Architecture,
            ["weight_types"] = result.WeightTypes,
            ["prompt_tokens"] = result.PromptTokens,
            ["gen_tokens"] = result.GeneratedTokens,
            ["prefill_tokens_per_s"] = Math.Round(result.PrefillTokensPerSecond, 2),
            ["decode_tokens_per_s"] = Math.Round(result.DecodeTokensPerSecond, 2),
            ["concurrent_decode_tokens_per_s"] = concurrent,
            ["time_to_first_token_ms"] = Math.Round(result.TimeToFirstTokenMs, 1),
            ["peak_memory_bytes"] = result.PeakWorkingSetBytes,
            ["allocated_bytes_per_token"] = Math.Round(result.AllocatedBytesPerToken),
            ["threads"] = result.Threads,
            ["kernels"] = result.Kernels,
            ["kv_cache_type"] = result.KvCacheType.Name(),
            ["kv_cache_bytes"] = result.KvCacheBytes,
            ["kv_cache_tokens"] = result.KvCacheTokens,
            ["rounds"] = result.Rounds,
            ["prefill_tokens_per_s_range"] = Range(result.PrefillRange),
            ["time_to_first_token_ms_range"] = Range(result.TimeToFirstTokenRangeMs, digits: 1),
            ["decode_tokens_per_s_range"] = Range(result.ConcurrentDecodeRange.First().Value, result.ConcurrentDecodeRange.First().Key),
            ["concurrent_decode_tokens_per_s_range"] = result.ConcurrentDecodeRange.ToDictionary(
                kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => (object)Range(kv.Value)),
            ["decode_step_ms"] = result.DecodeStepMs.ToDictionary(
                kv => kv.Key.ToString(CultureInfo.InvariantCulture),
                kv => (object)kv.Value.ToDictionary(p => p.Key, p => (object)Math.Round(p.Value, 3))),
        };
        Console.WriteLine(JsonSerializer.Serialize(obj, BenchJsonContext.Default.DictionaryStringObject));
    }

    /// <summary>A figure's range as [least, greatest], divided by <paramref name="divisor"/> (per stream), to <paramref name="digits"/> decimals.</summary>
    private static double[] Range(Spread s, int divisor = 1, int digits = 2) => [Math.Round(s.Min / divisor, digits), Math.Round(s.Max / divisor, digits)];

    /// <summary>"least to greatest over N rounds" between <paramref name="before"/> and <paramref name="after"/>, or nothing for a single round.</summary>
    private static string Over(EngineBenchmarkResult result, Spread s, string format, string before = ", ", string after = "") =>
        result.Rounds > 1 ? $"{before}{s.Min.ToString(format, CultureInfo.InvariantCulture)} to {s.Max.ToString(format, CultureInfo.InvariantCulture)} over {result.Rounds} rounds{after}" : "";

    private static void PrintTable(EngineBenchmarkResult result)
    {
        Console.WriteLine($"model              {result.Model} ({result.Architecture}, {result.WeightTypes})");
        Console.WriteLine($"threads            {result.Threads}");
        Console.WriteLine($"kernels            {result.Kernels}");
        var first = result.ConcurrentDecodeRange.First();
        var decodeRange = new Spread(first.Value.Min / first.Key, first.Value.Max / first.Key);
        if (result.Rounds > 1)
            Console.WriteLine($"rounds             {result.Rounds,10} (each figure the median of its rounds)");
        Console.WriteLine($"prefill            {result.PrefillTokensPerSecond,10:F2} tokens/s ({result.PromptTokens} tokens{Over(result, result.PrefillRange, "F2")})");
        Console.WriteLine($"decode             {result.DecodeTokensPerSecond,10:F2} tokens/s ({result.GeneratedTokens} tokens{Over(result, decodeRange, "F2")})");
        Console.WriteLine($"time to 1st token  {result.TimeToFirstTokenMs,10:F1} ms{Over(result, result.TimeToFirstTokenRangeMs, "F1", " (", ")")}");
        Console.WriteLine($"peak memory        {result.PeakWorkingSetBytes / 1048576.0,10:F1} MiB");
        Console.WriteLine($"allocated/token    {result.AllocatedBytesPerToken,10:F0} bytes");
        Console.WriteLine($"kv cache           {result.KvCacheBytes / 1048576.0,10:F1} MiB ({result.KvCacheType.Name()}, {result.KvCacheTokens} tokens)");
        Console.WriteLine();
        var ranges = result.Rounds > 1;
        Console.WriteLine("streams   aggregate decode tokens/s   per stream   vs 1 stream" + (ranges ? "   aggregate range" : ""));
        double one = result.ConcurrentDecodeTokensPerSecond.First().Value / result.ConcurrentDecodeTokensPerSecond.First().Key;
        foreach (var (streams, rate) in result.ConcurrentDecodeTokensPerSecond)
        {
            var range = result.ConcurrentDecodeRange[streams];
            Console.WriteLine($"{streams,7}   {rate,25:F2}   {rate / streams,10:F2}   {rate / one,10:F2}x" + (ranges ? $"   {range.Min,10:F2} to {range.Max:F2}" : ""));
        }
        PrintStepBreakdown(result);
    }

    /// <summary>Where a decode step's time goes, one column per stream count: the phases of the forward pass, in ms per step.</summary>
    private static void PrintStepBreakdown(EngineBenchmarkResult result)
    {
        if (result.DecodeStepMs.Count == 0)
            return;
        var levels = result.DecodeStepMs.Keys.ToArray();
        Console.WriteLine();
        Console.WriteLine($"{"decode step, ms",-19}" + string.Concat(levels.Select(l => $"{l + (l == 1 ? " stream" : " streams"),13}")));
        foreach (var phase in result.DecodeStepMs[levels[0]].Keys)
            Console.WriteLine($"{phase,-19}" + string.Concat(levels.Select(l => $"{result.DecodeStepMs[l][phase],13:F2}")));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double[]))]
internal sealed partial class BenchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

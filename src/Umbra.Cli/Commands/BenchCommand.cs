using System.CommandLine;
using System.Text.Json;
using Umbra.Inference.Diagnostics;
using Umbra.Inference.Model;

namespace Umbra.Cli.Commands;

/// <summary>`umbra bench`: prefill and decode speed of a model on this machine.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "Path to a GGUF model", Required = true };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length measured for prefill", DefaultValueFactory = _ => 128 };
        var genTokens = new Option<int>("--gen-tokens") { Description = "Tokens generated for decode", DefaultValueFactory = _ => 32 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var cmd = new Command("bench", "Measure prefill and decode tokens/s and peak memory of a model") { model, promptTokens, genTokens, json };
        cmd.SetAction((r, ct) => CliErrors.Guard(() =>
        {
            int prompt = CliErrors.AtLeastOne(r.GetValue(promptTokens), "--prompt-tokens");
            int generated = CliErrors.AtLeastOne(r.GetValue(genTokens), "--gen-tokens");
            using var m = LlamaModel.Load(r.GetValue(model)!.FullName);
            var result = EngineBenchmark.Run(m, prompt, generated);
            if (r.GetValue(json))
            {
                var obj = new Dictionary<string, object>
                {
                    ["model"] = result.Model,
                    ["architecture"] = result.Architecture,
                    ["weight_types"] = result.WeightTypes,
                    ["prompt_tokens"] = result.PromptTokens,
                    ["gen_tokens"] = result.GeneratedTokens,
                    ["prefill_tokens_per_s"] = Math.Round(result.PrefillTokensPerSecond, 2),
                    ["decode_tokens_per_s"] = Math.Round(result.DecodeTokensPerSecond, 2),
                    ["time_to_first_token_ms"] = Math.Round(result.TimeToFirstTokenMs, 1),
                    ["peak_memory_bytes"] = result.PeakWorkingSetBytes,
                    ["allocated_bytes_per_token"] = Math.Round(result.AllocatedBytesPerToken),
                    ["threads"] = result.Threads,
                };
                Console.WriteLine(JsonSerializer.Serialize(obj, BenchJsonContext.Default.DictionaryStringObject));
            }
            else
            {
                Console.WriteLine($"model              {result.Model} ({result.Architecture}, {result.WeightTypes})");
                Console.WriteLine($"threads            {result.Threads}");
                Console.WriteLine($"prefill            {result.PrefillTokensPerSecond,10:F2} tokens/s ({result.PromptTokens} tokens)");
                Console.WriteLine($"decode             {result.DecodeTokensPerSecond,10:F2} tokens/s ({result.GeneratedTokens} tokens)");
                Console.WriteLine($"time to 1st token  {result.TimeToFirstTokenMs,10:F1} ms");
                Console.WriteLine($"peak memory        {result.PeakWorkingSetBytes / 1048576.0,10:F1} MiB");
                Console.WriteLine($"allocated/token    {result.AllocatedBytesPerToken,10:F0} bytes");
            }
            return Task.FromResult(0);
        }));
        return cmd;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
internal sealed partial class BenchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

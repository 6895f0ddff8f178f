using System.CommandLine;
using System.Diagnostics;
using Umbra.Inference.Gguf;
using Umbra.Inference.Model;
using Umbra.Inference.Synthesis;
using Umbra.Inference.Tensors;

namespace Umbra.Cli.Commands;

/// <summary>`umbra model synth` and `umbra model info`.</summary>
internal static class ModelCommands
{
    public static Command Create() => new("model", "Inspect GGUF models and synthesize test models") { Synth(), Info() };

    private static Command Synth()
    {
        var shape = new Option<string>("--shape") { Description = $"Named shape: {string.Join(", ", ModelShape.Named.Keys)}", DefaultValueFactory = _ => "tiny" };
        var type = new Option<string>("--type") { Description = "Weight type: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k", DefaultValueFactory = _ => "q8_0" };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the .gguf file", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed for the random weights", DefaultValueFactory = _ => 42 };
        var arch = new Option<string?>("--arch") { Description = "Override the architecture: llama, mistral or qwen2" };
        var layers = new Option<int?>("--layers") { Description = "Override the number of blocks" };
        var ctx = new Option<int?>("--context-length") { Description = "Override the context length" };

        var cmd = new Command("synth", "Write a GGUF model with seeded random weights in the shape of a real one") { shape, type, output, seed, arch, layers, ctx };
        cmd.SetAction((r, ct) => CliErrors.Guard(() =>
        {
            string name = r.GetValue(shape)!;
            if (!ModelShape.Named.TryGetValue(name, out var s))
                throw new ArgumentException($"Unknown shape '{name}'. Known shapes: {string.Join(", ", ModelShape.Named.Keys)}.");
            if (!GgmlTypeInfo.TryParse(r.GetValue(type)!, out var t) || !GgmlTypeInfo.IsSupportedWeightType(t))
                throw new ArgumentException($"Unknown or unsupported weight type '{r.GetValue(type)}'. Use f32, f16, bf16, q8_0, q4_0, q4_k or q6_k.");
            if (r.GetValue(arch) is string a)
            {
                if (!ModelConfig.SupportedArchitectures.Contains(a))
                    throw new ArgumentException($"Unknown architecture '{a}'. Use llama, mistral or qwen2.");
                s = s with { Architecture = a };
            }
            if (r.GetValue(layers) is int l) s = s with { BlockCount = l > 0 ? l : throw new ArgumentException("--layers must be at least 1.") };
            if (r.GetValue(ctx) is int c) s = s with { ContextLength = c > 0 ? c : throw new ArgumentException("--context-length must be at least 1.") };

            var path = r.GetValue(output)!.FullName;
            Console.Error.WriteLine($"Writing {s.Name} ({s.Architecture}, {s.ParameterCount / 1e6:F1}M parameters, {t}) to {path}");
            var watch = Stopwatch.StartNew();
            var progress = new ProgressBar();
            ModelSynthesizer.Write(path, new SynthesisOptions { Shape = s, WeightType = t, Seed = r.GetValue(seed) }, progress);
            progress.Done();
            // Rows that do not fill the requested type's blocks are written in another type, so report what the file holds.
            string written;
            using (var file = GgufFile.Open(path))
                written = string.Join(", ", file.BytesByType().OrderByDescending(kv => kv.Value).Select(kv => kv.Key));
            Console.Error.WriteLine($"Done in {watch.Elapsed.TotalSeconds:F1} s: {new FileInfo(path).Length / 1048576.0:F1} MiB, weights {written}");
            return Task.FromResult(0);
        }));
        return cmd;
    }

    private static Command Info()
    {
        var path = new Argument<FileInfo>("model") { Description = "Path to a GGUF file" };
        var cmd = new Command("info", "Show a GGUF file's architecture, shapes, weight types, tokenizer and chat template") { path };
        cmd.SetAction((r, ct) => CliErrors.Guard(() =>
        {
            Console.Write(ModelSummary.Describe(r.GetValue(path)!.FullName));
            return Task.FromResult(0);
        }));
        return cmd;
    }

    /// <summary>A one-line progress bar on stderr, redrawn in place.</summary>
    private sealed class ProgressBar : IProgress<double>
    {
        private int _last = -1;

        public void Report(double value)
        {
            int percent = (int)(Math.Clamp(value, 0, 1) * 100);
            if (percent == _last) return;
            _last = percent;
            int filled = percent * 30 / 100;
            Console.Error.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {percent,3}%");
        }

        public void Done() => Console.Error.WriteLine();
    }
}

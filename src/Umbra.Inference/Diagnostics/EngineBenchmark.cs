using System.Diagnostics;
using Umbra.Inference.Model;

namespace Umbra.Inference.Diagnostics;

/// <summary>Figures from one <see cref="EngineBenchmark"/> run.</summary>
public sealed record EngineBenchmarkResult(
    string Model,
    string Architecture,
    string WeightTypes,
    int PromptTokens,
    int GeneratedTokens,
    double PrefillTokensPerSecond,
    double DecodeTokensPerSecond,
    double TimeToFirstTokenMs,
    long PeakWorkingSetBytes,
    double AllocatedBytesPerToken,
    int Threads);

/// <summary>
/// Measures prefill and decode speed of a model on this machine: a prompt of random (seeded) ordinary
/// tokens is evaluated, then tokens are generated greedily one at a time.
/// </summary>
public static class EngineBenchmark
{
    public static EngineBenchmarkResult Run(LlamaModel model, int promptTokens, int generatedTokens, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(promptTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(generatedTokens, 1);
        int needed = promptTokens + generatedTokens;
        if (needed > model.Config.ContextLength)
            throw new ContextLengthExceededException(needed, model.Config.ContextLength);

        var rng = new Random(unchecked((int)seed));
        int vocab = model.Config.VocabSize;
        int[] prompt = new int[promptTokens];
        // Ordinary tokens: past the control and byte tokens at the start of most vocabularies, where there is room.
        int first = vocab > 600 ? 300 : 0;
        for (int i = 0; i < prompt.Length; i++) prompt[i] = rng.Next(first, vocab);

        // Warm-up: page in the weights and let the JIT promote the hot loops to fully optimized code (after
        // 30 calls and a delay, compiled in the background). Measured earlier, small models run 10x slower.
        var warm = model.CreateSession(Math.Min(model.Config.ContextLength, 64));
        var warmWatch = Stopwatch.StartNew();
        for (int i = 0; i < 40 || warmWatch.ElapsedMilliseconds < 2000; i++)
        {
            if (warm.Position == warm.ContextLength) warm.Rewind(0);
            warm.Forward([prompt[i % prompt.Length]]);
        }

        var session = model.CreateSession(needed);
        var watch = Stopwatch.StartNew();
        var logits = session.Forward(prompt);
        int next = ArgMax(logits);
        double prefillSeconds = watch.Elapsed.TotalSeconds;

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        watch.Restart();
        for (int i = 0; i < generatedTokens; i++)
        {
            logits = session.Forward([next]);
            next = ArgMax(logits);
        }
        double decodeSeconds = watch.Elapsed.TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        var types = model.File.BytesByType().OrderByDescending(kv => kv.Value).Select(kv => kv.Key.ToString());
        return new EngineBenchmarkResult(
            model.Id,
            model.Config.Architecture,
            string.Join(",", types),
            promptTokens,
            generatedTokens,
            promptTokens / prefillSeconds,
            generatedTokens / decodeSeconds,
            prefillSeconds * 1000,
            Process.GetCurrentProcess().PeakWorkingSet64,
            (double)allocated / generatedTokens,
            Environment.ProcessorCount);
    }

    private static int ArgMax(ReadOnlySpan<float> x) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(x);
}

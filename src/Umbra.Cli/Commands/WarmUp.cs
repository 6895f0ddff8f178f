using System.CommandLine;
using System.Globalization;
using Umbra.Inference.Generation;

namespace Umbra.Cli.Commands;

/// <summary>--no-warm-up, and the line that reports a warm-up, for the commands that run the built-in engine.</summary>
internal static class WarmUp
{
    public static Option<bool> NoWarmUpOption() => new("--no-warm-up")
    {
        Description = "Start serving at once, without first running two short generations of a fixed sentence (which compile the engine, read the weights in, and measure its speed, so the first request is not the slow one)",
    };

    public static void Print(WarmUpReport report, string model)
    {
        if (report.PromptTokens == 0)
            return;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"Warmed up '{model}' in {report.Elapsed.TotalSeconds:F1} s: prefill {report.PrefillTokensPerSecond:F0} tokens/s ({report.PromptTokens}-token prompt), decode {report.DecodeTokensPerSecond:F1} tokens/s");
        Console.WriteLine(line);
    }
}

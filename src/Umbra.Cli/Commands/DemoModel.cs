using Umbra.Inference.Synthesis;
using Umbra.Inference.Tensors;

namespace Umbra.Cli.Commands;

/// <summary>
/// The model `umbra serve` runs when none is named: a small synthetic Llama with random weights, written
/// once to the data directory, so the server can be tried on a fresh machine with nothing downloaded.
/// Its text is meaningless; pass --model with a real GGUF for real answers.
/// </summary>
internal static class DemoModel
{
    public static string DataDirectory =>
        Environment.GetEnvironmentVariable("UMBRA_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".umbra");

    public static string EnsureExists()
    {
        string path = Path.Combine(DataDirectory, "models", "demo-tiny.gguf");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var shape = ModelShape.Named["tiny"] with { Name = "demo-tiny", VocabSize = 2048, ContextLength = 2048, ChatFamily = "chatml" };
            string partial = path + ".partial";
            ModelSynthesizer.Write(partial, new SynthesisOptions { Shape = shape, WeightType = GgmlType.Q8_0, Seed = 1 });
            File.Move(partial, path, overwrite: true);
        }
        Console.Error.WriteLine($"No --model given: serving the random-weight demo model {path} (its text is meaningless; pass --model M.gguf for a real model).");
        return path;
    }
}

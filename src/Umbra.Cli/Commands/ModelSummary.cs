using System.Text;
using Umbra.Inference.Gguf;
using Umbra.Inference.Model;

namespace Umbra.Cli.Commands;

/// <summary>The text of `umbra model info`: works on any valid GGUF, including vocabulary-only files.</summary>
internal static class ModelSummary
{
    public static string Describe(string path)
    {
        using var file = GgufFile.Open(path);
        var sb = new StringBuilder();
        sb.AppendLine($"file:          {path}");
        sb.AppendLine($"size:          {file.FileSize / 1048576.0:F1} MiB (GGUF v{file.Version}, {file.Tensors.Count} tensors, {file.Metadata.Count} metadata keys)");
        sb.AppendLine($"name:          {file.GetString("general.name") ?? "(none)"}");
        sb.AppendLine($"architecture:  {file.GetString("general.architecture") ?? "(none)"}");
        try
        {
            var c = ModelConfig.FromGguf(file);
            sb.AppendLine($"shape:         dim {c.EmbeddingLength}, {c.BlockCount} blocks, {c.HeadCount} heads ({c.HeadCountKv} KV, head dim {c.HeadDim}), FFN {c.FeedForwardLength}");
            sb.AppendLine($"vocabulary:    {c.VocabSize}");
            sb.AppendLine($"context:       {c.ContextLength}");
            sb.AppendLine($"rope:          base {c.RopeFreqBase}, {c.RopeDimensions} dims, {c.RopeStyle}{(c.RopeLinearScale != 1 ? $", linear scale {c.RopeLinearScale}" : "")}{(file.TryGetTensor("rope_freqs.weight", out _) ? ", Llama 3 frequency factors" : "")}");
            sb.AppendLine($"embeddings:    {(file.TryGetTensor("output.weight", out _) ? "separate output" : "tied")}");
        }
        catch (ModelLoadException e)
        {
            sb.AppendLine($"runnable:      no ({e.Message})");
        }
        long parameters = file.Tensors.Sum(t => t.ElementCount);
        if (parameters > 0) sb.AppendLine($"parameters:    {parameters / 1e6:F2}M");
        foreach (var (type, bytes) in file.BytesByType().OrderByDescending(kv => kv.Value))
            sb.AppendLine($"weights:       {type,-6} {bytes / 1048576.0,10:F1} MiB in {file.Tensors.Count(t => t.Type == type)} tensors");
        var tokens = file.GetArray<string>("tokenizer.ggml.tokens");
        sb.AppendLine($"tokenizer:     {file.GetString("tokenizer.ggml.model") ?? "(none)"}{(file.GetString("tokenizer.ggml.pre") is string pre ? $" (pre-tokenizer {pre})" : "")}, {tokens?.Length ?? 0} tokens, BOS {file.GetInteger("tokenizer.ggml.bos_token_id")?.ToString() ?? "-"}, EOS {file.GetInteger("tokenizer.ggml.eos_token_id")?.ToString() ?? "-"}");
        string? template = file.GetString("tokenizer.chat_template");
        sb.AppendLine(template is null ? "chat template: (none; a built-in format is used)" : $"chat template: {template.Length} characters: {Shorten(template)}");
        return sb.ToString();
    }

    private static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length <= 100 ? s : s[..100] + "...";
    }
}

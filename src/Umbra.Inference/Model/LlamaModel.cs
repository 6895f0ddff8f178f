using Umbra.Inference.Gguf;
using Umbra.Inference.Templates;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Model;

/// <summary>
/// A loaded Llama-family model: configuration, memory-mapped weights, tokenizer and chat template.
/// Immutable and shareable across threads; each sequence runs in its own <see cref="InferenceSession"/>.
/// </summary>
public sealed class LlamaModel : IDisposable
{
    private LlamaModel(GgufFile file, ModelConfig config, ModelWeights weights, Tokenizer tokenizer, ChatTemplate template, bool templateFromFile)
    {
        File = file;
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
        ChatTemplate = template;
        HasOwnChatTemplate = templateFromFile;
    }

    public GgufFile File { get; }
    public ModelConfig Config { get; }
    public ModelWeights Weights { get; }
    public Tokenizer Tokenizer { get; }
    public ChatTemplate ChatTemplate { get; }

    /// <summary>True when the chat template came from the file, false when a built-in format stands in.</summary>
    public bool HasOwnChatTemplate { get; }

    /// <summary>A short identifier for the API: the file name without its extension.</summary>
    public string Id => Path.GetFileNameWithoutExtension(File.Path);

    public string BosText => Tokenizer.BosId >= 0 && Tokenizer.BosId < Tokenizer.VocabSize ? Tokenizer.TokenText(Tokenizer.BosId) : string.Empty;

    public string EosText => Tokenizer.EosId is int e && e < Tokenizer.VocabSize ? Tokenizer.TokenText(e) : string.Empty;

    /// <summary>
    /// Opens, validates and prepares a model. Throws <see cref="GgufFormatException"/> for a malformed file,
    /// <see cref="ModelLoadException"/> for one the engine cannot run, and <see cref="TemplateException"/>
    /// for a chat template that cannot render.
    /// </summary>
    public static LlamaModel Load(string path)
    {
        var file = GgufFile.Open(path);
        try
        {
            var config = ModelConfig.FromGguf(file);
            var weights = ModelWeights.Load(file, config);
            Tokenizer tokenizer;
            try
            {
                tokenizer = Tokenizer.FromGguf(file);
            }
            catch (TokenizerException e)
            {
                throw new ModelLoadException($"The model's tokenizer cannot be built: {e.Message}", e);
            }
            if (tokenizer.VocabSize != config.VocabSize)
                throw new ModelLoadException($"The tokenizer has {tokenizer.VocabSize} tokens but the model's vocabulary is {config.VocabSize}.");

            var (template, own) = LoadTemplate(file, config, tokenizer);
            var model = new LlamaModel(file, config, weights, tokenizer, template, own);
            template.Validate(model.BosText, model.EosText);
            return model;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static (ChatTemplate Template, bool Own) LoadTemplate(GgufFile file, ModelConfig config, Tokenizer tokenizer)
    {
        string? source = file.GetString("tokenizer.chat_template");
        if (!string.IsNullOrEmpty(source))
        {
            try
            {
                return (ChatTemplate.Parse(source), true);
            }
            catch (TemplateException e)
            {
                throw new TemplateException($"The model's chat template cannot be parsed: {e.Message}", e);
            }
        }
        var vocab = file.GetArray<string>("tokenizer.ggml.tokens") ?? [];
        string family = ChatTemplate.FamilyFor(config.Architecture, vocab) ?? "plain";
        return (ChatTemplate.BuiltIn(family), false);
    }

    /// <summary>
    /// Starts a new sequence with a KV cache of <paramref name="contextLength"/> positions (default: the model's),
    /// storing keys and values as <paramref name="kvCacheType"/> says.
    /// </summary>
    public InferenceSession CreateSession(int? contextLength = null, KvCacheType kvCacheType = KvCacheType.F16) =>
        new(this, contextLength ?? Config.ContextLength, kvCacheType);

    public void Dispose() => File.Dispose();
}

using Umbra.Inference.Templates.Jinja;
using Umbra.Inference.Templates.Jinja.Runtime;
using Umbra.Inference.Templates.Jinja.Syntax;

namespace Umbra.Inference.Templates;

/// <summary>
/// A chat template: the Jinja program a model ships (GGUF <c>tokenizer.chat_template</c>, Hugging Face
/// <c>tokenizer_config.json</c>) that turns a conversation into the prompt text the model was trained on.
/// Rendering matches Hugging Face's <c>apply_chat_template</c> (trim_blocks and lstrip_blocks on,
/// <c>raise_exception</c> and <c>strftime_now</c> defined, <c>tojson</c> keeping key order and non-ASCII text).
/// Templates are untrusted: rendering is sandboxed and bounded in time, memory, output size and recursion.
/// A parsed template is immutable, so one instance may render on many threads at once.
/// </summary>
public sealed class ChatTemplate
{
    private const string ValidationUserText = "Validation question: what is two plus two?";

    private readonly SourceText _text;
    private readonly IReadOnlyList<Node> _nodes;
    private readonly TimeProvider _clock;
    private readonly TemplateLimits _limits;

    private ChatTemplate(string source, SourceText text, IReadOnlyList<Node> nodes, TimeProvider clock, TemplateLimits limits)
    {
        Source = source;
        _text = text;
        _nodes = nodes;
        _clock = clock;
        _limits = limits;
    }

    /// <summary>The template's Jinja source as given.</summary>
    public string Source { get; }

    /// <summary>Names accepted by <see cref="BuiltIn"/>.</summary>
    public static IReadOnlyList<string> BuiltInFamilies => BuiltInTemplates.Families;

    /// <summary>Parses a template. Throws <see cref="TemplateException"/> with the line and column of a syntax error.</summary>
    public static ChatTemplate Parse(string source) => Parse(source, TemplateLimits.Default);

    internal static ChatTemplate Parse(string source, TemplateLimits limits)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length > limits.MaxSourceLength)
            throw new TemplateException($"The chat template is {source.Length:N0} characters long; the limit is {limits.MaxSourceLength:N0}");
        var text = new SourceText(source);
        try
        {
            return new ChatTemplate(source, text, Parser.Parse(text, limits.MaxParseDepth), TimeProvider.System, limits);
        }
        catch (InsufficientExecutionStackException)
        {
            throw new TemplateException("The chat template nests too deeply to parse");
        }
    }

    /// <summary>
    /// A built-in format for a model without a template: "llama3", "chatml" (Qwen 2), "mistral", "gemma",
    /// "phi3", "llama2", or "plain" as a last resort. Throws <see cref="TemplateException"/> for other names.
    /// </summary>
    public static ChatTemplate BuiltIn(string family)
    {
        ArgumentNullException.ThrowIfNull(family);
        return Parse(BuiltInTemplates.Source(family));
    }

    /// <summary>
    /// Guesses the built-in family for a model from its control tokens (<c>&lt;|eot_id|&gt;</c> means Llama 3,
    /// <c>&lt;|im_start|&gt;</c> ChatML, <c>&lt;start_of_turn&gt;</c> Gemma, <c>&lt;|user|&gt;</c> Phi-3,
    /// <c>[INST]</c> Mistral) and then from its GGUF architecture name; null when nothing matches.
    /// </summary>
    public static string? FamilyFor(string architecture, IReadOnlyCollection<string> vocabTokens)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(vocabTokens);
        return BuiltInTemplates.FamilyFor(architecture, vocabTokens);
    }

    /// <summary>The same template reading the time for <c>strftime_now</c> from <paramref name="clock"/>.</summary>
    public ChatTemplate WithClock(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new ChatTemplate(Source, _text, _nodes, clock, _limits);
    }

    /// <summary>Renders a conversation into prompt text.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken) =>
        Render(messages, addGenerationPrompt, bosToken, eosToken, null);

    /// <summary>
    /// Renders a conversation into prompt text, with extra template variables such as <c>tools</c> or
    /// <c>date_string</c>. Values may be strings, numbers, booleans, dictionaries, lists or <see cref="System.Text.Json.JsonElement"/>.
    /// Throws <see cref="TemplateException"/> when the template fails or rejects the conversation.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken, IReadOnlyDictionary<string, object?>? variables)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(bosToken);
        ArgumentNullException.ThrowIfNull(eosToken);
        var list = new List<object?>(messages.Count);
        foreach (var message in messages)
        {
            if (message?.Role is null || message.Content is null)
                throw new ArgumentException("Every message needs a role and content", nameof(messages));
            list.Add(ValueConverter.Message(message));
        }

        // The variables apply_chat_template passes; tools and documents are None unless the caller gives them.
        var context = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = list,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = bosToken,
            ["eos_token"] = eosToken,
            ["tools"] = null,
            ["documents"] = null,
        };
        if (variables != null)
        {
            foreach (var (name, value) in variables)
                context[name] = ValueConverter.FromDotNet(value, name);
        }

        try
        {
            return Interpreter.Render(_nodes, _text, context, _limits, _clock);
        }
        catch (TemplateException)
        {
            throw;
        }
        catch (InsufficientExecutionStackException)
        {
            throw new TemplateException("The chat template nests too deeply to render");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A hostile template must not surface as an arbitrary exception type from the model loader.
            throw new TemplateException($"The chat template failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks at model load that the template can render a system, user, assistant, user conversation (or,
    /// for templates that refuse a system role, the same without it) and that the output contains the last
    /// user message. Throws <see cref="TemplateException"/> saying why the template is unusable.
    /// </summary>
    public void Validate(string bosToken, string eosToken)
    {
        ChatMessage[] withSystem =
        [
            new("system", "You are a helpful assistant."),
            new("user", "Hello."),
            new("assistant", "Hello, how can I help?"),
            new("user", ValidationUserText),
        ];
        TemplateException first;
        try
        {
            CheckOutput(Render(withSystem, true, bosToken, eosToken));
            return;
        }
        catch (TemplateException e)
        {
            first = e;
        }

        try
        {
            // Several published templates (Gemma, early Mistral) refuse a system message; that is usable, the
            // caller folds the system prompt into the first user turn.
            CheckOutput(Render(withSystem[1..], true, bosToken, eosToken));
        }
        catch (TemplateException second)
        {
            string detail = second.Message == first.Message ? first.Message : $"{first.Message}; without a system message: {second.Message}";
            throw new TemplateException($"The chat template cannot render a basic conversation: {detail}", first);
        }
    }

    private static void CheckOutput(string output)
    {
        if (!output.Contains(ValidationUserText, StringComparison.Ordinal))
            throw new TemplateException("The chat template's output does not contain the user's message");
    }
}

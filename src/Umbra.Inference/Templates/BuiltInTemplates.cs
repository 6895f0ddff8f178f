namespace Umbra.Inference.Templates;

/// <summary>
/// Chat formats for models whose GGUF carries no <c>tokenizer.chat_template</c>, written in the same Jinja
/// subset. They follow each family's published format but are lenient where the published templates raise:
/// a system message is folded into the first user turn for families without a system role, and roles are
/// not forced to alternate.
/// </summary>
internal static class BuiltInTemplates
{
    public const string Llama3 = """
        {{- bos_token }}
        {%- for message in messages %}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif %}
        """;

    public const string ChatML = """
        {%- for message in messages %}
            {{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """;

    public const string Mistral = """
        {%- if messages and messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set loop_messages = messages %}
        {%- endif %}
        {{- bos_token }}
        {%- for message in loop_messages %}
            {%- if message['role'] == 'user' %}
                {%- if loop.first and system_message is defined %}
                    {{- '[INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
                {%- else %}
                    {{- '[INST] ' + message['content'] + ' [/INST]' }}
                {%- endif %}
            {%- elif message['role'] == 'assistant' %}
                {{- ' ' + message['content'] + eos_token }}
            {%- endif %}
        {%- endfor %}
        """;

    public const string Gemma = """
        {{- bos_token }}
        {%- if messages and messages[0]['role'] == 'system' %}
            {%- set first_user_prefix = messages[0]['content'] | trim + '\n\n' %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set first_user_prefix = '' %}
            {%- set loop_messages = messages %}
        {%- endif %}
        {%- for message in loop_messages %}
            {%- set role = 'model' if message['role'] == 'assistant' else message['role'] %}
            {{- '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') + message['content'] | trim + '<end_of_turn>\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<start_of_turn>model\n' }}
        {%- endif %}
        """;

    public const string Phi3 = """
        {%- for message in messages %}
            {{- '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|assistant|>\n' }}
        {%- else %}
            {{- eos_token }}
        {%- endif %}
        """;

    public const string Llama2 = """
        {%- if messages and messages[0]['role'] == 'system' %}
            {%- set system_message = '<<SYS>>\n' + messages[0]['content'] | trim + '\n<</SYS>>\n\n' %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set system_message = '' %}
            {%- set loop_messages = messages %}
        {%- endif %}
        {%- for message in loop_messages %}
            {%- if message['role'] == 'user' %}
                {{- bos_token + '[INST] ' + (system_message if loop.first else '') + message['content'] | trim + ' [/INST]' }}
            {%- elif message['role'] == 'assistant' %}
                {{- ' ' + message['content'] | trim + ' ' + eos_token }}
            {%- endif %}
        {%- endfor %}
        """;

    public const string Plain = """
        {{- bos_token }}
        {%- for message in messages %}
            {{- message['role'] | capitalize + ': ' + message['content'] | trim + '\n\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- 'Assistant:' }}
        {%- endif %}
        """;

    public static readonly IReadOnlyList<string> Families = ["llama3", "chatml", "mistral", "gemma", "phi3", "llama2", "plain"];

    public static string Source(string family) => family.ToLowerInvariant() switch
    {
        "llama3" => Llama3,
        "chatml" or "qwen2" => ChatML,
        "mistral" => Mistral,
        "gemma" => Gemma,
        "phi3" => Phi3,
        "llama2" => Llama2,
        "plain" => Plain,
        _ => throw new TemplateException($"Unknown chat template family '{family}'; the built-in families are {string.Join(", ", Families)}"),
    };

    /// <summary>Guesses the chat format from the vocabulary's control tokens, then from the architecture name.</summary>
    public static string? FamilyFor(string architecture, IReadOnlyCollection<string> vocabTokens)
    {
        var vocab = vocabTokens as IReadOnlySet<string> ?? vocabTokens.ToHashSet(StringComparer.Ordinal);
        if (vocab.Contains("<|eot_id|>") || vocab.Contains("<|start_header_id|>"))
            return "llama3";
        if (vocab.Contains("<|im_start|>"))
            return "chatml";
        if (vocab.Contains("<start_of_turn>"))
            return "gemma";
        if (vocab.Contains("<|user|>") && vocab.Contains("<|assistant|>"))
            return "phi3";
        if (vocab.Contains("[INST]"))
            return "mistral";
        return architecture.ToLowerInvariant() switch
        {
            "qwen" or "qwen2" or "qwen2moe" or "qwen3" or "qwen3moe" => "chatml",
            "gemma" or "gemma2" or "gemma3" => "gemma",
            "phi3" => "phi3",
            // A SentencePiece Llama vocabulary without chat tokens: Llama 2's [INST] format is the best guess.
            "llama" when vocab.Contains("<s>") && vocab.Contains("</s>") => "llama2",
            _ => null,
        };
    }
}

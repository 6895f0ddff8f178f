using Umbra.Inference.Model;
using Umbra.Inference.Templates;

namespace Umbra.Inference.Generation;

/// <summary>Turns chat messages or a plain prompt into the token ids a model expects.</summary>
public static class PromptBuilder
{
    /// <summary>Renders the model's chat template (with the generation prompt) and tokenizes it, special tokens included.</summary>
    public static int[] ForChat(LlamaModel model, IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0) throw new ArgumentException("At least one message is needed.", nameof(messages));
        string text;
        try
        {
            text = model.ChatTemplate.Render(messages, addGenerationPrompt: true, model.BosText, model.EosText);
        }
        catch (TemplateException e) when (e.RaisedByTemplate && messages.Any(m => m.Role == "system"))
        {
            // Some templates (Gemma, early Mistral) refuse a system role; their models expect it in the first user turn.
            text = model.ChatTemplate.Render(FoldSystemIntoFirstUser(messages), addGenerationPrompt: true, model.BosText, model.EosText);
        }
        return Tokenize(model, text, parseSpecial: true);
    }

    /// <summary>Moves system messages into the start of the first user message, separated by a blank line.</summary>
    public static IReadOnlyList<ChatMessage> FoldSystemIntoFirstUser(IReadOnlyList<ChatMessage> messages)
    {
        string system = string.Join("\n\n", messages.Where(m => m.Role == "system").Select(m => m.Content));
        var rest = messages.Where(m => m.Role != "system").ToList();
        int first = rest.FindIndex(m => m.Role == "user");
        if (first < 0) rest.Insert(0, new ChatMessage("user", system));
        else rest[first] = rest[first] with { Content = system + "\n\n" + rest[first].Content };
        return rest;
    }

    /// <summary>Tokenizes a raw completion prompt; special-token text in it is treated as plain text.</summary>
    public static int[] ForCompletion(LlamaModel model, string prompt) => Tokenize(model, prompt, parseSpecial: false);

    private static int[] Tokenize(LlamaModel model, string text, bool parseSpecial)
    {
        var tok = model.Tokenizer;
        // Templates usually write the BOS text themselves; adding another would double it.
        bool templateHasBos = model.BosText.Length > 0 && text.StartsWith(model.BosText, StringComparison.Ordinal) && parseSpecial;
        var ids = tok.Encode(text, addSpecial: false, parseSpecial: parseSpecial);
        if (tok.AddBos && !templateHasBos && tok.BosId >= 0)
            ids = [tok.BosId, .. ids];
        return ids;
    }
}

namespace Umbra.Inference.Generation;

/// <summary>
/// One step of a generation: the text it adds (possibly empty while a multi-byte character or a
/// possible stop sequence is held back), and on the last update why it ended and the token counts.
/// </summary>
public sealed record GenerationUpdate(string Text, FinishReason? Finish, int PromptTokens, int CompletionTokens)
{
    public bool IsFinal => Finish.HasValue;
}

namespace Umbra.Inference.Generation;

/// <summary>
/// Where a sequence's tokens go. Called on the engine's thread, between steps; implementations must be
/// quick and must not block (a blocked sink would hold every other sequence back).
/// </summary>
internal interface ISequenceSink
{
    /// <summary>False while the reader is behind: the sequence sits out steps until it catches up.</summary>
    bool IsReady { get; }

    /// <summary>A generated token (already counted in <paramref name="completionTokens"/>). Returns true when
    /// the sink itself ended the sequence (a stop sequence), having delivered its final update.</summary>
    bool OnToken(int token, int promptTokens, int completionTokens);

    /// <summary>Generation ended for <paramref name="reason"/>.</summary>
    void OnFinished(FinishReason reason, int promptTokens, int completionTokens);

    /// <summary>Generation failed or was cancelled.</summary>
    void OnFailed(Exception error);
}

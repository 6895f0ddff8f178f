namespace Umbra.Coordinator.Hub;

/// <summary>One event of a relayed request; which fields are set depends on <see cref="Kind"/>.</summary>
internal sealed record RelayEvent(RelayEventKind Kind)
{
    /// <summary>For <see cref="RelayEventKind.Chunk"/>: the sealed chunk's JSON exactly as the provider sent it.</summary>
    public ReadOnlyMemory<byte> ChunkJson { get; init; }

    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }

    /// <summary>For <see cref="RelayEventKind.Failed"/>: an OpenAI-style error code.</summary>
    public string? Code { get; init; }

    /// <summary>For <see cref="RelayEventKind.Failed"/>: a message that holds no request content.</summary>
    public string? Message { get; init; }

    /// <summary>For <see cref="RelayEventKind.Complete"/>: the provider's signed receipt, when it sent one.</summary>
    public Protocol.Hub.SignedBlob? Receipt { get; init; }

    public static RelayEvent Chunk(ReadOnlyMemory<byte> json) => new(RelayEventKind.Chunk) { ChunkJson = json };

    public static RelayEvent Complete(int promptTokens, int completionTokens) =>
        new(RelayEventKind.Complete) { PromptTokens = promptTokens, CompletionTokens = completionTokens };

    public static RelayEvent Failed(string code, string message) => new(RelayEventKind.Failed) { Code = code, Message = message };
}

using System.Text.Json;
using Umbra.Protocol.Sealing;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>
/// The way back to the coordinator for one request: its chunks in order, then one terminal message. Calls must
/// not overlap (await each before the next). Sends fail with <see cref="OperationCanceledException"/> once the
/// request is cancelled or its connection is gone.
/// </summary>
public sealed class HubResponseWriter
{
    private const int Open = 0, Finishing = 1, Finished = 2;

    private readonly HubConnection _connection;
    private readonly CancellationToken _requestToken;
    private int _state;
    private volatile bool _contentSent;

    internal HubResponseWriter(HubConnection connection, string handle, CancellationToken requestToken)
    {
        _connection = connection;
        Handle = handle;
        _requestToken = requestToken;
    }

    /// <summary>The coordinator's handle for this request.</summary>
    public string Handle { get; }

    /// <summary>Whether any chunk has gone out (or may have): the coordinator cannot fail over after that.</summary>
    public bool ContentSent => _contentSent;

    /// <summary>Whether the terminal message (complete or error) has been sent.</summary>
    public bool IsFinished => Volatile.Read(ref _state) == Finished;

    /// <summary>Sends one sealed chunk; the coordinator relays its JSON to the client as it is.</summary>
    public async ValueTask WriteChunkAsync(SealedChunk chunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (Volatile.Read(ref _state) != Open)
            throw new InvalidOperationException($"The response for '{Handle}' is already finished; no more chunks can follow.");
        // Counted before the send: a chunk that fails half-way may still have reached the coordinator.
        _contentSent = true;
        using var json = JsonDocument.Parse(chunk.ToUtf8Json());
        await SendAsync(new ChunkMessage { Handle = Handle, Chunk = json.RootElement.Clone() }, cancellationToken);
    }

    public ValueTask CompleteAsync(int promptTokens, int completionTokens, CancellationToken cancellationToken = default) =>
        CompleteAsync(promptTokens, completionTokens, null, cancellationToken);

    /// <summary>Completes the response with the provider's signed <paramref name="receipt"/> for it.</summary>
    public ValueTask CompleteAsync(int promptTokens, int completionTokens, SignedBlob? receipt, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(completionTokens);
        return FinishAsync(new CompleteMessage { Handle = Handle, PromptTokens = promptTokens, CompletionTokens = completionTokens, Receipt = receipt }, cancellationToken);
    }

    /// <summary>Fails the request with an OpenAI-style error code; <paramref name="message"/> must hold no request content.</summary>
    public ValueTask FailAsync(string code, string message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        ArgumentNullException.ThrowIfNull(message);
        return FinishAsync(ErrorFor(code, message), cancellationToken);
    }

    /// <summary>The client's own terminal message when the handler left none; never throws.</summary>
    internal async ValueTask TryFailAsync(string code, string message)
    {
        if (Interlocked.CompareExchange(ref _state, Finishing, Open) != Open)
            return;
        try
        {
            // Not under the request's token: it may be cancelled (a drain timeout) while the connection still works.
            await _connection.SendAsync(ErrorFor(code, message), CancellationToken.None);
            Volatile.Write(ref _state, Finished);
        }
        catch (OperationCanceledException)
        {
            Volatile.Write(ref _state, Open);
        }
    }

    private ErrorMessage ErrorFor(string code, string message) =>
        new() { Handle = Handle, Code = code, Message = message, ContentSent = _contentSent };

    private async ValueTask FinishAsync(HubMessage terminal, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Finishing, Open) != Open)
            throw new InvalidOperationException($"The response for '{Handle}' is already finished.");
        try
        {
            await SendAsync(terminal, cancellationToken);
            Volatile.Write(ref _state, Finished);
        }
        catch
        {
            // Not delivered: leave the response open so the client can still report the request's fate.
            Volatile.Write(ref _state, Open);
            throw;
        }
    }

    private async ValueTask SendAsync(HubMessage message, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            await _connection.SendAsync(message, _requestToken);
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_requestToken, cancellationToken);
        await _connection.SendAsync(message, linked.Token);
    }
}

using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;

namespace Umbra.Provider.Tests.Hub.Support;

/// <summary>A request handler written inline by each test.</summary>
internal sealed class DelegateHandler(Func<RequestMessage, HubResponseWriter, CancellationToken, Task> handle) : IHubRequestHandler
{
    /// <summary>Answers every request with three chunks (seq 0..2, the last final) and a completion.</summary>
    public static DelegateHandler ThreeChunks { get; } = new(WriteThreeChunksAsync);

    public Task HandleAsync(RequestMessage request, HubResponseWriter response, CancellationToken cancellationToken) =>
        handle(request, response, cancellationToken);

    public static async Task WriteThreeChunksAsync(RequestMessage request, HubResponseWriter response, CancellationToken cancellationToken)
    {
        for (var seq = 0; seq < 3; seq++)
        {
            await response.WriteChunkAsync(TestChunks.Make(seq, seq == 2, $"ct-{request.Handle}-{seq}"), cancellationToken);
            await Task.Yield();
        }
        await response.CompleteAsync(promptTokens: 11, completionTokens: 3, cancellationToken);
    }
}

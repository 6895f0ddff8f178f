using System.Security.Cryptography;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Hub;

namespace Umbra.Provider.Engine;

/// <summary>Seals each OpenAI payload as its own chunk and sends it at once, so a stream stays live end to end.</summary>
internal sealed class SealedResponse(HubResponseWriter writer, ResponseSealer sealer)
{
    public HubResponseWriter Writer => writer;

    /// <summary>Chunks sealed so far.</summary>
    public ulong Chunks => sealer.NextSequence;

    /// <summary>Seals and sends <paramref name="payload"/>, then wipes it (it is plaintext response content).</summary>
    public async ValueTask SendAsync(byte[] payload, bool final, CancellationToken cancellationToken)
    {
        SealedChunk chunk;
        try
        {
            chunk = sealer.Seal(payload, final);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
        await writer.WriteChunkAsync(chunk, cancellationToken).ConfigureAwait(false);
    }
}

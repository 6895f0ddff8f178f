using System.Text;
using System.Text.Json;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Engine;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Engine.Support;

/// <summary>
/// A provider (hub client plus a sealed-request handler) registered with a stand-in hub, and a client's side:
/// seal a request to the provider's keys, deliver it as a hub <c>request</c>, and open what comes back.
/// </summary>
internal sealed class ProviderHarness : IAsyncDisposable
{
    private ProviderHarness(StandInHub hub, HubClientHarness client, StandInHubConnection connection, InferenceKeyring keyring, CapturingLogger handlerLog)
    {
        Hub = hub;
        Client = client;
        Connection = connection;
        Keyring = keyring;
        HandlerLog = handlerLog;
    }

    public StandInHub Hub { get; }

    public HubClientHarness Client { get; }

    public StandInHubConnection Connection { get; }

    public InferenceKeyring Keyring { get; }

    public CapturingLogger HandlerLog { get; }

    /// <summary>Everything logged by the hub client and the handler.</summary>
    public IEnumerable<string> AllLogText => Client.Log.Entries.Concat(HandlerLog.Entries).Select(e => e.Text);

    public static async Task<ProviderHarness> StartAsync(Func<InferenceKeyring, CapturingLogger, SealedRequestHandler> handlerFor, IReadOnlyList<ModelOffer> offers)
    {
        var keyring = InferenceKeyring.Generate();
        var log = new CapturingLogger();
        var handler = handlerFor(keyring, log);
        var hub = await StandInHub.StartAsync();
        var client = HubClientHarness.Start(hub.Uri, handler, o =>
        {
            o.Keys = keyring.Infos;
            o.Models = offers;
        });
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await client.WaitForStateAsync(HubConnectionState.Connected);
        return new ProviderHarness(hub, client, connection, keyring, log);
    }

    public static SealedRequest Seal(string body, string endpoint, string model, int? maxTokens, bool stream, IReadOnlyList<HpkePublicKey> to) =>
        RequestSealer.Seal(Encoding.UTF8.GetBytes(body), RequestMetadata.Create(endpoint, model, maxTokens, stream), to);

    public SealedRequest Seal(string body, string endpoint, string model, int? maxTokens, bool stream) =>
        Seal(body, endpoint, model, maxTokens, stream, Keyring.PublicKeys);

    public Task SendAsync(string handle, SealedRequestEnvelope envelope) =>
        Connection.SendAsync(new RequestMessage { Handle = handle, Envelope = JsonDocument.Parse(envelope.ToUtf8Json()).RootElement.Clone() });

    /// <summary>Reads the hub messages for one request until its terminal message, opening every chunk.</summary>
    public async Task<ResponseRecord> ReadResponseAsync(PendingResponse pending)
    {
        using var opener = pending.CreateOpener();
        var chunks = new List<SealedChunk>();
        var payloads = new List<string>();
        while (true)
        {
            switch (await Connection.ReceiveAsync())
            {
                case ChunkMessage chunk:
                    var sealedChunk = TestChunks.Read(chunk.Chunk);
                    chunks.Add(sealedChunk);
                    payloads.Add(Encoding.UTF8.GetString(opener.Open(sealedChunk)));
                    break;
                case CompleteMessage complete:
                    opener.EnsureComplete();
                    return new ResponseRecord(chunks, payloads, complete, null);
                case ErrorMessage error:
                    return new ResponseRecord(chunks, payloads, null, error);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Hub.DisposeAsync();
        Keyring.Dispose();
    }
}

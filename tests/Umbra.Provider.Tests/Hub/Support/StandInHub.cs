using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Umbra.Provider.Tests.Hub.Support;

/// <summary>
/// A stand-in for the coordinator's provider hub, which the network issue builds next: a real Kestrel host on
/// 127.0.0.1 that accepts provider WebSockets on /v1/providers/connect and speaks the same HubCodec. It has no
/// logic of its own: each connection is handed to the test, which plays the coordinator's side by hand.
/// </summary>
internal sealed class StandInHub : IAsyncDisposable
{
    public const string Path = "/v1/providers/connect";

    private readonly WebApplication _app;
    private readonly Channel<StandInHubConnection> _connections = Channel.CreateUnbounded<StandInHubConnection>();
    private readonly ConcurrentQueue<StandInHubConnection> _all = new();
    private bool _stopped;

    private StandInHub(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public Uri Uri => new($"ws://127.0.0.1:{Port}{Path}");

    /// <summary>Starts a hub on <paramref name="port"/>; 0 picks a free one, a known one restarts a stopped hub there.</summary>
    public static async Task<StandInHub> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var hub = new StandInHub(app);
        app.UseWebSockets();
        app.Map(Path, (RequestDelegate)hub.AcceptAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        hub.Port = new Uri(address).Port;
        return hub;
    }

    /// <summary>The next provider connection, in the order they arrived.</summary>
    public async Task<StandInHubConnection> NextConnectionAsync() =>
        await _connections.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Signal);

    public bool TryNextConnection(out StandInHubConnection? connection) => _connections.Reader.TryRead(out connection);

    /// <summary>Stops like a crashed or restarted coordinator: connections cut without a close, then the host stops.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        foreach (var connection in _all)
            connection.Abort();
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new StandInHubConnection(socket, context);
        _all.Enqueue(connection);
        _connections.Writer.TryWrite(connection);
        try
        {
            await connection.ReceiveLoopAsync();
        }
        finally
        {
            connection.EndRequest();
        }
    }
}

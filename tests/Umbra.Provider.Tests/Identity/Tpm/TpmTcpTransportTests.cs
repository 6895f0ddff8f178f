using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Umbra.Provider.Identity.Tpm;

namespace Umbra.Provider.Tests.Identity.Tpm;

/// <summary>The swtpm socket transport against a stand-in server that misbehaves: bounded reads, timeouts, cancellation.</summary>
public class TpmTcpTransportTests
{
    private static readonly byte[] Command = [0x80, 0x01, 0x00, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x01, 0x7B, 0x00, 0x08];

    [Fact]
    public async Task A_response_claiming_more_than_the_limit_is_refused_without_reading_it()
    {
        using var server = await StandInServer.StartAsync([0x80, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
        using var transport = TpmTcpTransport.Connect(server.Endpoint, TimeSpan.FromSeconds(5), CancellationToken.None);

        var e = Assert.Throws<TpmException>(() => transport.Transmit(Command, "TPM2_GetRandom", CancellationToken.None));

        Assert.Contains("1048576", e.Message);
        Assert.Equal("TPM2_GetRandom", e.CommandName);
    }

    [Fact]
    public async Task A_response_that_stops_half_way_times_out()
    {
        using var server = await StandInServer.StartAsync([0x80, 0x01, 0x00, 0x00]);
        using var transport = TpmTcpTransport.Connect(server.Endpoint, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        var watch = Stopwatch.StartNew();

        var e = Assert.Throws<TpmException>(() => transport.Transmit(Command, "TPM2_GetRandom", CancellationToken.None));

        Assert.Contains("did not answer", e.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        // The connection is out of step now: later commands are refused rather than misread.
        Assert.Throws<TpmException>(() => transport.Transmit(Command, "TPM2_GetRandom", CancellationToken.None));
    }

    [Fact]
    public async Task A_wait_is_cancelled_by_the_token()
    {
        using var server = await StandInServer.StartAsync([]);
        using var transport = TpmTcpTransport.Connect(server.Endpoint, TimeSpan.FromMinutes(5), CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.ThrowsAny<OperationCanceledException>(() => transport.Transmit(Command, "TPM2_GetRandom", cancel.Token));
    }

    [Fact]
    public async Task A_connection_closed_mid_response_is_a_TpmException()
    {
        using var server = await StandInServer.StartAsync([0x80, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00], closeAfter: true);
        using var transport = TpmTcpTransport.Connect(server.Endpoint, TimeSpan.FromSeconds(5), CancellationToken.None);

        var e = Assert.Throws<TpmException>(() => transport.Transmit(Command, "TPM2_GetRandom", CancellationToken.None));

        Assert.Contains("closed the connection", e.Message);
    }

    [Fact]
    public void Nothing_listening_is_a_TpmException()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var e = Assert.Throws<TpmException>(() => TpmTcpTransport.Connect($"127.0.0.1:{port}", TimeSpan.FromSeconds(5), CancellationToken.None));

        Assert.Contains("swtpm", e.Message);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData(":2321")]
    public void A_malformed_endpoint_is_refused(string endpoint) =>
        Assert.Throws<ArgumentException>(() => TpmTcpTransport.ParseEndpoint(endpoint));

    /// <summary>Accepts one connection, reads a command, answers with fixed bytes, then holds or closes the connection.</summary>
    private sealed class StandInServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly Task _serving;
        private readonly CancellationTokenSource _stop = new();

        private StandInServer(TcpListener listener, byte[] answer, bool closeAfter)
        {
            _listener = listener;
            _serving = ServeAsync(answer, closeAfter);
        }

        public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public static Task<StandInServer> StartAsync(byte[] answer, bool closeAfter = false)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return Task.FromResult(new StandInServer(listener, answer, closeAfter));
        }

        private async Task ServeAsync(byte[] answer, bool closeAfter)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var buffer = new byte[64];
                await stream.ReadAtLeastAsync(buffer, Command.Length, cancellationToken: _stop.Token);
                await stream.WriteAsync(answer, _stop.Token);
                if (!closeAfter)
                    await Task.Delay(Timeout.Infinite, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            try
            {
                _serving.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }
        }
    }
}

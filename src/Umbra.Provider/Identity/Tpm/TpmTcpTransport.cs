using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// swtpm's server socket (swtpm socket --tpm2 --server type=tcp,port=P): the data connection carries raw TPM
/// commands and responses with no framing of its own, so a response is read as its 10-byte header and then
/// the rest of the size the header states. (This is not the Microsoft simulator's framed protocol.) Every
/// wait is sliced so that both the timeout and the cancellation token are honoured.
/// </summary>
internal sealed class TpmTcpTransport : ITpmTransport
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(50);

    private readonly Socket _socket;
    private readonly TimeSpan _timeout;
    private readonly string _endpoint;
    private bool _broken;

    private TpmTcpTransport(Socket socket, TimeSpan timeout, string endpoint)
    {
        _socket = socket;
        _timeout = timeout;
        _endpoint = endpoint;
    }

    /// <summary>Connects to <paramref name="endpoint"/> ("host:port").</summary>
    public static TpmTcpTransport Connect(string endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (host, port) = ParseEndpoint(endpoint);
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(host, out var literal)
                ? literal
                : Dns.GetHostAddresses(host).FirstOrDefault()
                  ?? throw new TpmException($"The swtpm host '{host}' has no address.", "connect");
        }
        catch (SocketException e)
        {
            throw new TpmException($"Cannot resolve the swtpm host '{host}': {e.SocketErrorCode}.", "connect", inner: e);
        }
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Blocking = false;
            try
            {
                socket.Connect(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
            }
            var deadline = DateTime.UtcNow + timeout;
            while (!socket.Poll(PollSlice, SelectMode.SelectWrite))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (DateTime.UtcNow > deadline)
                    throw new TpmException($"Connecting to swtpm at {endpoint} timed out after {timeout.TotalSeconds:0.#} s.", "connect");
            }
            var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != SocketError.Success)
                throw new TpmException($"Cannot connect to swtpm at {endpoint}: {error}. Is swtpm running with --server type=tcp,port={port}?", "connect");
            socket.Blocking = true;
            return new TpmTcpTransport(socket, timeout, endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"'{endpoint}' is not host:port (e.g. 127.0.0.1:2321).", nameof(endpoint));
        string host = endpoint[..colon].Trim('[', ']');
        return (host, port);
    }

    public byte[] Transmit(ReadOnlySpan<byte> command, string commandName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_broken)
            throw new TpmException($"{commandName}: the connection to swtpm at {_endpoint} was abandoned after an earlier failure.", commandName);
        var deadline = DateTime.UtcNow + _timeout;
        try
        {
            int sent = 0;
            while (sent < command.Length)
            {
                Wait(SelectMode.SelectWrite, deadline, commandName, cancellationToken);
                sent += _socket.Send(command[sent..]);
            }
            var header = new byte[TpmTransportLimits.HeaderSize];
            ReadExactly(header, deadline, commandName, cancellationToken);
            uint size = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2));
            if (size < TpmTransportLimits.HeaderSize || size > TpmTransportLimits.MaxResponseSize)
                throw TpmException.Malformed(commandName, $"its header states a size of {size} bytes (allowed: {TpmTransportLimits.HeaderSize} to {TpmTransportLimits.MaxResponseSize})");
            var response = new byte[size];
            header.CopyTo(response, 0);
            ReadExactly(response.AsSpan(TpmTransportLimits.HeaderSize), deadline, commandName, cancellationToken);
            return response;
        }
        catch (Exception e)
        {
            // A half-read response would desynchronise every later command: this connection is done.
            _broken = true;
            if (e is SocketException socketError)
                throw new TpmException($"{commandName}: the connection to swtpm at {_endpoint} failed: {socketError.SocketErrorCode}.", commandName, inner: e);
            throw;
        }
    }

    private void ReadExactly(Span<byte> buffer, DateTime deadline, string commandName, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            Wait(SelectMode.SelectRead, deadline, commandName, cancellationToken);
            int read = _socket.Receive(buffer[filled..]);
            if (read == 0)
                throw TpmException.Malformed(commandName, $"swtpm closed the connection after {filled} of {buffer.Length} bytes");
            filled += read;
        }
    }

    private void Wait(SelectMode mode, DateTime deadline, string commandName, CancellationToken cancellationToken)
    {
        while (!_socket.Poll(PollSlice, mode))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
                throw new TpmException($"{commandName}: swtpm at {_endpoint} did not answer within {_timeout.TotalSeconds:0.#} s.", commandName);
        }
    }

    public void Dispose() => _socket.Dispose();
}

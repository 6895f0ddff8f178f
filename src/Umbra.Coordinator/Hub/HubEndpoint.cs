using System.Buffers;
using System.Buffers.Text;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hosting;
using Umbra.Coordinator.Routing;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Hub;

/// <summary>
/// Serves one provider connection: waits for <c>register</c>, answers <c>registered</c>, then dispatches
/// heartbeats, chunks and endings until the socket closes, and then fails whatever was in flight on it.
/// </summary>
internal sealed class HubEndpoint(ProviderRegistry registry, CoordinatorOptions options, Attestation.ProviderChallenger challenger, TimeProvider time, ILogger<HubEndpoint> logger)
{
    public async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var connectionId = "c_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        ProviderSession? session = null;
        try
        {
            var register = await AwaitRegisterAsync(socket, buffer, connectionId, cancellationToken);
            if (register == null)
                return;
            var keys = AcceptKeys(register);
            session = new ProviderSession(connectionId, register, keys, socket, time, logger);
            // Routable before the provider hears it is registered, so anything it does next finds it in place.
            registry.Add(session);
            await session.SendAsync(new RegisteredMessage
            {
                AcceptedKeyIds = [.. keys.Select(k => k.KeyId)],
                HeartbeatSeconds = (int)Math.Ceiling(options.HeartbeatInterval.TotalSeconds),
            }, cancellationToken);
            HubLog.Registered(logger, session.ProviderId, connectionId, session.Models.Count, keys.Count, register.Keys.Count);
            // Challenged at once and then periodically; until a challenge passes the provider is not routed to
            // (unless the operator's minimum trust level is none).
            using var challenges = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var challengeLoop = challenger.RunAsync(session, challenges.Token);
            try
            {
                await ServeAsync(socket, buffer, session, cancellationToken);
            }
            finally
            {
                await challenges.CancelAsync();
                await challengeLoop;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            var errorType = e.GetType().Name;
            HubLog.SocketFailed(logger, connectionId, errorType);
        }
        finally
        {
            if (session != null)
            {
                registry.Remove(session);
                var failed = session.FailAll("provider_disconnected", "The provider serving this request disconnected before finishing it.");
                HubLog.Left(logger, session.ProviderId, connectionId, failed);
                session.Dispose();
            }
        }
    }

    private async Task<RegisterMessage?> AwaitRegisterAsync(WebSocket socket, ArrayBufferWriter<byte> buffer, string connectionId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RegistrationTimeout);
        try
        {
            while (true)
            {
                var frame = await HubFrames.ReadAsync(socket, buffer, timeout.Token);
                if (frame == null)
                    return null;
                if (TryRead(frame.Value, connectionId) is RegisterMessage register && register.ProviderId.Length > 0)
                {
                    if (RegisterLimits.Problem(register) is { } problem)
                    {
                        HubLog.IgnoredFrame(logger, connectionId, problem);
                        await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, problem, CancellationToken.None);
                        return null;
                    }
                    return register;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            HubLog.RegistrationTimedOut(logger, connectionId, options.RegistrationTimeout);
            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "no register", CancellationToken.None);
            return null;
        }
    }

    private async Task ServeAsync(WebSocket socket, ArrayBufferWriter<byte> buffer, ProviderSession session, CancellationToken cancellationToken)
    {
        while (true)
        {
            var frame = await HubFrames.ReadAsync(socket, buffer, cancellationToken);
            if (frame == null)
            {
                if (socket.State == WebSocketState.CloseReceived)
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                return;
            }
            session.Touch();
            if (TryRead(frame.Value, session.ConnectionId) is { } message)
                session.Dispatch(message);
        }
    }

    private HubMessage? TryRead(ReadOnlyMemory<byte> frame, string connectionId)
    {
        if (frame.IsEmpty)
        {
            HubLog.IgnoredFrame(logger, connectionId, "binary or oversized");
            return null;
        }
        try
        {
            var message = HubCodec.Read(frame.Span);
            if (message.IsUnknown)
            {
                HubLog.UnknownMessage(logger, connectionId);
                return null;
            }
            return message;
        }
        catch (HubProtocolException)
        {
            // The exception's text may quote the frame; only the fact is logged.
            HubLog.IgnoredFrame(logger, connectionId, "malformed");
            return null;
        }
    }

    /// <summary>The keys clients can seal to: a valid P-256 point whose id is the one announced, in a known suite.</summary>
    private List<ProviderKey> AcceptKeys(RegisterMessage register)
    {
        var accepted = new List<ProviderKey>();
        foreach (var offered in register.Keys)
        {
            string? problem = null;
            HpkePublicKey? key = null;
            byte[]? point = null;
            try
            {
                point = Base64Url.DecodeFromChars(offered.PublicKey);
            }
            catch (FormatException)
            {
                problem = "public_key is not base64url";
            }
            if (point != null && !HpkePublicKey.TryImport(point, out key))
                problem = "public_key is not a P-256 point";
            else if (key != null && !string.Equals(key.KeyId, offered.KeyId, StringComparison.Ordinal))
                problem = "key_id does not match the public key";
            if (!SealingSuites.TryGetSuite(offered.Suite, out var suite))
                problem ??= "unknown suite";
            if (problem != null || key == null || suite == null)
            {
                HubLog.KeyRefused(logger, register.ProviderId, offered.KeyId, problem ?? "invalid");
                continue;
            }
            if (accepted.Exists(k => k.KeyId == key.KeyId))
                continue;
            accepted.Add(new ProviderKey(key.KeyId, Base64Url.EncodeToString(key.Export()), offered.Suite, key, suite));
        }
        return accepted;
    }
}

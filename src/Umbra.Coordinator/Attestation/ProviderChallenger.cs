using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hosting;
using Umbra.Coordinator.Hub;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Attestation;

/// <summary>
/// Challenges one provider with a fresh nonce at registration and then every <see cref="CoordinatorOptions.ChallengeInterval"/>
/// (sooner when it announces a change). The answer must arrive within the deadline, verify, name the same
/// provider, earn at least the operator's minimum trust level, and show a posture no worse than the one it
/// started with; otherwise the provider leaves routing until a later challenge passes.
/// </summary>
internal sealed class ProviderChallenger(CoordinatorOptions options, TimeProvider time, ILogger<ProviderChallenger> logger)
{
    public const int NonceBytes = 32;

    public async Task RunAsync(ProviderSession session, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await ChallengeOnceAsync(session, cancellationToken);
                await session.Trust.WaitForNextAsync(options.ChallengeInterval, time, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or System.Net.WebSockets.WebSocketException or InvalidOperationException)
        {
            // The connection ended; its session goes with it.
        }
    }

    public async Task ChallengeOnceAsync(ProviderSession session, CancellationToken cancellationToken)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var answer = session.Trust.Begin(nonce);
        var started = time.GetTimestamp();
        await session.SendAsync(new ChallengeMessage
        {
            Nonce = Base64Url.EncodeToString(nonce),
            DeadlineSeconds = (int)Math.Ceiling(options.ChallengeDeadline.TotalSeconds),
        }, cancellationToken);
        SignedBlob bundle;
        try
        {
            bundle = await answer.WaitAsync(options.ChallengeDeadline, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            Record(session, false, $"no answer within {options.ChallengeDeadline.TotalSeconds:0} s", started);
            return;
        }
        var roundTrip = time.GetElapsedTime(started).TotalMilliseconds;
        var result = BundleCheck.Verify(bundle, options.VerificationPolicy(time, nonce));
        var trust = session.Trust;
        string? problem = null;
        if (!result.Valid || result.Claims == null)
            problem = result.FailureReason ?? "the bundle did not verify";
        else if (!string.Equals(result.Claims.ProviderId, session.ProviderId, StringComparison.Ordinal))
            problem = $"the bundle is for provider '{result.Claims.ProviderId}', not this connection's";
        else if (result.TrustLevel < options.MinimumTrust)
            problem = $"trust level {result.TrustLevel.ToWireName()} is below this coordinator's minimum, {options.MinimumTrust.ToWireName()}";
        else if (trust.Baseline is { } baseline && result.Claims.Posture.IsWorseThan(baseline))
            problem = "the posture got worse: " + string.Join(", ", result.Claims.Posture.WorseItems(baseline));
        if (problem != null)
        {
            Record(session, false, problem, started);
            return;
        }
        var claims = result.Claims!;
        var level = result.TrustLevel.ToWireName();
        session.ReplaceKeys(claims.InferenceKeys);
        trust.Pass(bundle, result.Hash, result.TrustLevel, claims, result.EvidenceKind,
            new ChallengeRecord(time.GetUtcNow(), true, $"verified at {level}", roundTrip));
        AttestationLog.ChallengePassed(logger, session.ProviderId, level, roundTrip);
    }

    private void Record(ProviderSession session, bool passed, string detail, long started)
    {
        var roundTrip = time.GetElapsedTime(started).TotalMilliseconds;
        session.Trust.Fail(new ChallengeRecord(time.GetUtcNow(), passed, detail, roundTrip));
        AttestationLog.ChallengeFailed(logger, session.ProviderId, detail);
    }
}

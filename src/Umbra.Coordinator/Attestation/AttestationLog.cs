using Microsoft.Extensions.Logging;

namespace Umbra.Coordinator.Attestation;

internal static partial class AttestationLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Provider {ProviderId} passed its challenge at trust level {TrustLevel} ({RoundTripMs:0.0} ms)")]
    public static partial void ChallengePassed(ILogger logger, string providerId, string trustLevel, double roundTripMs);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Provider {ProviderId} failed its challenge and is out of routing: {Reason}")]
    public static partial void ChallengeFailed(ILogger logger, string providerId, string reason);
}

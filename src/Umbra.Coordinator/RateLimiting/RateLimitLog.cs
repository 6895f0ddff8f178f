using Microsoft.Extensions.Logging;

namespace Umbra.Coordinator.RateLimiting;

internal static partial class RateLimitLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Dropped {Dropped} idle rate-limit buckets; {Remaining} remain")]
    public static partial void Swept(ILogger logger, int dropped, int remaining);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "More than {MaxTracked} keys are active: reset the {Count} longest-idle rate-limit buckets; consider raising RateLimit:MaxTrackedKeys")]
    public static partial void EvictedActive(ILogger logger, int count, int maxTracked);
}

namespace Umbra.Coordinator.Hosting;

/// <summary>Every rule <see cref="CoordinatorOptions"/> must meet, each broken one as a sentence the operator can act on.</summary>
internal static class CoordinatorOptionsValidator
{
    /// <summary>The smallest body limit that still fits an ordinary chat request.</summary>
    public const int MinBodyBytes = 1024;

    public static List<string> Problems(CoordinatorOptions options)
    {
        var problems = new List<string>();
        if (options.Address is null)
            problems.Add("Address is required.");
        if (options.Port is < 0 or > 65535)
            problems.Add($"Port must be 0 to 65535; got {options.Port}.");
        if (!(options.RateLimitPerSecond > 0) || double.IsInfinity(options.RateLimitPerSecond))
            problems.Add($"RateLimitPerSecond must be a positive number; got {options.RateLimitPerSecond}.");
        if (options.RateLimitBurst < 1)
            problems.Add($"RateLimitBurst must be at least 1; got {options.RateLimitBurst}.");
        if (options.ChallengeInterval <= TimeSpan.Zero || options.ChallengeInterval > TimeSpan.FromDays(1))
            problems.Add($"ChallengeInterval must be positive and at most a day; got {options.ChallengeInterval}.");
        if (options.ChallengeDeadline <= TimeSpan.Zero || options.ChallengeDeadline > TimeSpan.FromMinutes(10))
            problems.Add($"ChallengeDeadline must be positive and at most 10 minutes; got {options.ChallengeDeadline}.");
        if (!Enum.IsDefined(options.MinimumTrust))
            problems.Add($"MinimumTrust {(int)options.MinimumTrust} is not a trust level.");
        if (options.MaxRequestBodyBytes is < MinBodyBytes or > Protocol.Sealing.SealedRequestEnvelope.MaxSize)
            problems.Add($"MaxRequestBodyBytes must be {MinBodyBytes} to {Protocol.Sealing.SealedRequestEnvelope.MaxSize}; got {options.MaxRequestBodyBytes}.");
        if (options.HeartbeatInterval < TimeSpan.FromSeconds(1) || options.HeartbeatInterval > TimeSpan.FromHours(1))
            problems.Add($"HeartbeatInterval must be 1 s to 1 h; got {options.HeartbeatInterval}.");
        if (options.ProviderTimeout <= options.HeartbeatInterval || options.ProviderTimeout > TimeSpan.FromDays(1))
            problems.Add($"ProviderTimeout must be longer than HeartbeatInterval and at most a day; got {options.ProviderTimeout}.");
        if (options.RegistrationTimeout <= TimeSpan.Zero || options.RegistrationTimeout > TimeSpan.FromHours(1))
            problems.Add($"RegistrationTimeout must be positive and at most an hour; got {options.RegistrationTimeout}.");
        if (options.FirstEventTimeout <= TimeSpan.Zero || options.IdleEventTimeout <= TimeSpan.Zero)
            problems.Add("FirstEventTimeout and IdleEventTimeout must be positive.");
        if (options.SpeculativeAfter < TimeSpan.Zero || options.SpeculativeAfter > TimeSpan.FromHours(1))
            problems.Add($"SpeculativeAfter must be zero (off) or positive and at most an hour; got {options.SpeculativeAfter}.");
        if (options.QueueTimeout <= TimeSpan.Zero || options.QueueTimeout > TimeSpan.FromHours(1))
            problems.Add($"QueueTimeout must be positive and at most an hour; got {options.QueueTimeout}.");
        if (options.MaxQueuedPerModel is < 1 or > 1_000_000)
            problems.Add($"MaxQueuedPerModel must be 1 to 1000000; got {options.MaxQueuedPerModel}.");
        if (options.ProviderToken is { Length: > 0 and < 16 })
            problems.Add("ProviderToken must be at least 16 characters.");
        if (options.Address is not null && !System.Net.IPAddress.IsLoopback(options.Address) && string.IsNullOrEmpty(options.ProviderToken))
            problems.Add("A coordinator listening beyond loopback needs a ProviderToken (--provider-token): without one, anyone who reaches the hub could register as a provider and be sent prompts.");
        if (options.AdminToken is { Length: > 0 and < 16 })
            problems.Add("AdminToken must be at least 16 characters, or empty to turn the admin API off.");
        return problems;
    }
}

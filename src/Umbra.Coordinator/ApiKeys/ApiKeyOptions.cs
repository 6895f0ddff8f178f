namespace Umbra.Coordinator.ApiKeys;

/// <summary>Bound from the "ApiKeys" configuration section.</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    /// <summary>
    /// How stale a key's last-used time may get: it is written at most once per this interval per key, so
    /// that authenticating a busy key does not write to the database on every request. Zero: every time.
    /// </summary>
    public TimeSpan LastUsedPrecision { get; set; } = TimeSpan.FromMinutes(1);

    public const int MaxNameLength = 200;
    public const int MaxOwnerLength = 200;
}

namespace Umbra.Protocol.Attestation;

internal static class AttestationTime
{
    private static readonly long MinMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>The instant, or null when the wire value lies outside what <see cref="DateTimeOffset"/> can hold.</summary>
    public static DateTimeOffset? FromUnixMs(long ms) =>
        ms >= MinMs && ms <= MaxMs ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}

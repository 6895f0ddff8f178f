namespace Umbra.Provider.Tests.Hub.Support;

internal static class TestTimeouts
{
    /// <summary>The longest any single awaited event may take; real waits are milliseconds on loopback.</summary>
    public static readonly TimeSpan Signal = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound for a whole test, in milliseconds, for [Fact(Timeout = ...)].</summary>
    public const int Test = 60_000;
}

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>Generous limits that only matter when something hangs: a test fails instead of waiting forever.</summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Request = TimeSpan.FromSeconds(30);
}

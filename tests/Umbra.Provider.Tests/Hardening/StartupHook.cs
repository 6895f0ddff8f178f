#pragma warning disable CA1050 // The runtime looks the startup hook type up by this exact name, outside any namespace.

/// <summary>
/// Makes the test assembly a valid DOTNET_STARTUP_HOOKS target, so a child can be started with a real hook
/// set and the test can show the re-executed image no longer has it.
/// </summary>
internal static class StartupHook
{
    public static void Initialize() => Console.Error.WriteLine("startup hook ran");
}

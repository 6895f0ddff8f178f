namespace Umbra.Provider.Hardening;

/// <summary>Why <see cref="ProcessHardening.ReexecIfNeeded"/> returned (when it re-executes, it does not return).</summary>
public enum ReexecStatus
{
    /// <summary>No dangerous variable and DOTNET_EnableDiagnostics=0 already: nothing to do.</summary>
    NotNeeded,
    /// <summary>This image is the re-executed one (the marker names this pid); it never re-executes twice.</summary>
    AlreadyReexecuted,
    /// <summary>Not Linux or macOS: the environment is reported as it is.</summary>
    Unsupported,
    /// <summary>execve failed or the command line could not be rebuilt; the process continues as it is.</summary>
    Failed,
}

/// <summary>The result of <see cref="ProcessHardening.ReexecIfNeeded"/>: what was found and why the process continued.</summary>
/// <param name="DangerousVariables">Dangerous names in this image's environment (names only, never values).</param>
public sealed record ReexecOutcome(ReexecStatus Status, IReadOnlyList<string> DangerousVariables, string Detail)
{
    public override string ToString() =>
        DangerousVariables.Count == 0 ? $"{Status}: {Detail}" : $"{Status}: {Detail} (dangerous: {string.Join(", ", DangerousVariables)})";
}

using System.CommandLine;

namespace Umbra.Cli.Commands;

/// <summary>The options that say where the coordinator's state lives, shared by `coordinator`, `keys` and `up`.</summary>
internal static class StoreArguments
{
    public static Option<DirectoryInfo?> DataDirectory() =>
        new("--data-dir") { Description = "Where the coordinator keeps its SQLite database (default ~/.umbra)" };

    public static Option<string?> ConnectionString() =>
        new("--connection-string") { Description = "A PostgreSQL connection string (Host=...) or postgres:// URL instead of SQLite (default: UMBRA_STORE)" };
}

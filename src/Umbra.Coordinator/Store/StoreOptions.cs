namespace Umbra.Coordinator.Store;

/// <summary>Where the coordinator keeps its state; bound from the "Store" configuration section.</summary>
public sealed class StoreOptions
{
    public const string SectionName = "Store";

    /// <summary>
    /// Which database to use. A string starting with <c>Host=</c> (an Npgsql connection string) or a
    /// <c>postgres://</c> URL selects PostgreSQL. Anything else selects SQLite: a file path, or a
    /// <c>Data Source=</c> connection string. Empty: <c>coordinator.db</c> in <see cref="DataDirectory"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Holds the default SQLite file; created when missing.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    public static string DefaultDataDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".umbra");

    public const string DefaultSqliteFileName = "coordinator.db";
}

namespace Umbra.Coordinator.Store.Sqlite;

/// <summary>Loads the bundled native SQLite (e_sqlite3) once per process, before the first connection.</summary>
internal static class SqliteRuntime
{
    static SqliteRuntime() => SQLitePCL.Batteries_V2.Init();

    /// <summary>Does nothing itself: calling it runs the static constructor exactly once, thread-safely.</summary>
    public static void EnsureInitialized()
    {
    }
}

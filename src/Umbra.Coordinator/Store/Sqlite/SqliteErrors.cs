using Microsoft.Data.Sqlite;

namespace Umbra.Coordinator.Store.Sqlite;

/// <summary>Turns SQLite result codes into messages that say what is wrong with the file and what to do.</summary>
internal static class SqliteErrors
{
    public static StoreException Describe(string path, string operation, SqliteException error)
    {
        // Primary result codes from https://www.sqlite.org/rescode.html.
        var problem = error.SqliteErrorCode switch
        {
            26 => "is not a SQLite database (the file is corrupt, encrypted, or some other kind of file); move it aside or point Store:ConnectionString elsewhere",
            11 => "is corrupt; restore it from a backup or move it aside",
            14 => "cannot be opened; check that its directory exists and is writable",
            8 => "is read-only; the coordinator needs to write to it and to its directory (for the -wal and -shm files)",
            5 or 6 => "stayed locked by another process for longer than the busy timeout",
            13 => "cannot grow: the disk is full",
            10 => "hit an I/O error",
            _ => "reported an error",
        };
        return new StoreException($"The SQLite store '{path}' {problem} (while {operation}: {error.Message})", error);
    }
}

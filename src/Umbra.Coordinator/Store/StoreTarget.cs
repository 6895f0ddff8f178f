using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Umbra.Coordinator.Store.Postgres;

namespace Umbra.Coordinator.Store;

/// <summary>
/// A validated store configuration: which database, the connection string its driver takes, and a
/// description that is safe to print. <see cref="ToString"/> gives the description because the
/// connection string may hold a password.
/// </summary>
internal sealed class StoreTarget
{
    private StoreTarget(StoreKind kind, string connectionString, string description)
    {
        Kind = kind;
        ConnectionString = connectionString;
        Description = description;
    }

    public StoreKind Kind { get; }

    public string ConnectionString { get; }

    public string Description { get; }

    /// <summary>The SQLite file, for <see cref="StoreKind.Sqlite"/>.</summary>
    public string? SqlitePath { get; private init; }

    public override string ToString() => Description;

    /// <exception cref="StoreException">The configuration is malformed; the message says how.</exception>
    public static StoreTarget Resolve(StoreOptions options)
    {
        var value = options.ConnectionString?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            if (string.IsNullOrWhiteSpace(options.DataDirectory))
                throw new StoreException("Store:DataDirectory is empty; it must name the directory that holds the default SQLite file.");
            return Sqlite(Path.Combine(options.DataDirectory, StoreOptions.DefaultSqliteFileName));
        }
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return Postgres(PostgresUrl.ToConnectionString(value));
        if (value.StartsWith("Host=", StringComparison.OrdinalIgnoreCase) || value.StartsWith("Server=", StringComparison.OrdinalIgnoreCase))
            return Postgres(value);
        if (!value.Contains('=', StringComparison.Ordinal))
            return Sqlite(value);

        var keys = ParseKeywords(value);
        if (keys.ContainsKey("Host") || keys.ContainsKey("Server"))
            return Postgres(value);
        if (keys.TryGetValue("Data Source", out var source) || keys.TryGetValue("DataSource", out source) || keys.TryGetValue("Filename", out source))
            return Sqlite(source as string ?? "");
        throw new StoreException("Store:ConnectionString has keywords but neither Host= (PostgreSQL) nor Data Source= (SQLite); give one of them, a postgres:// URL, or a plain SQLite file path.");
    }

    private static DbConnectionStringBuilder ParseKeywords(string value)
    {
        try
        {
            return new DbConnectionStringBuilder { ConnectionString = value };
        }
        catch (ArgumentException e)
        {
            // The framework's message gives the position of the fault and never echoes the string, which may hold a password.
            throw new StoreException("Store:ConnectionString is not a valid keyword=value connection string: " + e.Message, e);
        }
    }

    private static StoreTarget Sqlite(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new StoreException("The SQLite data source is empty; give the path of the database file.");
        if (path.Equals(":memory:", StringComparison.OrdinalIgnoreCase) || path.StartsWith("file::memory:", StringComparison.OrdinalIgnoreCase))
            throw new StoreException("An in-memory SQLite database would start empty on every connection and vanish on exit; give a file path.");
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new StoreException($"'{path}' is not a usable SQLite file path: {e.Message}", e);
        }
        if (Directory.Exists(full))
            throw new StoreException($"The SQLite path '{full}' is a directory; give a file in it, such as '{Path.Combine(full, StoreOptions.DefaultSqliteFileName)}'.");

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        };
        return new StoreTarget(StoreKind.Sqlite, builder.ToString(), "SQLite " + full) { SqlitePath = full };
    }

    private static StoreTarget Postgres(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new StoreException("The PostgreSQL connection string is not valid: " + e.Message, e);
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
            throw new StoreException("The PostgreSQL connection string has an empty Host.");
        if (string.IsNullOrEmpty(builder.ApplicationName))
            builder.ApplicationName = "umbra-coordinator";
        var database = builder.Database ?? builder.Username ?? "(default)";
        return new StoreTarget(StoreKind.Postgres, builder.ConnectionString, $"PostgreSQL {builder.Host}:{builder.Port}/{database}");
    }
}

using Npgsql;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests use, from UMBRA_TEST_POSTGRES (an Npgsql connection string; .ci/run
/// starts a server and sets it). Each test gets its own schema, dropped afterwards. Without the variable
/// the PostgreSQL tests are skipped, except under CI=true, where they fail and say why.
/// </summary>
internal static class PostgresTestServer
{
    public const string Variable = "UMBRA_TEST_POSTGRES";

    private static readonly Lazy<NpgsqlDataSource> Admin = new(() => NpgsqlDataSource.Create(RequireConnectionString()));

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when the PostgreSQL tests should run (and, under CI, fail loudly if they cannot).</summary>
    public static string? SkipReason => ConnectionString is null && !IsCi
        ? $"PostgreSQL tests need {Variable} set to an Npgsql connection string (.ci/run starts a server and sets it)."
        : null;

    public static string RequireConnectionString() => ConnectionString ?? throw new InvalidOperationException(
        $"{Variable} is not set, and with CI=true the PostgreSQL tests must run, not be skipped: start a PostgreSQL server and set {Variable} to its Npgsql connection string, e.g. Host=127.0.0.1;Port=5432;Username=...;Password=...;Database=... (.ci/run does both).");

    /// <summary>A new empty schema, and a connection string whose search path puts everything in it.</summary>
    public static async Task<(string Schema, string ConnectionString)> CreateSchemaAsync()
    {
        var schema = "umbra_test_" + Guid.NewGuid().ToString("N");
        await using (var command = Admin.Value.CreateCommand($"CREATE SCHEMA {schema}"))
            await command.ExecuteNonQueryAsync();
        var builder = new NpgsqlConnectionStringBuilder(RequireConnectionString()) { SearchPath = schema };
        return (schema, builder.ConnectionString);
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using var command = Admin.Value.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every row of every table in <paramref name="schema"/>, as PostgreSQL's text form of the row.</summary>
    public static async Task<List<string>> DumpSchemaAsync(string schema)
    {
        var tables = new List<string>();
        await using (var command = Admin.Value.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = @schema"))
        {
            command.Parameters.AddWithValue("schema", schema);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        var rows = new List<string>();
        foreach (var table in tables)
        {
            await using var command = Admin.Value.CreateCommand($"SELECT t::text FROM {schema}.{table} t");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                rows.Add(table + ": " + reader.GetString(0));
        }
        return rows;
    }

    public static async Task ExecuteAsync(string sql)
    {
        await using var command = Admin.Value.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}

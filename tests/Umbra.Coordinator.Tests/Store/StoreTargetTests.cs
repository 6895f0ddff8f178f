using Npgsql;
using Umbra.Coordinator.Store;

namespace Umbra.Coordinator.Tests.Store;

/// <summary>Which database a Store:ConnectionString selects, and how a malformed one is reported.</summary>
public class StoreTargetTests
{
    private const string Password = "hunter2-Sec;ret";

    private static StoreTarget Resolve(string? connectionString, string dataDirectory = "/var/lib/umbra") =>
        StoreTarget.Resolve(new StoreOptions { ConnectionString = connectionString, DataDirectory = dataDirectory });

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Nothing_configured_means_a_SQLite_file_in_the_data_directory(string? connectionString)
    {
        var target = Resolve(connectionString);
        Assert.Equal(StoreKind.Sqlite, target.Kind);
        Assert.Equal("/var/lib/umbra/coordinator.db", target.SqlitePath);
        Assert.Equal("SQLite /var/lib/umbra/coordinator.db", target.Description);
    }

    [Theory]
    [InlineData("/srv/umbra/state.db", "/srv/umbra/state.db")]
    [InlineData("Data Source=/srv/umbra/state.db", "/srv/umbra/state.db")]
    [InlineData("data source=/srv/umbra/x.db;Cache=Shared", "/srv/umbra/x.db")]
    [InlineData("Filename=/srv/umbra/y.db", "/srv/umbra/y.db")]
    public void A_path_or_a_data_source_means_SQLite(string connectionString, string path)
    {
        var target = Resolve(connectionString);
        Assert.Equal(StoreKind.Sqlite, target.Kind);
        Assert.Equal(path, target.SqlitePath);
    }

    [Fact]
    public void A_relative_SQLite_path_is_made_absolute()
    {
        Assert.Equal(Path.GetFullPath("state.db"), Resolve("state.db").SqlitePath);
    }

    [Theory]
    [InlineData("Host=db.internal;Port=6543;Username=umbra;Password=" + "\"" + Password + "\"" + ";Database=coord")]
    [InlineData("  host=db.internal;port=6543;username=umbra;password='" + Password + "';database=coord")]
    [InlineData("Username=umbra;Password='" + Password + "';Host=db.internal;Port=6543;Database=coord")]
    [InlineData("postgres://umbra:hunter2-Sec%3Bret@db.internal:6543/coord")]
    [InlineData("postgresql://umbra:hunter2-Sec%3Bret@db.internal:6543/coord")]
    public void Host_keywords_or_a_postgres_URL_mean_PostgreSQL(string connectionString)
    {
        var target = Resolve(connectionString);

        Assert.Equal(StoreKind.Postgres, target.Kind);
        var parsed = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal("db.internal", parsed.Host);
        Assert.Equal(6543, parsed.Port);
        Assert.Equal("umbra", parsed.Username);
        Assert.Equal(Password, parsed.Password);
        Assert.Equal("coord", parsed.Database);
        Assert.Equal("umbra-coordinator", parsed.ApplicationName);
        Assert.Equal("PostgreSQL db.internal:6543/coord", target.Description);
        Assert.DoesNotContain("hunter2", target.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_postgres_URL_carries_escapes_the_default_port_and_libpq_parameters()
    {
        var target = Resolve("postgres://app%40corp:p%40ss%3Aw0rd@pg.example.com/umbra%20prod?sslmode=require&application_name=edge&connect_timeout=7");

        var parsed = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal("pg.example.com", parsed.Host);
        Assert.Equal(5432, parsed.Port);
        Assert.Equal("app@corp", parsed.Username);
        Assert.Equal("p@ss:w0rd", parsed.Password);
        Assert.Equal("umbra prod", parsed.Database);
        Assert.Equal(SslMode.Require, parsed.SslMode);
        Assert.Equal("edge", parsed.ApplicationName);
        Assert.Equal(7, parsed.Timeout);
    }

    [Theory]
    [InlineData("Host=db;Port=not-a-port;Password=hunter2", "PostgreSQL connection string is not valid")]
    [InlineData("Host=db;Port=99999999999;Password=hunter2", "PostgreSQL connection string is not valid")]
    [InlineData("Host=db;Frobnicate=yes;Password=hunter2", "PostgreSQL connection string is not valid")]
    [InlineData("Host=  ;Password=hunter2", "empty Host")]
    [InlineData("Host=db;Password=hunter2;ret", "PostgreSQL connection string is not valid")]
    [InlineData("postgres://", "postgres:// URL is malformed")]
    [InlineData("postgres://u:" + "hunter2" + "@db:5432/x?frobnicate=1", "unsupported or invalid parameter 'frobnicate'")]
    [InlineData("postgres://u:" + "hunter2" + "@db:5432/x?sslmode=sometimes", "invalid parameter 'sslmode'")]
    [InlineData("Password=hunter2;User=me", "neither Host= (PostgreSQL) nor Data Source= (SQLite)")]
    [InlineData("Username=u;Host='db;Password=hunter2", "not a valid keyword=value connection string")]
    [InlineData(":memory:", "in-memory SQLite database")]
    [InlineData("Data Source=:memory:", "in-memory SQLite database")]
    [InlineData("Data Source=", "neither Host= (PostgreSQL) nor Data Source= (SQLite)")]
    public void A_malformed_connection_string_is_refused_without_repeating_the_password(string connectionString, string expected)
    {
        var e = Assert.Throws<StoreException>(() => Resolve(connectionString));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_data_directory_is_refused()
    {
        var e = Assert.Throws<StoreException>(() => Resolve(null, dataDirectory: " "));
        Assert.Contains("Store:DataDirectory", e.Message, StringComparison.Ordinal);
    }
}

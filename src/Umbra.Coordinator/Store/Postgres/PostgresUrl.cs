using Npgsql;

namespace Umbra.Coordinator.Store.Postgres;

/// <summary>
/// Turns a libpq-style URL (<c>postgres://user:password@host:port/database?sslmode=require</c>), the form
/// hosting platforms hand out, into the keyword connection string Npgsql takes.
/// </summary>
internal static class PostgresUrl
{
    // libpq query parameters whose Npgsql keyword is spelt differently; the rest pass through as they are.
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["sslrootcert"] = "Root Certificate",
        ["options"] = "Options",
    };

    /// <exception cref="StoreException">The URL is malformed; the message says how and never repeats the password.</exception>
    public static string ToConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new StoreException("The postgres:// URL is malformed; expected postgres://user:password@host:port/database.");

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.DnsSafeHost };
        if (!uri.IsDefaultPort && uri.Port > 0)
            builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
            builder.Database = database;

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            try
            {
                builder[Renamed.GetValueOrDefault(name, name)] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                throw new StoreException($"The postgres:// URL has an unsupported or invalid parameter '{name}': {e.Message}", e);
            }
        }
        return builder.ConnectionString;
    }
}

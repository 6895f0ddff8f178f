using System.Text;
using Umbra.Coordinator.Store;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.ApiKeys;

/// <summary>
/// A key's secret never reaches the database or the logs: after a key's whole life, neither the raw
/// SQLite files (database, WAL and shared memory) nor any row of any PostgreSQL table, nor any log line,
/// holds the key, its random part, or its random bytes.
/// </summary>
public class ApiKeyPrivacyTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, SqliteData, PostgresData]
    public async Task The_secret_is_stored_nowhere_and_logged_nowhere(StoreKind kind)
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = logs.CreateFactory();
        var time = new ManualTimeProvider();
        await using var db = await TestStore.CreateAsync(kind, time, loggerFactory);
        var keys = db.ApiKeys(TimeSpan.Zero);

        var canary = await keys.CreateAsync("canary-key-name", "canary-owner", None);
        var secret = canary.Secret;
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(await keys.AuthenticateAsync(secret, None));
        Assert.Null(await keys.AuthenticateAsync(secret[..^1] + (secret[^1] == 'x' ? 'y' : 'x'), None));
        await keys.ListAsync(null, None);
        Assert.True(await keys.RevokeAsync(canary.Key.Id, None));
        Assert.Null(await keys.AuthenticateAsync(secret, None));

        // What must never appear: the key, the random part beyond the display prefix, the random bytes.
        var randomBytes = Convert.FromBase64String(secret[6..].Replace('-', '+').Replace('_', '/') + "=");
        var forbidden = new List<byte[]>
        {
            Encoding.UTF8.GetBytes(secret),
            Encoding.Unicode.GetBytes(secret),
            Encoding.UTF8.GetBytes(secret[canary.Key.Prefix.Length..]),
            Encoding.Unicode.GetBytes(secret[canary.Key.Prefix.Length..]),
            randomBytes,
            Encoding.UTF8.GetBytes(Convert.ToHexString(randomBytes)),
            Encoding.UTF8.GetBytes(Convert.ToHexStringLower(randomBytes)),
        };
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(secret));

        if (kind == StoreKind.Sqlite)
        {
            var stored = SqliteFiles(db.Directory!);
            // The search looks where the data is: the name and the hash are there to be found.
            Assert.True(Contains(stored, Encoding.UTF8.GetBytes("canary-key-name")));
            Assert.True(Contains(stored, hash));
            foreach (var needle in forbidden)
                Assert.False(Contains(stored, needle), "the SQLite files hold part of the API key's secret");
        }
        else
        {
            var rows = string.Join('\n', await PostgresTestServer.DumpSchemaAsync(db.Schema!));
            Assert.Contains("canary-key-name", rows, StringComparison.Ordinal);
            Assert.Contains(Convert.ToHexStringLower(hash), rows, StringComparison.Ordinal);
            foreach (var text in new[] { secret, secret[canary.Key.Prefix.Length..], Convert.ToHexStringLower(randomBytes) })
                Assert.DoesNotContain(text, rows, StringComparison.Ordinal);
        }

        Assert.NotEmpty(logs.Lines);
        foreach (var line in logs.Lines)
        {
            Assert.DoesNotContain(secret[6..], line, StringComparison.Ordinal);
            Assert.DoesNotContain(canary.Key.Prefix, line, StringComparison.Ordinal);
        }
    }

    private static byte[] SqliteFiles(string directory) =>
        [.. Directory.GetFiles(directory).OrderBy(f => f, StringComparer.Ordinal).SelectMany(ReadShared)];

    // The store may still hold the files open; read them the way a backup or an attacker would.
    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}

using Microsoft.Data.Sqlite;
using Umbra.Coordinator.Store;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.Store;

/// <summary>What only the SQLite store does: its default file, WAL, waiting for writers, bad files.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string directory = Path.Combine(Path.GetTempPath(), "umbra-coordinator-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task With_no_configuration_it_is_a_file_in_the_data_directory_in_WAL_mode()
    {
        var dataDirectory = Path.Combine(directory, "not", "yet", "there");
        await using var store = UmbraStoreFactory.Create(new StoreOptions { DataDirectory = dataDirectory });
        Assert.Equal(StoreKind.Sqlite, store.Kind);

        await store.MigrateAsync(None);

        var file = Path.Combine(dataDirectory, "coordinator.db");
        Assert.True(File.Exists(file));
        Assert.Equal("SQLite " + file, store.Description);
        Assert.Equal("wal", await ScalarAsync(file, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task A_writer_waits_for_another_process_lock_instead_of_failing()
    {
        await using var db = await TestStore.CreateAsync(StoreKind.Sqlite);
        var keys = db.ApiKeys();
        await using var other = new SqliteConnection($"Data Source={db.ConnectionString};Pooling=False");
        await other.OpenAsync();
        var transaction = other.BeginTransaction(deferred: false); // holds the write lock, like a busy process

        var insert = Task.Run(() => keys.CreateAsync("patient", null, None));
        await Task.Delay(300);
        Assert.False(insert.IsCompleted);
        transaction.Commit();
        transaction.Dispose();

        Assert.Equal("patient", (await insert).Key.Name);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_named_and_explained()
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "coordinator.db");
        await File.WriteAllBytesAsync(file, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 + 3))]);
        await using var store = UmbraStoreFactory.Create(new StoreOptions { ConnectionString = file });

        var e = await Assert.ThrowsAsync<StoreException>(() => store.MigrateAsync(None));

        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains("is not a SQLite database", e.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(e.InnerException);
    }

    [Fact]
    public async Task A_truncated_database_is_reported_as_a_store_error()
    {
        await using (var db = await TestStore.CreateAsync(StoreKind.Sqlite))
        {
            for (var i = 0; i < 200; i++)
                await db.ApiKeys().CreateAsync("key " + i, "owner " + i, None);
            await db.Store.DisposeAsync();
            var file = db.ConnectionString;
            await ScalarAsync(file, "PRAGMA wal_checkpoint(TRUNCATE)");
            SqliteConnection.ClearAllPools();
            var bytes = await File.ReadAllBytesAsync(file);
            // Keep the header, scramble the pages behind it.
            for (var i = 4096; i < bytes.Length; i++)
                bytes[i] = (byte)(i * 31);
            await File.WriteAllBytesAsync(file, bytes);

            await using var reopened = db.Open();
            var e = await Assert.ThrowsAnyAsync<StoreException>(async () =>
            {
                await reopened.MigrateAsync(None);
                await reopened.ApiKeys.ListAsync(null, None);
            });
            Assert.Contains(file, e.Message, StringComparison.Ordinal);
            Assert.Matches("corrupt|not a SQLite database", e.Message);
        }
    }

    [Fact]
    public void A_directory_given_as_the_file_is_refused_with_a_suggestion()
    {
        Directory.CreateDirectory(directory);
        var e = Assert.Throws<StoreException>(() => UmbraStoreFactory.Create(new StoreOptions { ConnectionString = directory }));
        Assert.Contains("is a directory", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(directory, "coordinator.db"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_that_cannot_be_created_is_named()
    {
        Directory.CreateDirectory(directory);
        var blocker = Path.Combine(directory, "a-file");
        await File.WriteAllTextAsync(blocker, "in the way");
        await using var store = UmbraStoreFactory.Create(new StoreOptions { ConnectionString = Path.Combine(blocker, "sub", "store.db") });

        var e = await Assert.ThrowsAsync<StoreException>(() => store.MigrateAsync(None));

        Assert.Contains(Path.Combine(blocker, "sub"), e.Message, StringComparison.Ordinal);
    }

    private static async Task<object?> ScalarAsync(string file, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}

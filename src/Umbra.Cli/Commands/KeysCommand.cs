using System.CommandLine;
using Microsoft.Extensions.Options;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.Store;

namespace Umbra.Cli.Commands;

/// <summary>`umbra keys create|list|revoke`: API keys, straight against the coordinator's store.</summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var dataDir = StoreArguments.DataDirectory();
        var connection = StoreArguments.ConnectionString();

        var name = new Option<string>("--name") { Description = "A label for the key", DefaultValueFactory = _ => "default" };
        var owner = new Option<string?>("--owner") { Description = "Who the key belongs to" };
        var create = new Command("create", "Create an API key; the key is printed once, alone on the last line") { name, owner, dataDir, connection };
        create.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            await using var store = await OpenAsync(r, dataDir, connection, ct).ConfigureAwait(false);
            var created = await Service(store).CreateAsync(r.GetValue(name)!, r.GetValue(owner), ct).ConfigureAwait(false);
            Console.WriteLine($"Created key {created.Key.Id} '{created.Key.Name}' in {store.Description}. It is shown only now:");
            Console.WriteLine(created.Secret);
            return 0;
        }));

        var list = new Command("list", "List API keys (never their secrets)") { owner, dataDir, connection };
        list.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            await using var store = await OpenAsync(r, dataDir, connection, ct).ConfigureAwait(false);
            var keys = await Service(store).ListAsync(r.GetValue(owner), ct).ConfigureAwait(false);
            Console.WriteLine($"{"id",-36}  {"prefix",-14}  {"name",-20}  {"created (UTC)",-16}  status");
            foreach (var k in keys)
                Console.WriteLine($"{k.Id,-36}  {k.Prefix,-14}  {k.Name,-20}  {k.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm}  {(k.IsRevoked ? "revoked" : "active")}");
            return 0;
        }));

        var id = new Argument<Guid>("id") { Description = "The key's id, from `umbra keys list`" };
        var revoke = new Command("revoke", "Revoke an API key; it stops working at once") { id, dataDir, connection };
        revoke.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            await using var store = await OpenAsync(r, dataDir, connection, ct).ConfigureAwait(false);
            if (!await Service(store).RevokeAsync(r.GetValue(id), ct).ConfigureAwait(false))
                throw new ArgumentException($"No active key has id {r.GetValue(id)}.");
            Console.WriteLine($"Revoked {r.GetValue(id)}.");
            return 0;
        }));

        return new Command("keys", "Create, list and revoke API keys") { create, list, revoke };
    }

    private static async Task<IUmbraStore> OpenAsync(ParseResult r, Option<DirectoryInfo?> dataDir, Option<string?> connection, CancellationToken ct)
    {
        var options = new StoreOptions { ConnectionString = r.GetValue(connection) ?? Environment.GetEnvironmentVariable("UMBRA_STORE") };
        if (r.GetValue(dataDir) is { } dir) options.DataDirectory = dir.FullName;
        var store = UmbraStoreFactory.Create(options);
        try
        {
            await store.MigrateAsync(ct).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static ApiKeyService Service(IUmbraStore store) =>
        new(store.ApiKeys, TimeProvider.System, Options.Create(new ApiKeyOptions()));
}

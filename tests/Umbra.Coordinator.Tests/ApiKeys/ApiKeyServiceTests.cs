using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.Store;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.ApiKeys;

/// <summary>The API key life cycle, run against both stores.</summary>
public class ApiKeyServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, SqliteData, PostgresData]
    public async Task A_new_key_is_prefixed_random_and_shown_only_at_creation(StoreKind kind)
    {
        var time = new ManualTimeProvider();
        await using var db = await TestStore.CreateAsync(kind, time);
        var keys = db.ApiKeys();

        var created = await keys.CreateAsync("laptop", "alice", None);
        time.Advance(TimeSpan.FromSeconds(1));
        var other = await keys.CreateAsync("server", "alice", None);

        Assert.StartsWith("umbra_", created.Secret, StringComparison.Ordinal);
        Assert.Equal(49, created.Secret.Length);
        Assert.NotEqual(created.Secret, other.Secret);
        Assert.Equal(32, Convert.FromBase64String(created.Secret[6..].Replace('-', '+').Replace('_', '/') + "=").Length);
        Assert.Equal(created.Secret[..14], created.Key.Prefix);
        Assert.Equal("laptop", created.Key.Name);
        Assert.Equal("alice", created.Key.Owner);
        Assert.Null(created.Key.LastUsedAt);
        Assert.False(created.Key.IsRevoked);

        // Printing a created key or a record shows the prefix at most, never the secret.
        Assert.DoesNotContain(created.Secret, created.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(created.Secret[14..], created.Key.ToString(), StringComparison.Ordinal);

        var listed = await keys.ListAsync(null, None);
        Assert.Equal([created.Key, other.Key], listed);
        Assert.Equal(created.Key, await keys.GetAsync(created.Key.Id, None));
    }

    [Theory, SqliteData, PostgresData]
    public async Task Times_come_back_exactly_as_they_were_handed_out(StoreKind kind)
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2031, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(5)).AddTicks(1234));
        await using var db = await TestStore.CreateAsync(kind, time);
        var keys = db.ApiKeys();

        var created = await keys.CreateAsync("k", null, None);
        var stored = await keys.GetAsync(created.Key.Id, None);

        Assert.Equal(created.Key.CreatedAt, stored!.CreatedAt);
        Assert.Equal(TimeSpan.Zero, stored.CreatedAt.Offset);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), stored.CreatedAt.ToUnixTimeMilliseconds());
        Assert.Null(stored.Owner);
    }

    [Theory, SqliteData, PostgresData]
    public async Task The_key_authenticates_and_its_use_is_recorded_at_most_once_a_minute(StoreKind kind)
    {
        var time = new ManualTimeProvider();
        await using var db = await TestStore.CreateAsync(kind, time);
        var keys = db.ApiKeys(TimeSpan.FromMinutes(1));
        var created = await keys.CreateAsync("ci", "bob", None);

        time.Advance(TimeSpan.FromSeconds(5));
        var first = await keys.AuthenticateAsync(created.Secret, None);
        Assert.NotNull(first);
        Assert.Equal(created.Key.Id, first.Id);
        var firstUse = created.Key.CreatedAt + TimeSpan.FromSeconds(5);
        Assert.Equal(firstUse, first.LastUsedAt);
        Assert.Equal(firstUse, (await keys.GetAsync(created.Key.Id, None))!.LastUsedAt);

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(firstUse, (await keys.AuthenticateAsync(created.Secret, None))!.LastUsedAt);
        Assert.Equal(firstUse, (await keys.GetAsync(created.Key.Id, None))!.LastUsedAt);

        time.Advance(TimeSpan.FromSeconds(31));
        var later = await keys.AuthenticateAsync(created.Secret, None);
        Assert.Equal(firstUse + TimeSpan.FromSeconds(61), later!.LastUsedAt);
        Assert.Equal(later.LastUsedAt, (await keys.GetAsync(created.Key.Id, None))!.LastUsedAt);
    }

    [Theory, SqliteData, PostgresData]
    public async Task Anything_but_the_exact_key_is_refused_without_an_exception(StoreKind kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var keys = db.ApiKeys();
        var secret = (await keys.CreateAsync("k", null, None)).Secret;
        var lastChar = secret[^1] == 'A' ? 'B' : 'A';

        string?[] refused =
        [
            null, "", "umbra_", "umbra", secret[..^1], secret + "A", "Bearer " + secret, " " + secret,
            secret[..^1] + lastChar,                  // same display prefix, different hash
            "UMBRA_" + secret[6..],
            secret[..20] + "!" + secret[21..],         // outside the alphabet
            new string('a', 49),
            "umbra_" + new string('A', 43),
        ];
        foreach (var attempt in refused)
            Assert.Null(await keys.AuthenticateAsync(attempt, None));
        Assert.NotNull(await keys.AuthenticateAsync(secret, None));
    }

    [Theory, SqliteData, PostgresData]
    public async Task Keys_sharing_a_display_prefix_are_told_apart_by_their_hash(StoreKind kind)
    {
        var time = new ManualTimeProvider();
        await using var db = await TestStore.CreateAsync(kind, time);
        var keys = db.ApiKeys();
        var real = await keys.CreateAsync("real", null, None);
        // A second key with the same prefix: rare with 48 random bits, but the lookup must not assume otherwise.
        var twin = real.Key with { Id = Guid.NewGuid(), Name = "twin" };
        await db.Store.ApiKeys.AddAsync(twin, ApiKeyHash.FromBytes(new byte[32]), None);

        Assert.Equal(2, (await db.Store.ApiKeys.FindByPrefixAsync(real.Key.Prefix, None)).Count);
        Assert.Equal(real.Key.Id, (await keys.AuthenticateAsync(real.Secret, None))!.Id);
    }

    [Theory, SqliteData, PostgresData]
    public async Task A_revoked_key_stops_authenticating_and_keeps_its_revocation_time(StoreKind kind)
    {
        var time = new ManualTimeProvider();
        await using var db = await TestStore.CreateAsync(kind, time);
        var keys = db.ApiKeys();
        var created = await keys.CreateAsync("old", null, None);
        var kept = await keys.CreateAsync("kept", null, None);
        Assert.NotNull(await keys.AuthenticateAsync(created.Secret, None));

        time.Advance(TimeSpan.FromHours(1));
        Assert.True(await keys.RevokeAsync(created.Key.Id, None));
        Assert.Null(await keys.AuthenticateAsync(created.Secret, None));
        Assert.NotNull(await keys.AuthenticateAsync(kept.Secret, None));

        var revokedAt = (await keys.GetAsync(created.Key.Id, None))!.RevokedAt;
        Assert.Equal(created.Key.CreatedAt + TimeSpan.FromHours(1), revokedAt);
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(await keys.RevokeAsync(created.Key.Id, None));
        Assert.Equal(revokedAt, (await keys.GetAsync(created.Key.Id, None))!.RevokedAt);
        Assert.True((await keys.ListAsync(null, None)).Single(k => k.Id == created.Key.Id).IsRevoked);

        Assert.False(await keys.RevokeAsync(Guid.NewGuid(), None));
        Assert.Null(await keys.GetAsync(Guid.NewGuid(), None));
    }

    [Theory, SqliteData, PostgresData]
    public async Task Listing_filters_by_owner_in_creation_order(StoreKind kind)
    {
        var time = new ManualTimeProvider();
        await using var db = await TestStore.CreateAsync(kind, time);
        var keys = db.ApiKeys();
        var a1 = await keys.CreateAsync("a1", "alice", None);
        time.Advance(TimeSpan.FromSeconds(1));
        var b1 = await keys.CreateAsync("b1", "bob", None);
        time.Advance(TimeSpan.FromSeconds(1));
        var a2 = await keys.CreateAsync("a2", "alice", None);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var none = await keys.CreateAsync("n", null, None);

        Assert.Equal([a1.Key.Id, a2.Key.Id], (await keys.ListAsync("alice", None)).Select(k => k.Id));
        Assert.Equal([b1.Key.Id], (await keys.ListAsync("bob", None)).Select(k => k.Id));
        Assert.Empty(await keys.ListAsync("carol", None));
        Assert.Equal([a1.Key.Id, b1.Key.Id, a2.Key.Id, none.Key.Id], (await keys.ListAsync(null, None)).Select(k => k.Id));
    }

    [Fact]
    public async Task Names_and_owners_are_checked()
    {
        await using var db = await TestStore.CreateAsync(StoreKind.Sqlite);
        var keys = db.ApiKeys();

        Assert.Contains("name must not be empty", (await Assert.ThrowsAsync<ArgumentException>(() => keys.CreateAsync("  ", null, None))).Message, StringComparison.Ordinal);
        Assert.Contains("at most 200", (await Assert.ThrowsAsync<ArgumentException>(() => keys.CreateAsync(new string('n', 201), null, None))).Message, StringComparison.Ordinal);
        Assert.Contains("control characters", (await Assert.ThrowsAsync<ArgumentException>(() => keys.CreateAsync("a\nb", null, None))).Message, StringComparison.Ordinal);
        Assert.Equal("owner", (await Assert.ThrowsAsync<ArgumentException>(() => keys.CreateAsync("n", new string('o', 201), None))).ParamName);
        Assert.Null((await keys.CreateAsync(" trimmed ", " ", None)).Key.Owner);
        Assert.Equal("trimmed", (await keys.ListAsync(null, None)).Single().Name);
    }

    [Fact]
    public void Hashes_compare_by_value_and_refuse_the_wrong_length()
    {
        var a = ApiKeyHash.Of("umbra_x");
        Assert.True(a.Matches(ApiKeyHash.FromBytes(a.AsSpan())));
        Assert.False(a.Matches(ApiKeyHash.Of("umbra_y")));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData("umbra_x"u8), a.AsSpan().ToArray());
        Assert.Throws<ArgumentException>(() => ApiKeyHash.FromBytes(new byte[31]));
    }
}

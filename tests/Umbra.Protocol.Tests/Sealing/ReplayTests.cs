using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>Replays are refused for the window, memory stays bounded, and a late replay still learns nothing.</summary>
public sealed class ReplayTests : IDisposable
{
    private readonly HpkePrivateKey _key = HpkePrivateKey.Generate();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _key.Dispose();

    [Fact]
    public void The_guard_remembers_an_id_for_the_window_and_then_forgets_it()
    {
        var guard = new ReplayGuard(_time);
        var id = RequestId.New();
        Assert.Equal(TimeSpan.FromMinutes(10), guard.Window);
        Assert.True(guard.TryRecord(id));
        Assert.False(guard.TryRecord(id));
        Assert.True(guard.Contains(id));

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.False(guard.TryRecord(id));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(guard.Contains(id));
        Assert.Equal(0, guard.Count);
        Assert.True(guard.TryRecord(id));
    }

    [Fact]
    public void Expired_ids_are_evicted_so_memory_follows_the_window_not_the_total()
    {
        var guard = new ReplayGuard(_time, capacity: 1000);
        for (var minute = 0; minute < 60; minute++)
        {
            for (var i = 0; i < 100; i++)
                Assert.True(guard.TryRecord(RequestId.New()));
            _time.Advance(TimeSpan.FromMinutes(1));
            // Never more than the last ten minutes' worth, though 6,000 ids pass through a guard holding 1,000.
            Assert.InRange(guard.Count, 1, 1000);
        }
        // Now, at minute 60, the ids from minutes 51 to 59 are still within the window.
        Assert.Equal(900, guard.Count);
    }

    [Fact]
    public void A_full_guard_refuses_new_requests_rather_than_forget_early()
    {
        var guard = new ReplayGuard(_time, window: TimeSpan.FromMinutes(1), capacity: 3);
        var first = RequestId.New();
        Assert.True(guard.TryRecord(first));
        Assert.True(guard.TryRecord(RequestId.New()));
        Assert.True(guard.TryRecord(RequestId.New()));
        var error = Assert.Throws<SealingException>(() => guard.TryRecord(RequestId.New()));
        Assert.Contains("already holds 3 request ids", error.Message, StringComparison.Ordinal);
        Assert.False(guard.TryRecord(first));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(guard.TryRecord(RequestId.New()));
    }

    [Fact]
    public void A_clock_stepping_back_only_keeps_ids_longer()
    {
        var guard = new ReplayGuard(_time);
        var id = RequestId.New();
        Assert.True(guard.TryRecord(id));
        _time.Advance(TimeSpan.FromHours(-1));
        Assert.False(guard.TryRecord(id));
    }

    [Fact]
    public void A_replayed_request_is_refused_by_the_provider()
    {
        var opener = SealingTestKit.NewOpener(_time);
        var (envelope, pending) = SealingTestKit.Seal(_key);
        using var _ = pending;
        using (opener.Open(envelope, _key))
        {
        }
        var error = Assert.Throws<SealingException>(() => opener.Open(SealedRequestEnvelope.Parse(envelope.ToUtf8Json()), _key));
        Assert.Equal($"Request {envelope.Metadata.RequestId} was already opened within the last 00:10:00; a replay is refused.", error.Message);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Throws<SealingException>(() => opener.Open(envelope, _key));
    }

    [Fact]
    public void A_forged_envelope_does_not_use_up_the_genuine_requests_id()
    {
        var opener = SealingTestKit.NewOpener(_time);
        var (envelope, pending) = SealingTestKit.Seal(_key);
        using var _ = pending;
        var forged = SealingTestKit.Edit(envelope, json => json["model"] = "llama-3.1-405b");
        Assert.Throws<SealingException>(() => opener.Open(forged, _key));
        Assert.Equal(0, opener.ReplayGuard.Count);
        using var opened = opener.Open(envelope, _key);
        Assert.Equal(1, opener.ReplayGuard.Count);
    }

    [Fact]
    public void A_replay_after_the_window_gets_fresh_response_keys_so_nothing_is_sealed_twice_under_one_nonce()
    {
        var opener = SealingTestKit.NewOpener(_time);
        var (envelope, pending) = SealingTestKit.Seal(_key);
        using var _ = pending;
        using var first = opener.Open(envelope, _key);
        _time.Advance(TimeSpan.FromMinutes(11));
        using var replay = opener.Open(envelope, _key);

        var payload = "the same bytes"u8;
        var a = first.Response.Seal(payload, final: true);
        var b = replay.Response.Seal(payload, final: true);
        Assert.NotEqual(a.Salt.ToArray(), b.Salt.ToArray());
        Assert.NotEqual(a.Ciphertext.ToArray(), b.Ciphertext.ToArray());

        // The client can still open whichever response reaches it.
        using var opener1 = pending.CreateOpener();
        Assert.Equal(payload.ToArray(), opener1.Open(b));
    }
}

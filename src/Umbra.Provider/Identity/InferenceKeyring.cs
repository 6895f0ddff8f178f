using System.Buffers.Text;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Identity;

/// <summary>
/// The inference keys this process holds and the one opener that uses them. The private keys never leave the
/// process (software keys are generated here and cannot be exported; hardware keys stay in their device), and
/// every request is opened through the same <see cref="ReplayGuard"/>, so a replay is refused whichever handler
/// it reaches. After a rotation the previous keys stop being announced but still open the requests already
/// sealed to them until they are retired.
/// </summary>
public sealed class InferenceKeyring : IDisposable
{
    private readonly Lock _gate = new();
    private readonly RequestOpener _opener;
    private HpkePrivateKey[] _announced;
    private HpkePrivateKey[] _retiring = [];
    private IReadOnlyList<InferenceKeyInfo> _infos;

    /// <summary>Takes ownership of <paramref name="keys"/>.</summary>
    public InferenceKeyring(IReadOnlyList<HpkePrivateKey> keys, ReplayGuard? replayGuard = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
            throw new ArgumentException("A provider needs at least one inference key.", nameof(keys));
        _announced = [.. keys];
        _infos = Describe(_announced);
        _opener = new RequestOpener(replayGuard ?? new ReplayGuard());
    }

    /// <summary>A keyring with one fresh key, made at start: it lives as long as the process.</summary>
    public static InferenceKeyring Generate(ReplayGuard? replayGuard = null) => new([HpkePrivateKey.Generate()], replayGuard);

    /// <summary>What registration announces: key id, base64url public key and suite of each current key.</summary>
    public IReadOnlyList<InferenceKeyInfo> Infos
    {
        get
        {
            lock (_gate)
                return _infos;
        }
    }

    public IReadOnlyList<HpkePublicKey> PublicKeys
    {
        get
        {
            lock (_gate)
                return [.. _announced.Select(k => k.PublicKey)];
        }
    }

    /// <summary>Key ids that still open requests but are no longer announced.</summary>
    public IReadOnlyList<string> RetiringKeyIds
    {
        get
        {
            lock (_gate)
                return [.. _retiring.Select(k => k.PublicKey.KeyId)];
        }
    }

    /// <summary>Opens <paramref name="envelope"/> with whichever key it is sealed to.</summary>
    /// <exception cref="SealingException">Not sealed to these keys, altered, or a replay.</exception>
    public OpenedRequest Open(SealedRequestEnvelope envelope)
    {
        HpkePrivateKey[] keys;
        lock (_gate)
            keys = [.. _announced, .. _retiring];
        return _opener.Open(envelope, keys);
    }

    /// <summary>Announces <paramref name="fresh"/> instead of the current keys, which keep opening requests until <see cref="Retire"/>. Returns their ids.</summary>
    public IReadOnlyList<string> Rotate(HpkePrivateKey fresh)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        lock (_gate)
        {
            var old = _announced;
            _retiring = [.. _retiring, .. old];
            _announced = [fresh];
            _infos = Describe(_announced);
            return [.. old.Select(k => k.PublicKey.KeyId)];
        }
    }

    /// <summary>Forgets (and wipes) the retiring keys named: requests sealed to them are refused from now on.</summary>
    public void Retire(IReadOnlyList<string> keyIds)
    {
        List<HpkePrivateKey> gone;
        lock (_gate)
        {
            gone = [.. _retiring.Where(k => keyIds.Contains(k.PublicKey.KeyId))];
            _retiring = [.. _retiring.Except(gone)];
        }
        foreach (var key in gone)
            key.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var key in _announced.Concat(_retiring))
                key.Dispose();
        }
    }

    private static IReadOnlyList<InferenceKeyInfo> Describe(IEnumerable<HpkePrivateKey> keys) =>
        [.. keys.Select(k => new InferenceKeyInfo(k.PublicKey.KeyId, Base64Url.EncodeToString(k.PublicKey.Export()), SealingSuites.Aes256GcmName))];
}

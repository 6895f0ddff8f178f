using System.Buffers.Text;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Identity;

/// <summary>
/// The inference keys this process holds and the one opener that uses them. The private keys never leave the
/// process (they are generated here and cannot be exported), and every request is opened through the same
/// <see cref="ReplayGuard"/>, so a replay is refused whichever handler it reaches.
/// </summary>
public sealed class InferenceKeyring : IDisposable
{
    private readonly HpkePrivateKey[] _keys;
    private readonly RequestOpener _opener;

    /// <summary>Takes ownership of <paramref name="keys"/>.</summary>
    public InferenceKeyring(IReadOnlyList<HpkePrivateKey> keys, ReplayGuard? replayGuard = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
            throw new ArgumentException("A provider needs at least one inference key.", nameof(keys));
        _keys = [.. keys];
        _opener = new RequestOpener(replayGuard ?? new ReplayGuard());
        Infos = [.. _keys.Select(k => new InferenceKeyInfo(
            k.PublicKey.KeyId, Base64Url.EncodeToString(k.PublicKey.Export()), SealingSuites.Aes256GcmName))];
    }

    /// <summary>A keyring with one fresh key, made at start: it lives as long as the process.</summary>
    public static InferenceKeyring Generate(ReplayGuard? replayGuard = null) => new([HpkePrivateKey.Generate()], replayGuard);

    /// <summary>What registration announces: key id, base64url public key and suite of each key.</summary>
    public IReadOnlyList<InferenceKeyInfo> Infos { get; }

    public IReadOnlyList<HpkePublicKey> PublicKeys => [.. _keys.Select(k => k.PublicKey)];

    /// <summary>Opens <paramref name="envelope"/> with whichever key it is sealed to.</summary>
    /// <exception cref="SealingException">Not sealed to these keys, altered, or a replay.</exception>
    public OpenedRequest Open(SealedRequestEnvelope envelope) => _opener.Open(envelope, _keys);

    public void Dispose()
    {
        foreach (var key in _keys)
            key.Dispose();
    }
}

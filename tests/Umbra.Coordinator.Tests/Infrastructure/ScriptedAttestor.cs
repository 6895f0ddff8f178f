using System.Buffers.Text;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Hub;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>
/// Test double for a provider's attestor: real signed bundles (software identity key) whose posture, keys and
/// behaviour a test can change between challenges — answer, stay silent, or sign with another key.
/// </summary>
internal sealed class ScriptedAttestor(string providerId, HpkePrivateKey key, string model) : IProviderAttestor, IDisposable
{
    private readonly SoftwareAttestationSigner _identity = SoftwareAttestationSigner.Generate();
    private volatile HpkePublicKey _key = key.PublicKey;
    private int _answers;

    public static readonly IReadOnlyList<PostureItem> GoodPosture =
    [
        new("core_dumps", "disabled"), new("dumpable", "no"), new("ptrace", "refused"), new("tracer", "none"),
    ];

    public IReadOnlyList<PostureItem> Posture { get; set; } = GoodPosture;

    /// <summary>When set, challenges get no answer (the provider is wedged or lying low).</summary>
    public bool Silent { get; set; }

    /// <summary>When set, bundles name this provider id instead.</summary>
    public string? ClaimedProviderId { get; set; }

    public int Answers => Volatile.Read(ref _answers);

    public event EventHandler? Changed;

    public IReadOnlyList<InferenceKeyInfo> CurrentKeys =>
        [new InferenceKeyInfo(_key.KeyId, Base64Url.EncodeToString(_key.Export()), SealingSuites.Aes256GcmName)];

    public byte[] IdentityKey => _identity.PublicKey;

    public SignedBlob Attest(ReadOnlySpan<byte> nonce)
    {
        if (Silent && nonce.Length > 0)
            throw new InvalidOperationException("scripted to stay silent");
        var claims = new AttestationClaims(ClaimedProviderId ?? providerId, _identity.PublicKey,
            [new InferenceKeyClaim(_key.KeyId, _key.Export(), SealingSuites.Aes256GcmName, 0)],
            new Measurement(new byte[32], []), new Posture(Posture), new HardwareClaim("test cpu", 2, 1L << 30),
            [new ModelClaim(model, new byte[32])], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), nonce.ToArray());
        var bundle = BundleSigner.Create(claims, _identity, NoEvidence.Instance);
        if (nonce.Length > 0)
            Interlocked.Increment(ref _answers);
        return new SignedBlob(Base64Url.EncodeToString(bundle.Body), Base64Url.EncodeToString(bundle.Signature));
    }

    /// <summary>Announces another key, as a rotation does.</summary>
    public void Rotate(HpkePublicKey fresh)
    {
        _key = fresh;
        Changed?.Invoke(this, EventArgs.Empty);
    }

    public void Dispose() => _identity.Dispose();
}

using System.Buffers.Text;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hardening;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;

namespace Umbra.Provider.Attestation;

/// <summary>
/// Makes the provider's signed bundles: its id, identity key, current inference keys, the runtime measurement
/// taken at start-up, the posture read afresh each time, hardware, the models with their weight hashes, the
/// time, and the challenge's nonce, with the key source's platform evidence bound to all of it. It also rotates
/// the inference key on a schedule: the new key is announced (and attested by the coordinator's next
/// challenge) while the old one stays in the keyring for the requests already sealed to it.
/// </summary>
public sealed class ProviderAttestor : IProviderAttestor, IReceiptIssuer, IDisposable
{
    private readonly string _providerId;
    private readonly IProviderKeySource _keys;
    private readonly InferenceKeyring _keyring;
    private readonly Measurement _measurement;
    private readonly Protocol.Attestation.HardwareClaim _hardware;
    private readonly IReadOnlyList<ModelClaim> _models;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private ITimer? _rotation;
    // Referenced until they fire: an unreferenced timer may be collected before its time.
    private readonly List<ITimer> _retirements = [];
    private byte[] _lastBundleHash = [];

    public ProviderAttestor(string providerId, IProviderKeySource keys, InferenceKeyring keyring, Measurement measurement,
        Protocol.Attestation.HardwareClaim hardware, IReadOnlyList<ModelClaim> models, TimeProvider? time = null, ILogger? logger = null)
    {
        _providerId = providerId;
        _keys = keys;
        _keyring = keyring;
        _measurement = measurement;
        _hardware = hardware;
        _models = models;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    public event EventHandler? Changed;

    public IReadOnlyList<InferenceKeyInfo> CurrentKeys => _keyring.Infos;

    /// <summary>Keys made by this attestor's rotations so far.</summary>
    public int Rotations { get; private set; }

    /// <summary>The runtime measurement of this process, in the bundle's form.</summary>
    public static Measurement MeasureRuntime()
    {
        var m = RuntimeMeasurement.Measure();
        var assemblies = m.Assemblies.Select(a => new AssemblyMeasurement(a.Name, a.Sha256)).ToList();
        if (m.EntryAssemblySha256 is { } entry)
            assemblies.Add(new AssemblyMeasurement("(entry)", entry));
        return new Measurement(m.ExecutableSha256, assemblies);
    }

    public SignedBlob Attest(ReadOnlySpan<byte> nonce)
    {
        var posture = new Posture(PostureProbe.Read());
        var claims = new AttestationClaims(
            _providerId,
            _keys.Identity.PublicKey,
            [.. _keyring.PublicKeys.Select(k => new InferenceKeyClaim(k.KeyId, k.Export(), SealingSuiteName, 0))],
            _measurement,
            posture,
            _hardware,
            _models,
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            nonce.ToArray());
        var bundle = BundleSigner.Create(claims, _keys.Identity, _keys.Evidence);
        Volatile.Write(ref _lastBundleHash, bundle.Hash.ToArray());
        return new SignedBlob(Base64Url.EncodeToString(bundle.Body), Base64Url.EncodeToString(bundle.Signature));
    }

    /// <summary>Signs a receipt naming the last bundle made (the one the coordinator verified at its last challenge).</summary>
    public SignedBlob Issue(string requestId, string model, byte[] requestMac, byte[] responseMac, int promptTokens, int completionTokens)
    {
        var weights = _models.FirstOrDefault(m => string.Equals(m.Id, model, StringComparison.Ordinal))?.WeightsSha256 ?? [];
        var claims = new ReceiptClaims(requestId, _providerId, model, weights, requestMac, responseMac,
            (uint)Math.Max(0, promptTokens), (uint)Math.Max(0, completionTokens), Volatile.Read(ref _lastBundleHash), _time.GetUtcNow().ToUnixTimeMilliseconds());
        var receipt = ReceiptSigner.Create(claims, _keys.Identity);
        return new SignedBlob(Base64Url.EncodeToString(receipt.Body), Base64Url.EncodeToString(receipt.Signature));
    }

    /// <summary>Rotates the inference key every <paramref name="interval"/>; the old key serves its requests for <paramref name="grace"/> more.</summary>
    public void StartRotation(TimeSpan interval, TimeSpan grace)
    {
        lock (_gate)
        {
            _rotation?.Dispose();
            _rotation = _time.CreateTimer(_ => Rotate(grace), null, interval, interval);
        }
    }

    /// <summary>Makes a new inference key, announces it, and retires the previous ones after <paramref name="grace"/>.</summary>
    public void Rotate(TimeSpan grace)
    {
        var fresh = _keys.CreateInferenceKey();
        var retired = _keyring.Rotate(fresh);
        Rotations++;
        ProviderAttestationLog.Rotated(_logger, fresh.PublicKey.KeyId, retired.Count);
        Changed?.Invoke(this, EventArgs.Empty);
        if (retired.Count > 0)
        {
            lock (_gate)
                _retirements.Add(_time.CreateTimer(state => Retire((IReadOnlyList<string>)state!), retired, grace, Timeout.InfiniteTimeSpan));
        }
    }

    private void Retire(IReadOnlyList<string> keyIds)
    {
        _keyring.Retire(keyIds);
        foreach (var id in keyIds)
            _keys.Forget(id);
    }

    private const string SealingSuiteName = Protocol.Sealing.SealingSuites.Aes256GcmName;

    public void Dispose()
    {
        lock (_gate)
        {
            _rotation?.Dispose();
            foreach (var timer in _retirements)
                timer.Dispose();
        }
    }
}

internal static partial class ProviderAttestationLog
{
    [LoggerMessage(300, LogLevel.Information, "Rotated the inference key: new key {KeyId}; {Retiring} old key(s) serve in-flight requests until the grace period ends")]
    public static partial void Rotated(ILogger logger, string keyId, int retiring);
}

using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Client.Trust;

/// <summary>
/// Decides, from the provider's own signed bundle and this client's policy alone, whether a key the coordinator
/// lists may be sealed to. The coordinator is a relay that could list its own key, replay an old bundle, claim a
/// higher level or attach another provider's bundle; each of those fails one check here. Verification results
/// are cached per bundle (body hash and signature), and a cached result is re-checked for freshness on each use.
/// </summary>
internal sealed class ProviderTrustChecker
{
    private const int MaxCached = 1024;
    private readonly VerificationPolicy _policy;
    private readonly TrustLevel _minimum;
    private readonly ConcurrentDictionary<string, VerificationResult> _cache = new(StringComparer.Ordinal);
    private readonly IdentityPins? _pins;
    private int _verifications;

    public ProviderTrustChecker(UmbraClientOptions options)
    {
        _minimum = options.MinimumTrust;
        _pins = options.PinIdentities ? new IdentityPins(options.IdentityPinsFile) : null;
        _policy = new VerificationPolicy
        {
            TimeProvider = options.TimeProvider,
            MaxAge = options.MaxBundleAge,
            TpmRoots = options.TpmRoots,
            AppleRoots = options.AppleRoots,
        };
    }

    public TrustLevel Minimum => _minimum;

    /// <summary>How many bundles were verified (not served from the cache) so far.</summary>
    public int Verifications => _verifications;

    /// <summary>
    /// The candidate when the listed key qualifies, else null with <paramref name="refusal"/> saying why in words
    /// that name the provider. The listing's claimed level is the coordinator's word: only reported.
    /// </summary>
    public ProviderCandidate? Check(string model, ListedKey listed, out string refusal)
    {
        refusal = "";
        if (listed.MalformedBundle is { } malformed)
            return Refuse(listed, $"{listed.ProviderId}'s bundle failed: decode: {malformed}", out refusal);
        if (listed.Body is null || listed.Signature is null)
        {
            if (_minimum == TrustLevel.None)
                return new ProviderCandidate(listed.ProviderId, listed.PublicKey, listed.Suite);
            refusal = $"{listed.ProviderId} offers no attestation bundle for key {listed.PublicKey.KeyId}";
            return null;
        }

        var result = Verify(listed.Body, listed.Signature);
        if (!result.Valid || result.Claims is not { } claims)
            return Refuse(listed, $"{listed.ProviderId}'s bundle failed: {result.FailureReason}", out refusal);
        if (!string.Equals(claims.ProviderId, listed.ProviderId, StringComparison.Ordinal))
            return Refuse(listed, $"{listed.ProviderId} is listed with a bundle of another provider, \"{claims.ProviderId}\"", out refusal);

        var exported = listed.PublicKey.Export();
        var key = claims.InferenceKeys.FirstOrDefault(k => string.Equals(k.KeyId, listed.PublicKey.KeyId, StringComparison.Ordinal));
        if (key is null || !CryptographicOperations.FixedTimeEquals(key.PublicKey, exported))
            return Refuse(listed, $"{listed.ProviderId}'s listed key {listed.PublicKey.KeyId} is not among the inference keys its bundle signs ({string.Join(", ", claims.InferenceKeys.Select(k => k.KeyId))})", out refusal);
        if (!claims.Models.Any(m => string.Equals(m.Id, model, StringComparison.Ordinal)))
            return Refuse(listed, $"{listed.ProviderId}'s bundle does not list model '{model}'", out refusal);

        var level = result.TrustLevel;
        // Hardware levels carry their own evidence for the identity key (and TPM keys are made anew at each start),
        // so only self_signed identities are pinned.
        if (level == TrustLevel.SelfSigned && _pins != null && !_pins.CheckOrPin(claims.ProviderId, claims.IdentityKey, out var pinned))
        {
            return Refuse(listed, $"{listed.ProviderId}'s bundle is signed by identity key {Convert.ToHexStringLower(claims.IdentityKey)[..16]}..., "
                + $"not the one first seen for it ({pinned[..16]}...); if the provider really made a new identity, remove its line from the pins file", out refusal);
        }
        if (level < _minimum)
        {
            var claim = listed.ClaimedLevel is { } c && !string.Equals(c, level.ToWireName(), StringComparison.Ordinal)
                ? $" (the coordinator claimed {c})" : "";
            refusal = $"{listed.ProviderId} is {level.ToWireName()}{claim}";
            return null;
        }
        // The bundle's suite is what the provider signed; the listing's is only the coordinator's copy.
        return new ProviderCandidate(listed.ProviderId, listed.PublicKey, key.Suite, level, result.BundleHash);
    }

    private ProviderCandidate? Refuse(ListedKey listed, string why, out string refusal)
    {
        refusal = why;
        // At minimum none a failed or mismatched bundle proves nothing, which is all that was asked.
        return _minimum == TrustLevel.None ? new ProviderCandidate(listed.ProviderId, listed.PublicKey, listed.Suite) : null;
    }

    private VerificationResult Verify(byte[] body, byte[] signature)
    {
        var cacheKey = Convert.ToHexStringLower(SHA256.HashData(body)) + ":" + Base64Url.EncodeToString(signature);
        if (_cache.TryGetValue(cacheKey, out var cached) && StillFresh(cached))
            return cached;
        var result = BundleVerifier.Verify(body, signature, _policy);
        Interlocked.Increment(ref _verifications);
        if (result.Valid)
        {
            if (_cache.Count >= MaxCached) _cache.Clear();
            _cache[cacheKey] = result;
        }
        return result;
    }

    private bool StillFresh(VerificationResult result)
    {
        // A cached verdict was fresh when made; time moves on, so the age is judged again against the same bound.
        var now = _policy.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var oldest = now - (long)_policy.MaxAge.TotalMilliseconds - (long)_policy.ClockSkew.TotalMilliseconds;
        return result.Claims is { } c && c.TimestampUnixMs >= oldest;
    }
}

/// <summary>One key as the coordinator lists it, with the bundle it attached (raw bytes, not yet trusted).</summary>
internal sealed record ListedKey(string ProviderId, HpkePublicKey PublicKey, string Suite, byte[]? Body, byte[]? Signature, string? ClaimedLevel)
{
    /// <summary>Why the attached bundle could not even be read as base64url body and signature, if it could not.</summary>
    public string? MalformedBundle { get; init; }
}

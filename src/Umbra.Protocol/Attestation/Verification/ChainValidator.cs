using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// Builds a certificate chain to the configured roots only: custom root trust, no system store, no revocation
/// checks, no certificate downloads, validity judged at the policy's clock.
/// </summary>
internal static class ChainValidator
{
    public static bool TryBuild(X509Certificate2 leaf, X509Certificate2Collection intermediates, X509Certificate2Collection roots, DateTimeOffset now, out string detail)
    {
        if (roots.Count == 0)
        {
            detail = "no roots are configured for it";
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        bool built;
        try
        {
            built = chain.Build(leaf);
        }
        catch (CryptographicException e)
        {
            detail = "the chain could not be built: " + e.Message;
            return false;
        }
        if (built)
        {
            var root = chain.ChainElements[^1].Certificate;
            detail = $"it chains through {chain.ChainElements.Count - 2} intermediate(s) to the configured root \"{root.Subject}\" (SHA-256 {root.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant()})";
            return true;
        }
        var problems = chain.ChainStatus.Select(s => s.Status).Distinct().Select(Describe);
        detail = "it does not chain to a configured root (" + string.Join("; ", problems) + ")";
        return false;
    }

    private static string Describe(X509ChainStatusFlags flag) => flag switch
    {
        X509ChainStatusFlags.PartialChain => "no path to a configured root",
        X509ChainStatusFlags.UntrustedRoot => "the root is not one of the configured roots",
        X509ChainStatusFlags.NotTimeValid => "a certificate is expired or not yet valid",
        X509ChainStatusFlags.NotSignatureValid => "a signature in the chain does not verify",
        X509ChainStatusFlags.InvalidBasicConstraints => "an issuer is not a certificate authority",
        X509ChainStatusFlags.HasNotSupportedCriticalExtension => "a certificate has an unsupported critical extension",
        _ => flag.ToString(),
    };
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Umbra.Protocol.Attestation;

internal static class CertificateParsing
{
    /// <summary>Loads a DER certificate; null (with the reason) if it is not one.</summary>
    public static X509Certificate2? TryLoad(byte[] der, string what, out string? error)
    {
        try
        {
            var certificate = X509CertificateLoader.LoadCertificate(der);
            error = null;
            return certificate;
        }
        catch (CryptographicException e)
        {
            error = $"{what} is not a DER X.509 certificate ({e.Message})";
            return null;
        }
    }

    /// <summary>Loads every certificate of a chain, or none: the ones loaded are disposed on failure.</summary>
    public static X509Certificate2Collection? TryLoadAll(IReadOnlyList<byte[]> ders, string what, out string? error)
    {
        var collection = new X509Certificate2Collection();
        for (var i = 0; i < ders.Count; i++)
        {
            var certificate = TryLoad(ders[i], $"{what}[{i}]", out error);
            if (certificate is null)
            {
                foreach (var loaded in collection)
                    loaded.Dispose();
                return null;
            }
            collection.Add(certificate);
        }
        error = null;
        return collection;
    }
}

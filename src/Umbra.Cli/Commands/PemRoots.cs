using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Umbra.Cli.Commands;

/// <summary>Loads the root certificates a user names with --tpm-root / --apple-root (PEM files, one or more certificates each).</summary>
internal static class PemRoots
{
    /// <exception cref="ArgumentException">A file is missing or holds no PEM certificate.</exception>
    public static X509Certificate2Collection Load(IEnumerable<string>? paths, string option)
    {
        var roots = new X509Certificate2Collection();
        foreach (var path in paths ?? [])
        {
            if (!File.Exists(path))
                throw new ArgumentException($"{option}: the file {path} does not exist.");
            int before = roots.Count;
            try
            {
                roots.ImportFromPemFile(path);
            }
            catch (CryptographicException e)
            {
                throw new ArgumentException($"{option}: {path} is not a PEM certificate file: {e.Message}");
            }
            if (roots.Count == before)
                throw new ArgumentException($"{option}: {path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        }
        return roots;
    }
}

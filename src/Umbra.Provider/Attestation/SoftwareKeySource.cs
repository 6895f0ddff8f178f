using System.Security.Cryptography;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Attestation;

/// <summary>
/// Keys in software: the identity key in a PKCS#8 file that only this user can read (so a restarted provider
/// keeps its identity), inference keys in process memory only. Bundles made with it reach trust level
/// self_signed: they prove nothing about the machine (docs/ATTESTATION.md).
/// </summary>
public sealed class SoftwareKeySource : IProviderKeySource
{
    public const string IdentityFileName = "identity-key.p8";

    private readonly SoftwareAttestationSigner _identity;

    private SoftwareKeySource(SoftwareAttestationSigner identity) => _identity = identity;

    public string Kind => "software";

    public IAttestationSigner Identity => _identity;

    public IEvidenceSource Evidence { get; } = NoEvidence.Instance;

    /// <summary>Loads the identity key from <paramref name="dataDirectory"/>, creating it (mode 0600) on first use.</summary>
    /// <exception cref="IOException">The file exists but is not a P-256 PKCS#8 key, or others can read it.</exception>
    public static SoftwareKeySource LoadOrCreate(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, IdentityFileName);
        if (File.Exists(path))
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
                throw new IOException($"The identity key file {path} can be read or written by other users; run 'chmod 600 {path}' and start again.");
            var pkcs8 = File.ReadAllBytes(path);
            try
            {
                return new SoftwareKeySource(SoftwareAttestationSigner.ImportPkcs8(pkcs8));
            }
            catch (CryptographicException e)
            {
                throw new IOException($"The identity key file {path} is not a P-256 PKCS#8 key; delete it to make a new identity.", e);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
        var signer = SoftwareAttestationSigner.Generate();
        var bytes = signer.ExportPkcs8();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var file = new FileStream(path, options);
            file.Write(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
        return new SoftwareKeySource(signer);
    }

    /// <summary>A source whose identity key lives only in memory: a new identity each run (tests, throwaway providers).</summary>
    public static SoftwareKeySource Ephemeral() => new(SoftwareAttestationSigner.Generate());

    public HpkePrivateKey CreateInferenceKey() => HpkePrivateKey.Generate();

    public void Dispose() => _identity.Dispose();
}

using Umbra.Provider.Attestation;

namespace Umbra.Cli.Commands;

/// <summary>Opens the TPM key source named by --tpm.</summary>
internal static class TpmKeySourceFactory
{
    public static IProviderKeySource Open(string? tpm) =>
        throw new ArgumentException("--keys tpm is not available in this build yet; use --keys software.");
}

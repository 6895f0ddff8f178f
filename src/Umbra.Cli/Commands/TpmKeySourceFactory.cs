using Umbra.Provider.Attestation;
using Umbra.Provider.Identity.Tpm;

namespace Umbra.Cli.Commands;

/// <summary>Opens the TPM key source named by --tpm: a device path, or a swtpm server as host:port.</summary>
internal static class TpmKeySourceFactory
{
    public static IProviderKeySource Open(string? tpm) =>
        TpmKeySource.Open(tpm is null || tpm.StartsWith('/')
            ? new TpmOptions { DevicePath = tpm ?? TpmOptions.DefaultDevicePath }
            : new TpmOptions { SwtpmEndpoint = tpm });
}

using Microsoft.Extensions.Logging;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;
using Umbra.Provider.Attestation;
using Umbra.Provider.Hardening;
using Umbra.Provider.Identity;

namespace Umbra.Cli.Commands;

/// <summary>The provider's keys and attestation, as `umbra provider` and `umbra up` set them up.</summary>
internal sealed class ProviderTrustSetup : IDisposable
{
    private ProviderTrustSetup(IProviderKeySource keys, InferenceKeyring keyring)
    {
        Keys = keys;
        Keyring = keyring;
    }

    public IProviderKeySource Keys { get; }

    public InferenceKeyring Keyring { get; }

    public ProviderAttestor? Attestor { get; private set; }

    /// <summary>Opens the key source named by <paramref name="keySource"/> (software keeps its identity key in <paramref name="dataDirectory"/>).</summary>
    public static ProviderTrustSetup Open(string keySource, string dataDirectory, string? tpm)
    {
        IProviderKeySource keys = keySource switch
        {
            "software" => SoftwareKeySource.LoadOrCreate(dataDirectory),
            "tpm" => TpmKeySourceFactory.Open(tpm),
            "secure-enclave" when OperatingSystem.IsMacOS() => SecureEnclaveKeySource.Open(),
            "secure-enclave" => throw new ArgumentException("--keys secure-enclave needs macOS (the Secure Enclave); use software or tpm here."),
            _ => throw new ArgumentException($"--keys must be software, tpm or secure-enclave; got '{keySource}'."),
        };
        try
        {
            return new ProviderTrustSetup(keys, new InferenceKeyring([keys.CreateInferenceKey()]));
        }
        catch
        {
            keys.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Measures what runs (call once the models are loaded), makes the attestor and has it sign <paramref name="handler"/>'s receipts. <paramref name="modelFiles"/>
    /// maps a model id to its GGUF file, whose SHA-256 goes in the bundle; a forwarded model, whose weights this
    /// process cannot see, is listed with 32 zero bytes.
    /// </summary>
    public ProviderAttestor CreateAttestor(string providerId, Provider.Hub.IHubRequestHandler handler, IReadOnlyList<ModelOffer> offers, IReadOnlyDictionary<string, string> modelFiles,
        Umbra.Protocol.Hub.HardwareInfo hardware, TimeSpan rotation, ILoggerFactory loggers)
    {
        var models = offers.Select(o => new ModelClaim(o.Id, modelFiles.TryGetValue(o.Id, out var path)
            ? ModelMeasurement.HashFile(path, null, CancellationToken.None)
            : new byte[32])).ToList();
        Attestor = new ProviderAttestor(providerId, Keys, Keyring, ProviderAttestor.MeasureRuntime(),
            new Protocol.Attestation.HardwareClaim(hardware.Cpu, (uint)Math.Max(0, hardware.Cores), hardware.MemoryBytes),
            models, TimeProvider.System, loggers.CreateLogger<ProviderAttestor>());
        // The attestor's identity key also signs each response's receipt.
        if (handler is Provider.Engine.SealedRequestHandler sealedHandler)
            sealedHandler.Receipts = Attestor;
        if (rotation > TimeSpan.Zero)
            Attestor.StartRotation(rotation, TimeSpan.FromMinutes(15));
        return Attestor;
    }

    public void Dispose()
    {
        Attestor?.Dispose();
        Keyring.Dispose();
        Keys.Dispose();
    }
}

namespace Umbra.Protocol.Attestation;

/// <summary>The SHA-256 of one loaded assembly, by its simple name.</summary>
public sealed record AssemblyMeasurement(string Name, byte[] Sha256);

/// <summary>What the provider runs: the SHA-256 of its executable and of each managed assembly, sorted by name.</summary>
public sealed record Measurement(byte[] ExecutableSha256, IReadOnlyList<AssemblyMeasurement> Assemblies)
{
    /// <summary>The executable hash as lower-case hex, the form allowed-measurement lists use.</summary>
    public string ExecutableSha256Hex => Convert.ToHexStringLower(ExecutableSha256);
}

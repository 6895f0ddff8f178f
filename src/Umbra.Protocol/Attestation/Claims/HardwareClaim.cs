namespace Umbra.Protocol.Attestation;

/// <summary>The machine as the provider describes it (not proven by any evidence: informational).</summary>
public sealed record HardwareClaim(string Cpu, uint Cores, long MemoryBytes);

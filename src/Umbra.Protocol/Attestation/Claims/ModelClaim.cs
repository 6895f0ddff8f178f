namespace Umbra.Protocol.Attestation;

/// <summary>A model the provider serves, and the SHA-256 of its weights file.</summary>
public sealed record ModelClaim(string Id, byte[] WeightsSha256);

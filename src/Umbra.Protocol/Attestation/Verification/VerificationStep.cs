namespace Umbra.Protocol.Attestation;

/// <summary>One check a verifier made: its name, whether it passed, and in words what it checked or found.</summary>
public sealed record VerificationStep(string Name, bool Passed, string Detail)
{
    public override string ToString() => $"[{(Passed ? "ok" : "FAIL")}] {Name}: {Detail}";
}

/// <summary>The names of the bundle verification steps, in the order they run.</summary>
public static class VerificationStepNames
{
    public const string Decode = "decode";
    public const string Signature = "signature";
    public const string Freshness = "freshness";
    public const string Nonce = "nonce";
    public const string KeyBinding = "key binding";
    public const string Measurement = "measurement";
    public const string Evidence = "evidence";
    public const string CertificateChain = "certificate chain";
    public const string TrustLevel = "trust level";
}

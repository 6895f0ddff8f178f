namespace Umbra.Provider.Hardening;

/// <summary>One posture reading, named and valued in the attestation spec's vocabulary (<see cref="PostureVocabulary"/>).</summary>
public readonly record struct PostureItem(string Name, string Value)
{
    public override string ToString() => $"{Name}={Value}";
}

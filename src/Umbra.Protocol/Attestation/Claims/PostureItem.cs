namespace Umbra.Protocol.Attestation;

/// <summary>One posture fact, e.g. <c>core_dumps = disabled</c>; see <see cref="PostureVocabulary"/>.</summary>
public sealed record PostureItem(string Name, string Value);

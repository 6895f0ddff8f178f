namespace Umbra.Protocol.Attestation;

/// <summary>
/// What a provider signs for one response. <paramref name="RequestMac"/> and <paramref name="ResponseMac"/> are
/// <see cref="ReceiptMac"/> values under a key exported from the request's HPKE context, so only the consumer
/// can check them; <paramref name="BundleHash"/> names the attestation bundle the provider served under.
/// <paramref name="WeightsSha256"/> is 32 bytes, or empty when the provider does not know it.
/// </summary>
public sealed record ReceiptClaims(
    string RequestId,
    string ProviderId,
    string Model,
    byte[] WeightsSha256,
    byte[] RequestMac,
    byte[] ResponseMac,
    uint PromptTokens,
    uint CompletionTokens,
    byte[] BundleHash,
    long TimestampUnixMs)
{
    public DateTimeOffset? Timestamp => AttestationTime.FromUnixMs(TimestampUnixMs);
}

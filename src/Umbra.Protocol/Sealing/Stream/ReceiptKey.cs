namespace Umbra.Protocol.Sealing;

/// <summary>
/// The key a provider's signed receipt MACs the request and response under (docs/ATTESTATION.md, "Receipts"):
/// exported from the request's HPKE context, so only the two ends of the sealed exchange (and whoever sealed
/// the request, which on plain ingress is the coordinator) can recompute the MACs; a relay learns nothing.
/// </summary>
public static class ReceiptKey
{
    public const int Size = 32;

    private static readonly byte[] Label = "umbra receipt"u8.ToArray();

    internal static byte[] Derive(HpkeContext context, RequestId requestId) =>
        context.Export([.. Label, .. requestId.ToArray()], Size);
}

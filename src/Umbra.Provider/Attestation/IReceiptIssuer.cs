using Umbra.Protocol.Hub;

namespace Umbra.Provider.Attestation;

/// <summary>Signs the provider's receipt for one completed response (docs/ATTESTATION.md, "Receipts").</summary>
public interface IReceiptIssuer
{
    SignedBlob Issue(string requestId, string model, byte[] requestMac, byte[] responseMac, int promptTokens, int completionTokens);
}

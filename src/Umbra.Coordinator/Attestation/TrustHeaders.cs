using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http;
using Umbra.Coordinator.Hub;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Attestation;

/// <summary>
/// The headers every relayed response carries: which provider served it, the trust level it proved, whether
/// it was attested and which bundle; and, once the provider has finished, its signed receipt.
/// </summary>
internal static class TrustHeaders
{
    public const string Provider = "X-Umbra-Provider";
    public const string TrustLevelHeader = "X-Umbra-Trust-Level";
    public const string Attested = "X-Umbra-Attested";
    public const string BundleHash = "X-Umbra-Bundle-Hash";
    public const string Receipt = "X-Umbra-Receipt";
    public const string ReceiptKey = "X-Umbra-Receipt-Key";

    /// <summary>SHA-256 (hex) of the body exactly as returned (for a stream: of its events' data, in order).</summary>
    public const string ResponseHash = "X-Umbra-Response-Sha256";

    /// <summary>The SSE comment that carries the response hash at the end of a stream.</summary>
    public const string ResponseHashComment = "umbra-response-sha256";

    /// <summary>The SSE comment that carries the receipt at the end of a stream (clients ignore comments).</summary>
    public const string ReceiptComment = "umbra-receipt";

    public static void Apply(HttpResponse response, ProviderSession provider)
    {
        var trust = provider.Trust;
        response.Headers[Provider] = provider.ProviderId;
        response.Headers[TrustLevelHeader] = trust.Level.ToWireName();
        response.Headers[Attested] = trust.Bundle != null ? "true" : "false";
        if (trust.BundleHash is { Length: > 0 } hash)
            response.Headers[BundleHash] = hash;
    }

    /// <summary>A whole response's hash and (when the provider sent one) receipt, as headers; before the body is written.</summary>
    public static void ApplyWhole(HttpResponse response, ReadOnlySpan<byte> body, SignedBlob? receipt)
    {
        response.Headers[ResponseHash] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        if (receipt is { } r)
            response.Headers[Receipt] = Encode(r);
    }

    /// <summary>A stream's hash (of every event's data so far, in order) and receipt, as SSE comments before <c>[DONE]</c>.</summary>
    public static async Task EndStreamAsync(Api.SseWriter sse, System.Security.Cryptography.IncrementalHash dataHash, SignedBlob? receipt, CancellationToken cancellationToken)
    {
        await sse.CommentAsync($"{ResponseHashComment} {Convert.ToHexStringLower(dataHash.GetHashAndReset())}", cancellationToken);
        if (receipt is { } r)
            await sse.CommentAsync($"{ReceiptComment} {Encode(r)}", cancellationToken);
    }

    /// <summary>A receipt as one header-safe token: base64url(receipt JSON).</summary>
    public static string Encode(SignedBlob receipt) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{{\"body\":\"{receipt.Body}\",\"signature\":\"{receipt.Signature}\"}}"));
}

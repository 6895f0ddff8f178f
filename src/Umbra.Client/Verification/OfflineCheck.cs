using System.Security.Cryptography.X509Certificates;

namespace Umbra.Client.Verification;

/// <summary>What `umbra verify` was asked to check: a bundle document, the policy, and optionally a receipt and its MACs.</summary>
public sealed record OfflineCheck
{
    /// <summary>The saved bundle document (see <see cref="BundleDocument"/>).</summary>
    public required byte[] BundleDocument { get; init; }

    /// <summary>Which provider's entry to take when the document is a list.</summary>
    public string? ProviderId { get; init; }

    /// <summary>The challenge the bundle must answer, if the user issued one.</summary>
    public byte[]? ExpectedNonce { get; init; }

    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The instant to judge freshness and certificate validity at; null for now.</summary>
    public DateTimeOffset? Now { get; init; }

    public X509Certificate2Collection TpmRoots { get; init; } = new();

    public X509Certificate2Collection AppleRoots { get; init; } = new();

    /// <summary>A receipt: its JSON, or the base64url token of the X-Umbra-Receipt header or the SSE comment.</summary>
    public string? Receipt { get; init; }

    /// <summary>The receipt MAC key (32 bytes); with <see cref="Request"/> and <see cref="Response"/> the MACs are recomputed.</summary>
    public byte[]? ReceiptKey { get; init; }

    /// <summary>The request body bytes the provider opened (the OpenAI request JSON exactly as sealed).</summary>
    public byte[]? Request { get; init; }

    /// <summary>The response plaintext: the opened payloads of the sealed chunks, concatenated in order.</summary>
    public byte[]? Response { get; init; }
}

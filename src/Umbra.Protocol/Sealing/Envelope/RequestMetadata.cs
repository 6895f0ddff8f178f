namespace Umbra.Protocol.Sealing;

/// <summary>
/// The routing fields of a sealed request: what the coordinator reads in clear to route, admit and bill it,
/// and what both ends bind into the request header so that no one can change them in transit.
/// </summary>
public sealed record RequestMetadata
{
    /// <summary>The longest model name, in bytes of UTF-8.</summary>
    public const int MaxModelBytes = 256;

    /// <summary>Fresh per request: providers refuse one they have already opened.</summary>
    public required RequestId RequestId { get; init; }

    /// <summary>One of <see cref="RequestEndpoints"/>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>The model name, 1 to <see cref="MaxModelBytes"/> bytes of UTF-8 without control characters.</summary>
    public required string Model { get; init; }

    /// <summary>The most tokens to generate, at least 1; null when the request does not limit them.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Whether the response streams (many chunks) or comes whole (one final chunk).</summary>
    public bool Stream { get; init; }

    /// <summary>One of the suites <see cref="SealingSuites"/> names; AES-256-GCM unless set.</summary>
    public HpkeSuite Suite { get; init; } = HpkeSuite.P256Sha256Aes256Gcm;

    /// <summary>Metadata for a new request, with a fresh random <see cref="RequestId"/>.</summary>
    public static RequestMetadata Create(string endpoint, string model, int? maxTokens, bool stream, HpkeSuite? suite = null) => new()
    {
        RequestId = RequestId.New(),
        Endpoint = endpoint,
        Model = model,
        MaxTokens = maxTokens,
        Stream = stream,
        Suite = suite ?? HpkeSuite.P256Sha256Aes256Gcm,
    };
}

using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Umbra.Client.Trust;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;
using static Umbra.Client.JsonText;

namespace Umbra.Client;

/// <summary>
/// The consumer's side of a private request: fetch a model's providers and their keys, check each key
/// against the provider's own attestation bundle, seal the OpenAI request end to end, send it through the coordinator, and open the response
/// chunk by chunk, refusing anything reordered, dropped, truncated or reflected.
/// </summary>
public sealed class UmbraClient
{
    public const string SealedContentType = "application/umbra-sealed+json";

    private readonly HttpClient _http;
    private readonly UmbraClientOptions _options;
    private readonly ProviderTrustChecker _trust;

    public UmbraClient(HttpClient http, UmbraClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRecipients is < 1 or > 16)
            throw new ArgumentException($"MaxRecipients must be 1 to 16; got {options.MaxRecipients}.", nameof(options));
        if (!Enum.IsDefined(options.MinimumTrust))
            throw new ArgumentException($"MinimumTrust {options.MinimumTrust} is not a trust level.", nameof(options));
        if (options.MaxBundleAge <= TimeSpan.Zero)
            throw new ArgumentException($"MaxBundleAge must be positive; got {options.MaxBundleAge}.", nameof(options));
        _http = http;
        _options = options;
        _trust = new ProviderTrustChecker(options);
    }

    /// <summary>How many bundles this client has verified rather than taken from its cache (for tests).</summary>
    internal int BundleVerifications => _trust.Verifications;

    /// <summary>
    /// The providers of <paramref name="model"/> this client will seal to: each key the coordinator lists is kept
    /// only if the provider's own bundle, verified here under this client's policy, signs that key and the model
    /// at <see cref="UmbraClientOptions.MinimumTrust"/> or above (<see cref="ProviderTrustChecker"/>). The
    /// coordinator's stated trust level and key id are not believed. Best trust level first.
    /// </summary>
    public async Task<IReadOnlyList<ProviderCandidate>> GetProvidersAsync(string model, CancellationToken cancellationToken = default) =>
        (await ListAsync(model, cancellationToken).ConfigureAwait(false)).Candidates;

    private async Task<(IReadOnlyList<ProviderCandidate> Candidates, IReadOnlyList<string> Refusals)> ListAsync(string model, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Get, $"v1/models/{Uri.EscapeDataString(model)}/providers");
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw Refusal((int)response.StatusCode, body);

        var candidates = new List<ProviderCandidate>();
        var refusals = new List<string>();
        using var doc = ParseJson(body, "provider list");
        var list = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement
            : doc.RootElement.TryGetProperty("data", out var data) ? data : default;
        if (list.ValueKind != JsonValueKind.Array)
            throw new UmbraClientException(502, "bad_provider_list", "The coordinator's provider list is not a list.");
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object) continue;
            string? id = Text(entry, "provider_id"), keyId = Text(entry, "key_id"), key = Text(entry, "public_key");
            string suite = Text(entry, "suite") ?? SealingSuites.Aes256GcmName;
            if (id is null || keyId is null || key is null) continue;
            if (!TryDecode(key, out var keyBytes) || !HpkePublicKey.TryImport(keyBytes, out var publicKey))
            {
                refusals.Add($"{id}'s listed key {keyId} is not a valid P-256 public key");
                continue;
            }
            if (!string.Equals(publicKey.KeyId, keyId, StringComparison.Ordinal))
            {
                refusals.Add($"{id}'s key is listed under id {keyId}, but the key's own id is {publicKey.KeyId}");
                continue;
            }
            var candidate = _trust.Check(model, ReadListing(id, publicKey, suite, entry), out var refusal);
            if (candidate is not null) candidates.Add(candidate);
            else refusals.Add(refusal);
        }
        return ([.. candidates.OrderByDescending(c => c.TrustLevel)], refusals.Distinct(StringComparer.Ordinal).ToList());
    }

    private static ListedKey ReadListing(string id, HpkePublicKey publicKey, string suite, JsonElement entry)
    {
        if (!entry.TryGetProperty("attestation", out var attestation) || attestation.ValueKind != JsonValueKind.Object)
            return new ListedKey(id, publicKey, suite, null, null, null);
        string? claimed = Text(attestation, "trust_level");
        if (!attestation.TryGetProperty("bundle", out var bundle) || bundle.ValueKind != JsonValueKind.Object)
            return new ListedKey(id, publicKey, suite, null, null, claimed);
        if (Text(bundle, "body") is not { } b || Text(bundle, "signature") is not { } s || !TryDecode(b, out var bodyBytes) || !TryDecode(s, out var signature))
            return new ListedKey(id, publicKey, suite, null, null, claimed) { MalformedBundle = "the bundle's body and signature are not both base64url strings" };
        return new ListedKey(id, publicKey, suite, bodyBytes, signature, claimed);
    }

    /// <summary>
    /// Seals an OpenAI request body for <paramref name="endpoint"/> (chat.completions or completions), sends it,
    /// and yields each opened response payload as it arrives: OpenAI chunk JSON when streaming, otherwise the
    /// single response JSON. Throws <see cref="UmbraClientException"/> for refusals and for responses that do not open.
    /// </summary>
    public async IAsyncEnumerable<byte[]> SendAsync(string endpoint, ReadOnlyMemory<byte> openAiRequest, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var parsed = ParseRequest(endpoint, openAiRequest);
        var (candidates, refusals) = await ListAsync(parsed.Model, cancellationToken).ConfigureAwait(false);
        if (candidates.Count == 0 && refusals.Count > 0)
            throw new TrustException(parsed.Model, _trust.Minimum, refusals); // never a fallback to a lower level or to plaintext
        if (candidates.Count == 0)
            throw new UmbraClientException(404, "model_not_found", $"No provider serves '{parsed.Model}'.");
        var recipients = candidates.Take(_options.MaxRecipients).Select(c => c.PublicKey).ToArray();

        var metadata = RequestMetadata.Create(endpoint, parsed.Model, parsed.MaxTokens, parsed.Stream);
        var (envelope, pending) = RequestSealer.Seal(openAiRequest.Span, metadata, recipients);
        using var pendingResponse = pending;
        using var request = NewRequest(HttpMethod.Post, endpoint == RequestEndpoints.Completions ? "v1/completions" : "v1/chat/completions");
        request.Content = new ByteArrayContent(envelope.ToUtf8Json());
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(SealedContentType);

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw Refusal((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));

        using var opener = pendingResponse.CreateOpener();
        if (!parsed.Stream)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            yield return Open(opener, body);
            Complete(opener);
            yield break;
        }

        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            string data = line[5..].Trim();
            if (data == "[DONE]") break;
            var bytes = Encoding.UTF8.GetBytes(data);
            if (IsError(bytes)) throw Refusal(502, bytes);
            yield return Open(opener, bytes);
        }
        Complete(opener);
    }

    private static ParsedRequest ParseRequest(string endpoint, ReadOnlyMemory<byte> body)
    {
        using var doc = ParseJson(body.ToArray(), "request");
        return endpoint switch
        {
            RequestEndpoints.ChatCompletions => RequestParser.ParseChat(doc.RootElement),
            RequestEndpoints.Completions => RequestParser.ParseCompletion(doc.RootElement),
            _ => throw new ArgumentException($"Endpoint '{endpoint}' cannot be sealed by this client; use chat.completions or completions.", nameof(endpoint)),
        };
    }

    private static byte[] Open(ResponseOpener opener, byte[] chunkJson)
    {
        try
        {
            return opener.Open(SealedChunk.Parse(chunkJson));
        }
        catch (SealingException e)
        {
            throw new UmbraClientException(502, "response_not_authentic", $"A response chunk did not open: {e.Message}", e);
        }
    }

    private static void Complete(ResponseOpener opener)
    {
        try
        {
            opener.EnsureComplete();
        }
        catch (SealingException e)
        {
            throw new UmbraClientException(502, "response_not_authentic", $"The response ended early: {e.Message}", e);
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(_options.Coordinator, path));
        if (_options.ApiKey is { Length: > 0 } key)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private static bool IsError(byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static UmbraClientException Refusal(int status, byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object)
                return new UmbraClientException(status, Text(e, "code"), Text(e, "message") ?? $"The coordinator answered {status}.");
        }
        catch (JsonException)
        {
            // Not an OpenAI error body; report the status alone.
        }
        return new UmbraClientException(status, null, $"The coordinator answered {status}.");
    }

    private static JsonDocument ParseJson(byte[] bytes, string what)
    {
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new UmbraClientException(400, "invalid_json", $"The {what} is not valid JSON: {e.Message}", e);
        }
    }
}

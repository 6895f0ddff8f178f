using System.Buffers.Text;
using System.Text.Json;
using static Umbra.Client.JsonText;

namespace Umbra.Client.Verification;

/// <summary>
/// Finds the bundle in what a user saved: a bare bundle <c>{"body","signature"}</c>, one entry of
/// <c>GET /v1/providers/attestation</c> (<c>{"provider_id", "bundle": {...}}</c>) or of
/// <c>GET /v1/models/{model}/providers</c> (<c>{"attestation": {"bundle": {...}}}</c>), or a whole list of either,
/// from which <c>providerId</c> picks the entry. Nothing here checks the bundle; it only finds its bytes.
/// </summary>
public static class BundleDocument
{
    /// <summary>
    /// The bundle's body and signature. A document that is not JSON, or whose bundle is not base64url, comes back
    /// with <see cref="BundleSelection.Problem"/> set (the bundle fails to decode: it is invalid).
    /// </summary>
    /// <exception cref="ArgumentException">A list without a way to pick one entry, or a provider id it does not hold.</exception>
    public static BundleSelection Select(ReadOnlySpan<byte> utf8Json, string? providerId)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            return BundleSelection.Failed($"The file is not JSON: {e.Message}", null);
        }
        using (doc)
        {
            var root = doc.RootElement;
            var list = root.ValueKind == JsonValueKind.Array ? root
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array ? data
                : default;
            if (list.ValueKind == JsonValueKind.Array)
                return FromEntry(Pick(list, providerId), $"an entry of a list of {list.GetArrayLength()}");
            if (root.ValueKind != JsonValueKind.Object)
                return BundleSelection.Failed("The file is JSON but not an object: expected {\"body\",\"signature\"} or a provider entry.", null);
            if (providerId is not null && Text(root, "provider_id") is { } id && !string.Equals(id, providerId, StringComparison.Ordinal))
                throw new ArgumentException($"The file holds provider \"{id}\", not \"{providerId}\".");
            return FromEntry(root, null);
        }
    }

    private static JsonElement Pick(JsonElement list, string? providerId)
    {
        var entries = list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList();
        var ids = entries.Select(e => Text(e, "provider_id") ?? "?").Distinct(StringComparer.Ordinal).ToList();
        if (providerId is null)
        {
            if (entries.Count == 1) return entries[0];
            throw new ArgumentException(entries.Count == 0
                ? "The list is empty: there is no bundle to verify."
                : $"The list holds {entries.Count} entries ({string.Join(", ", ids)}); name one with --provider.");
        }
        var match = entries.Where(e => string.Equals(Text(e, "provider_id"), providerId, StringComparison.Ordinal)).ToList();
        if (match.Count == 0)
            throw new ArgumentException($"The list has no provider \"{providerId}\"; it has {(ids.Count == 0 ? "none" : string.Join(", ", ids))}.");
        // The models listing repeats a provider once per key, with the same bundle; the first will do.
        return match[0];
    }

    private static BundleSelection FromEntry(JsonElement entry, string? from)
    {
        string? provider = Text(entry, "provider_id");
        string where = from is null ? (provider is null ? "a bare bundle" : $"the entry of provider \"{provider}\"") : $"{from}, provider \"{provider}\"";
        JsonElement bundle = entry;
        if (entry.TryGetProperty("attestation", out var attestation))
        {
            if (attestation.ValueKind != JsonValueKind.Object)
                return BundleSelection.Failed($"In {where}: the coordinator published no attestation, so there is nothing to verify (trust level none).", provider);
            bundle = attestation;
        }
        if (bundle.TryGetProperty("bundle", out var inner))
        {
            if (inner.ValueKind != JsonValueKind.Object)
                return BundleSelection.Failed($"In {where}: the coordinator published no bundle, so there is nothing to verify (trust level none).", provider);
            bundle = inner;
        }
        if (Text(bundle, "body") is not { } b || Text(bundle, "signature") is not { } s)
            return BundleSelection.Failed($"In {where}: no bundle {{\"body\",\"signature\"}} was found.", provider);
        if (!TryDecode(b, out var body) || !TryDecode(s, out var signature))
            return BundleSelection.Failed($"In {where}: the bundle's body or signature is not base64url (no padding).", provider);
        return new BundleSelection(body, signature, provider, null, where);
    }


}

/// <summary>The bundle found in a document, or why none could be read (<see cref="Problem"/>).</summary>
public sealed record BundleSelection(byte[]? Body, byte[]? Signature, string? ProviderId, string? Problem, string Source)
{
    internal static BundleSelection Failed(string problem, string? providerId) => new(null, null, providerId, problem, "the file");
}

using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The client side of docs/PROTOCOL.md, "Sealing": seals one request body to one or more provider keys, with
/// the routing metadata bound into every seal.
/// </summary>
public static class RequestSealer
{
    /// <summary>
    /// Seals <paramref name="body"/> under a fresh content key, and wraps that key to each recipient with HPKE
    /// (info = H || key_id, associated data = H). The content key is wiped before this returns.
    /// </summary>
    /// <param name="body">The request body (the OpenAI JSON), at most <see cref="SealedRequestEnvelope.MaxBodySize"/> bytes.</param>
    /// <param name="metadata">The routing fields, including the request id and the suite; see <see cref="RequestMetadata.Create"/>.</param>
    /// <param name="recipients">1 to <see cref="SealedRequestEnvelope.MaxRecipients"/> distinct provider keys, each already verified.</param>
    /// <exception cref="ArgumentException">The metadata, recipients or body break a rule; the message says which.</exception>
    public static SealedRequest Seal(ReadOnlySpan<byte> body, RequestMetadata metadata, IReadOnlyList<HpkePublicKey> recipients)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(recipients);
        if (MetadataRules.Check(metadata) is { } problem)
            throw new ArgumentException("The request metadata's " + problem, nameof(metadata));
        if (recipients.Count is 0 or > SealedRequestEnvelope.MaxRecipients)
            throw new ArgumentException($"A request is sealed to 1 to {SealedRequestEnvelope.MaxRecipients} recipients; got {recipients.Count}.", nameof(recipients));
        if (body.Length > SealedRequestEnvelope.MaxBodySize)
            throw new ArgumentException($"A sealed request body is at most {SealedRequestEnvelope.MaxBodySize} bytes; got {body.Length}.", nameof(body));
        var keyIds = new string[recipients.Count];
        for (var i = 0; i < keyIds.Length; i++)
        {
            var recipient = recipients[i] ?? throw new ArgumentException($"Recipient {i} is null.", nameof(recipients));
            keyIds[i] = recipient.KeyId;
            if (Array.IndexOf(keyIds, keyIds[i], 0, i) >= 0)
                throw new ArgumentException($"The key {keyIds[i]} appears more than once among the recipients.", nameof(recipients));
        }

        var suite = metadata.Suite;
        var header = RequestHeader.Build(metadata, keyIds);
        var contexts = new Dictionary<string, HpkeSenderContext>(StringComparer.Ordinal);
        var contentKey = ContentKey.Generate();
        try
        {
            var ciphertext = ContentKey.Seal(suite, contentKey, header, body);
            var entries = new RecipientEntry[keyIds.Length];
            for (var i = 0; i < entries.Length; i++)
            {
                var context = Hpke.SetupBaseSender(suite, recipients[i], RequestHeader.RecipientInfo(header, keyIds[i]));
                contexts.Add(keyIds[i], context);
                entries[i] = new RecipientEntry(keyIds[i], context.EncapsulatedKey.Span, context.Seal(header, contentKey));
            }
            var envelope = SealedRequestEnvelope.FromValidated(metadata, entries, ciphertext);
            return new SealedRequest(envelope, new PendingResponse(metadata.RequestId, keyIds, contexts));
        }
        catch
        {
            foreach (var context in contexts.Values)
                context.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contentKey);
        }
    }
}

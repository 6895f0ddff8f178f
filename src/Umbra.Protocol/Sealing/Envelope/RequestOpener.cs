using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The provider side of docs/PROTOCOL.md, "Opening": finds this provider's entry, rebuilds the header from the
/// envelope, unwraps the content key, opens the body, refuses a replay, and derives the response keys.
/// </summary>
public sealed class RequestOpener
{
    public RequestOpener(ReplayGuard replayGuard)
    {
        ArgumentNullException.ThrowIfNull(replayGuard);
        ReplayGuard = replayGuard;
    }

    /// <summary>The request ids this opener has accepted; share one guard among all openers of a process.</summary>
    public ReplayGuard ReplayGuard { get; }

    /// <summary>Opens <paramref name="envelope"/> with the first of <paramref name="privateKeys"/> it is sealed to (several during a key rotation).</summary>
    /// <exception cref="SealingException">As for <see cref="Open(SealedRequestEnvelope, HpkePrivateKey)"/>.</exception>
    public OpenedRequest Open(SealedRequestEnvelope envelope, IEnumerable<HpkePrivateKey> privateKeys)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(privateKeys);
        var keys = privateKeys.ToList();
        var key = keys.Find(k => envelope.TryGetRecipient(k.PublicKey.KeyId, out _));
        return key != null ? Open(envelope, key) : throw NotSealedTo(envelope, string.Join(", ", keys.Select(k => k.PublicKey.KeyId)));
    }

    /// <summary>
    /// Opens <paramref name="envelope"/> with <paramref name="privateKey"/>. Only a request that authenticates
    /// is recorded against replay, so a forged envelope cannot use up a genuine request's id.
    /// </summary>
    /// <exception cref="SealingException">
    /// The envelope has no entry for this key, its encapsulated key is invalid, the wrapped key or body does not
    /// authenticate (a routing field, the recipient list or its order was altered, or the entry belongs to
    /// another key), or the request id was already opened within the replay window.
    /// </exception>
    public OpenedRequest Open(SealedRequestEnvelope envelope, HpkePrivateKey privateKey)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(privateKey);
        var keyId = privateKey.PublicKey.KeyId;
        var metadata = envelope.Metadata;
        var requestId = metadata.RequestId;
        if (!envelope.TryGetRecipient(keyId, out var entry))
            throw NotSealedTo(envelope, keyId);
        // A cheap early refusal; the authoritative check is TryRecord below, once the request has authenticated.
        if (ReplayGuard.Contains(requestId))
            throw Replayed(requestId);

        var header = RequestHeader.Build(metadata, envelope.KeyIds());
        HpkeRecipientContext? context = null;
        byte[]? contentKey = null;
        byte[]? body = null;
        try
        {
            context = Hpke.SetupBaseRecipient(metadata.Suite, entry.EncapsulatedKey.Span, privateKey, RequestHeader.RecipientInfo(header, keyId));
            if (!context.TryOpen(header, entry.WrappedKey.Span, out contentKey))
            {
                throw new SealingException(
                    $"Request {requestId}: the wrapped key for key {keyId} failed authentication. A routing field (endpoint, model, "
                    + "max_tokens, stream, suite, request_id), the recipient list or its order was altered, or the entry was sealed to another key.");
            }
            body = ContentKey.TryOpen(metadata.Suite, contentKey, header, envelope.Ciphertext.Span)
                ?? throw new SealingException($"Request {requestId}: the body failed authentication under its content key; the ciphertext or a routing field was altered.");
            if (!ReplayGuard.TryRecord(requestId))
                throw Replayed(requestId);
            var salt = RandomNumberGenerator.GetBytes(ResponseKeys.SaltSize);
            var keys = ResponseKeys.Derive(context, requestId, keyId, salt);
            return new OpenedRequest(metadata, keyId, body, new ResponseSealer(keys, requestId, keyId, salt), Sealing.ReceiptKey.Derive(context, requestId));
        }
        catch
        {
            if (body != null)
                CryptographicOperations.ZeroMemory(body);
            throw;
        }
        finally
        {
            // Everything the response needs has been exported; the request-direction keys go now.
            context?.Dispose();
            if (contentKey != null)
                CryptographicOperations.ZeroMemory(contentKey);
        }
    }

    private static SealingException NotSealedTo(SealedRequestEnvelope envelope, string keyIds) =>
        new($"Request {envelope.Metadata.RequestId} is not sealed to key {keyIds}; its recipients are {string.Join(", ", envelope.KeyIds())}.");

    private SealingException Replayed(RequestId requestId) =>
        new($"Request {requestId} was already opened within the last {ReplayGuard.Window}; a replay is refused.");
}

using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Umbra.Protocol.Hub;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;

namespace Umbra.Provider.Engine;

/// <summary>
/// The part every provider back end shares: open the sealed envelope with this process's keys, check it is for
/// a model served here, parse the body and hold it to the routing fields sealed with it, wipe the plaintext,
/// and turn refusals into hub errors. Derived classes generate and seal the response.
/// </summary>
public abstract class SealedRequestHandler : IHubRequestHandler
{
    private readonly InferenceKeyring _keyring;

    protected SealedRequestHandler(InferenceKeyring keyring, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        _keyring = keyring;
        Logger = logger ?? NullLogger.Instance;
    }

    private protected ILogger Logger { get; }

    /// <summary>Signs a receipt for every completed response (docs/ATTESTATION.md, "Receipts"); none when null.</summary>
    public Attestation.IReceiptIssuer? Receipts { get; set; }

    /// <summary>Whether <paramref name="model"/> (the envelope's model name) is served here.</summary>
    protected abstract bool Serves(string model);

    /// <summary>Whether <see cref="ServeAsync"/> needs the parsed body (it forwards it).</summary>
    private protected virtual bool KeepsBody => false;

    /// <summary>Generates the response, sends it sealed, and completes it.</summary>
    private protected abstract Task ServeAsync(RequestMessage request, AcceptedRequest accepted, SealedResponse response, CancellationToken cancellationToken);

    public async Task HandleAsync(RequestMessage request, HubResponseWriter response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        AcceptedRequest? accepted = null;
        try
        {
            accepted = Accept(request);
            using var sealedResponse = new SealedResponse(response, accepted, Receipts);
            await ServeAsync(request, accepted, sealedResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestRefusedException e)
        {
            Logger.Refused(request.Handle, e.Code);
            await response.FailAsync(e.Code, e.Message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            accepted?.Dispose();
        }
    }

    private AcceptedRequest Accept(RequestMessage request)
    {
        OpenedRequest opened;
        try
        {
            var envelope = SealedRequestEnvelope.Parse(JsonMarshal.GetRawUtf8Value(request.Envelope));
            opened = _keyring.Open(envelope);
        }
        catch (SealingException e)
        {
            // Why it failed stays here: a prober learns nothing from the answer (replay, other key, or forgery).
            Logger.NotOpened(request.Handle, e.GetType().Name);
            throw new RequestRefusedException(ProviderErrorCodes.SealingFailed, "The request could not be opened by this provider.");
        }
        try
        {
            var metadata = opened.Metadata;
            if (!Serves(metadata.Model))
                throw new RequestRefusedException(ProviderErrorCodes.ModelNotFound, $"This provider does not serve the model '{metadata.Model}'.");
            if (metadata.Endpoint is not (RequestEndpoints.ChatCompletions or RequestEndpoints.Completions))
                throw new RequestRefusedException(ProviderErrorCodes.UnsupportedEndpoint, $"This provider does not serve the '{metadata.Endpoint}' endpoint yet.");
            var (parsed, body) = Parse(opened, KeepsBody);
            CheckBinding(parsed, metadata);
            var key = opened.ReceiptKey;
            try
            {
                return new AcceptedRequest(opened, parsed, body, Umbra.Protocol.Attestation.ReceiptMac.Compute(key, opened.Body.Span));
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
            }
        }
        catch
        {
            opened.Dispose();
            throw;
        }
        finally
        {
            opened.WipeBody();
        }
    }

    private static (ParsedRequest Parsed, JsonElement? Body) Parse(OpenedRequest opened, bool keepBody)
    {
        var bytes = opened.Body;
        // The JSON reader does not check every string (property names included); check the whole body once.
        if (!Utf8.IsValid(bytes.Span))
            throw Invalid("The request body is not valid UTF-8.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            throw Invalid("The request body is not valid JSON.");
        }
        // The document reads the body's buffer in place; it is disposed before that buffer is wiped.
        using (document)
        {
            try
            {
                var root = document.RootElement;
                var parsed = opened.Metadata.Endpoint == RequestEndpoints.ChatCompletions ? RequestParser.ParseChat(root) : RequestParser.ParseCompletion(root);
                return (parsed, keepBody ? root.Clone() : null);
            }
            catch (ApiException e)
            {
                // The parser's own message may quote a value from the body; only the parameter's name goes out.
                throw Invalid(e.Param is { } param
                    ? $"The request's '{param}' parameter is invalid ({e.Code ?? "invalid_value"})."
                    : $"The request body is invalid ({e.Code ?? "invalid_value"}).");
            }
        }
    }

    /// <summary>The body must say what the sealed routing fields say: those are what was admitted and billed.</summary>
    private static void CheckBinding(ParsedRequest parsed, RequestMetadata metadata)
    {
        string? field = parsed.Model != metadata.Model ? "model"
            : parsed.MaxTokens != metadata.MaxTokens ? "max_tokens"
            : parsed.Stream != metadata.Stream ? "stream"
            : null;
        if (field != null)
            throw Invalid($"The body's '{field}' does not match the routing field sealed with it.");
    }

    private static RequestRefusedException Invalid(string message) => new(ProviderErrorCodes.InvalidRequest, message);
}

using Umbra.Protocol.Attestation;

namespace Umbra.Client.Trust;

/// <summary>
/// No listed provider of a model proved the trust level the client requires, so nothing was sent. The message
/// names each provider and why it was refused; <see cref="Refusals"/> has them one by one. Status 503, code
/// <c>insufficient_trust</c>.
/// </summary>
public sealed class TrustException : UmbraClientException
{
    public const string ErrorCode = "insufficient_trust";

    public TrustException(string model, TrustLevel minimum, IReadOnlyList<string> refusals)
        : base(503, ErrorCode, Describe(model, minimum, refusals))
    {
        Model = model;
        Minimum = minimum;
        Refusals = refusals;
    }

    public TrustException()
    {
    }

    public TrustException(string message) : base(message)
    {
    }

    public TrustException(string message, Exception inner) : base(message, inner)
    {
    }

    public string? Model { get; }

    public TrustLevel Minimum { get; }

    public IReadOnlyList<string> Refusals { get; } = [];

    private static string Describe(string model, TrustLevel minimum, IReadOnlyList<string> refusals) =>
        $"No provider of '{model}' proves trust level {minimum.ToWireName()}: {string.Join("; ", refusals)}. Nothing was sent.";
}

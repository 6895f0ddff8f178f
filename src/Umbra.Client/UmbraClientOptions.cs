namespace Umbra.Client;

/// <summary>Where the coordinator is and how to talk to it.</summary>
public sealed record UmbraClientOptions
{
    /// <summary>The coordinator's base URL, e.g. http://127.0.0.1:8080/ (the client adds v1/...).</summary>
    public required Uri Coordinator { get; init; }

    /// <summary>The consumer's API key, sent as a bearer token; never part of what is sealed.</summary>
    public string? ApiKey { get; init; }

    /// <summary>How many candidate providers one request is sealed to (the coordinator may fail over among them).</summary>
    public int MaxRecipients { get; init; } = 3;
}

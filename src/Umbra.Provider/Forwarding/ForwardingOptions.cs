using System.Net;

namespace Umbra.Provider.Forwarding;

/// <summary>Where a forwarding provider sends the requests it opens: an OpenAI-compatible server on this machine.</summary>
public sealed class ForwardingOptions
{
    /// <summary>The server's API base, e.g. <c>http://127.0.0.1:8081/v1</c>; loopback only.</summary>
    public required Uri BaseUri { get; init; }

    /// <summary>The model name clients use, as registration announces it.</summary>
    public required string ModelId { get; init; }

    /// <summary>The model name the local server knows; <see cref="ModelId"/> when null.</summary>
    public string? UpstreamModel { get; init; }

    /// <summary>The context length announced at registration.</summary>
    public int ContextLength { get; init; } = 4096;

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        if (!BaseUri.IsAbsoluteUri || BaseUri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"The local inference server's URL must be an absolute http:// URL; got '{BaseUri}'.");
        // Opened requests are plaintext: they must not leave this machine, whatever a URL or DNS name says.
        if (!IsLoopback(BaseUri))
            throw new ArgumentException($"The local inference server must be on loopback (127.0.0.1, [::1] or localhost); got '{BaseUri.Host}'.");
        if (string.IsNullOrWhiteSpace(ModelId))
            throw new ArgumentException("The forwarded model needs a name for clients to use.");
        if (ContextLength < 1)
            throw new ArgumentException($"The context length must be at least 1; got {ContextLength}.");
    }

    internal static bool IsLoopback(Uri uri) => uri.HostNameType switch
    {
        UriHostNameType.Dns => string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase),
        UriHostNameType.IPv4 or UriHostNameType.IPv6 => IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address),
        _ => false,
    };
}

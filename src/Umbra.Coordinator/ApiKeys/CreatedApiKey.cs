namespace Umbra.Coordinator.ApiKeys;

/// <summary>
/// A new key and its secret, which exists only here: show it to its owner once; it cannot be recovered.
/// Not a record, so that printing or logging it never shows <see cref="Secret"/>.
/// </summary>
public sealed class CreatedApiKey(ApiKeyRecord key, string secret)
{
    public ApiKeyRecord Key { get; } = key;

    /// <summary>The full key, <c>umbra_</c> followed by 43 base64url characters.</summary>
    public string Secret { get; } = secret;

    public override string ToString() => $"{Key.Prefix}... ({Key.Name}, {Key.Id})";
}

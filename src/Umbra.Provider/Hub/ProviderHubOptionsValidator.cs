using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>Lists what is wrong with a <see cref="ProviderHubOptions"/>, one sentence per problem.</summary>
internal static class ProviderHubOptionsValidator
{
    public static List<string> Problems(ProviderHubOptions options)
    {
        var problems = new List<string>();
        CheckUri(options.HubUri, problems);
        if (string.IsNullOrWhiteSpace(options.ProviderId))
            problems.Add("ProviderId is required.");
        CheckModels(options.Models, problems);
        CheckKeys(options.Keys, problems);
        if (options.Hardware is { } hardware)
        {
            if (hardware.Cores < 1)
                problems.Add($"Hardware.Cores must be at least 1; got {hardware.Cores}.");
            if (hardware.MemoryBytes < 0)
                problems.Add($"Hardware.MemoryBytes must not be negative; got {hardware.MemoryBytes}.");
        }

        Positive(nameof(options.HeartbeatInterval), options.HeartbeatInterval, problems);
        Positive(nameof(options.ConnectTimeout), options.ConnectTimeout, problems);
        Positive(nameof(options.RegistrationTimeout), options.RegistrationTimeout, problems);
        Positive(nameof(options.ReconnectBackoffMin), options.ReconnectBackoffMin, problems);
        Positive(nameof(options.ReconnectBackoffMax), options.ReconnectBackoffMax, problems);
        if (options.ReconnectBackoffMax < options.ReconnectBackoffMin)
            problems.Add($"ReconnectBackoffMax ({options.ReconnectBackoffMax}) must not be less than ReconnectBackoffMin ({options.ReconnectBackoffMin}).");
        // Zero is meaningful for these: no grace for in-flight work, or the keep-alive switched off.
        NotNegative(nameof(options.DrainTimeout), options.DrainTimeout, problems);
        Positive(nameof(options.CloseTimeout), options.CloseTimeout, problems);
        NotNegative(nameof(options.KeepAliveInterval), options.KeepAliveInterval, problems);
        NotNegative(nameof(options.KeepAliveTimeout), options.KeepAliveTimeout, problems);
        return problems;
    }

    private static void CheckUri(Uri? uri, List<string> problems)
    {
        if (uri is null)
            problems.Add("HubUri is required (e.g. wss://coordinator.example/v1/providers/connect).");
        else if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
            problems.Add($"HubUri must be an absolute ws:// or wss:// URL; got '{uri.OriginalString}'.");
        else if (!string.IsNullOrEmpty(uri.Fragment))
            problems.Add("HubUri must not have a fragment (#...): WebSocket URLs cannot carry one.");
    }

    private static void CheckModels(IReadOnlyList<ModelOffer>? models, List<string> problems)
    {
        if (models is null || models.Count == 0)
        {
            problems.Add("Models must list at least one model the provider serves.");
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            if (model is null || string.IsNullOrWhiteSpace(model.Id))
                problems.Add("Every entry in Models needs an Id.");
            else if (!seen.Add(model.Id))
                problems.Add($"Models lists '{model.Id}' more than once.");
            else if (model.ContextLength < 1)
                problems.Add($"Model '{model.Id}' needs a positive ContextLength; got {model.ContextLength}.");
        }
    }

    private static void CheckKeys(IReadOnlyList<InferenceKeyInfo>? keys, List<string> problems)
    {
        if (keys is null || keys.Count == 0)
        {
            problems.Add("Keys must list at least one inference key: clients have nothing to seal to without one.");
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (key is null || string.IsNullOrWhiteSpace(key.KeyId))
                problems.Add("Every entry in Keys needs a KeyId.");
            else if (!seen.Add(key.KeyId))
                problems.Add($"Keys lists key id '{key.KeyId}' more than once.");
            else if (string.IsNullOrWhiteSpace(key.PublicKey) || string.IsNullOrWhiteSpace(key.Suite))
                problems.Add($"Key '{key.KeyId}' needs both a PublicKey and a Suite.");
        }
    }

    private static void Positive(string name, TimeSpan value, List<string> problems)
    {
        if (value <= TimeSpan.Zero || value > ProviderHubOptions.MaxDuration)
            problems.Add($"{name} must be greater than zero and at most {ProviderHubOptions.MaxDuration}; got {value}.");
    }

    private static void NotNegative(string name, TimeSpan value, List<string> problems)
    {
        if (value < TimeSpan.Zero || value > ProviderHubOptions.MaxDuration)
            problems.Add($"{name} must be between zero and {ProviderHubOptions.MaxDuration}; got {value}.");
    }
}

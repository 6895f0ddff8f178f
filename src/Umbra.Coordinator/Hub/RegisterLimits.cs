using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Hub;

/// <summary>
/// Bounds on what one registration may claim, checked before any key is imported or anything is logged, so a
/// hostile provider cannot make the coordinator do unbounded work or write its text into the logs.
/// </summary>
internal static class RegisterLimits
{
    public const int MaxKeys = 8;
    public const int MaxModels = 64;
    public const int MaxNameLength = 128;

    /// <summary>A short fixed description of the first limit broken (never the provider's own text), or null.</summary>
    public static string? Problem(RegisterMessage register)
    {
        if (register.ProviderId.Length > MaxNameLength) return "register: provider_id too long";
        if (register.Keys.Count > MaxKeys) return "register: too many keys";
        if (register.Models.Count > MaxModels) return "register: too many models";
        foreach (var model in register.Models)
        {
            if (model is null || model.Id.Length is 0 or > MaxNameLength) return "register: bad model id";
        }
        foreach (var key in register.Keys)
        {
            if (key is null || key.KeyId.Length > MaxNameLength || key.PublicKey.Length > 256 || key.Suite.Length > MaxNameLength)
                return "register: bad key entry";
        }
        return null;
    }
}

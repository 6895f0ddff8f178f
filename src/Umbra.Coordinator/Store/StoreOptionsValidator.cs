using Microsoft.Extensions.Options;

namespace Umbra.Coordinator.Store;

/// <summary>Refuses a malformed store configuration at start-up, with the same message the store would give.</summary>
internal sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        try
        {
            _ = StoreTarget.Resolve(options);
            return ValidateOptionsResult.Success;
        }
        catch (StoreException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}

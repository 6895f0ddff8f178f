using Microsoft.Extensions.Options;

namespace Umbra.Coordinator.ApiKeys;

internal sealed class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options) =>
        options.LastUsedPrecision < TimeSpan.Zero
            ? ValidateOptionsResult.Fail($"ApiKeys:LastUsedPrecision must not be negative; it is {options.LastUsedPrecision}.")
            : ValidateOptionsResult.Success;
}

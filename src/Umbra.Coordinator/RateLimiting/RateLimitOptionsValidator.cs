using Microsoft.Extensions.Options;

namespace Umbra.Coordinator.RateLimiting;

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        if (!double.IsFinite(options.RequestsPerSecond) || options.RequestsPerSecond <= 0)
            failures.Add($"RateLimit:RequestsPerSecond must be a positive number; it is {options.RequestsPerSecond}.");
        if (options.Burst < 1)
            failures.Add($"RateLimit:Burst must be at least 1; it is {options.Burst}.");
        if (options.MaxTrackedKeys < 1)
            failures.Add($"RateLimit:MaxTrackedKeys must be at least 1; it is {options.MaxTrackedKeys}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

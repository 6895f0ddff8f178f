using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.RateLimiting;
using Umbra.Coordinator.Store;

namespace Umbra.Coordinator;

/// <summary>Every registration the coordinator's libraries need, with options bound and checked at start-up.</summary>
public static class CoordinatorServiceCollectionExtensions
{
    /// <summary>
    /// The store chosen by the "Store" section (SQLite by default), migrated when the host starts; API keys
    /// ("ApiKeys") and the per-key rate limiter ("RateLimit").
    /// </summary>
    public static IServiceCollection AddUmbraStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<StoreOptions>().Bind(configuration.GetSection(StoreOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>();
        services.AddOptions<ApiKeyOptions>().Bind(configuration.GetSection(ApiKeyOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>();
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();

        services.AddSingleton(sp => UmbraStoreFactory.Create(
            sp.GetRequiredService<IOptions<StoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => sp.GetRequiredService<IUmbraStore>().ApiKeys);
        services.AddHostedService<StoreMigrationService>();

        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<KeyRateLimiter>();
        return services;
    }
}

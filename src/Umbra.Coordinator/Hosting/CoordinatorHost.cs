using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Admin;
using Umbra.Coordinator.Api;
using Umbra.Coordinator.Api.Responses;
using Umbra.Coordinator.Attestation;
using Umbra.Coordinator.Hub;
using Umbra.Coordinator.Routing;
using Umbra.Coordinator.Store;

namespace Umbra.Coordinator.Hosting;

/// <summary>Builds the coordinator's Kestrel host: the OpenAI-compatible API, the provider hub, the admin API and health.</summary>
public static class CoordinatorHost
{
    /// <summary>
    /// A host ready to run (<c>app.RunAsync()</c> or <c>StartAsync</c>). The store is migrated when it starts, so
    /// a bad database stops start-up with its reason.
    /// </summary>
    /// <param name="configureLogging">Adds log providers or filters (the CLI's console format, a test's capture).</param>
    /// <param name="timeProvider">The clock for rate limits, key timestamps and provider liveness; the system clock by default.</param>
    /// <exception cref="ArgumentException">The options break a rule; the message names each one.</exception>
    public static WebApplication Build(CoordinatorOptions options, Action<ILoggingBuilder>? configureLogging = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        // The host's configuration sources (environment, appsettings) are the CLI's to choose; these options are authoritative.
        builder.Configuration.AddInMemoryCollection(StoreSettings(options));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        // A failure to start (port in use, bad database) reaches the caller as an exception; the host's own dump would repeat it.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.Address, options.Port));

        var services = builder.Services;
        if (timeProvider != null)
            services.AddSingleton(timeProvider);
        services.TryAddSingleton(TimeProvider.System);
        services.AddUmbraStore(builder.Configuration);
        services.AddSingleton(options);
        services.AddSingleton(sp => new ProviderRegistry(sp.GetRequiredService<TimeProvider>(), options.ProviderTimeout, options.MinimumTrust, sp.GetRequiredService<ILogger<ProviderRegistry>>(), options.Scheduling()));
        services.AddSingleton<HubEndpoint>();
        services.AddSingleton<Attestation.ProviderChallenger>();
        services.AddSingleton<RequestDispatcher>();
        services.AddSingleton<SealedIngress>();
        services.AddSingleton<PlainIngress>();
        services.AddSingleton<ResponsesIngress>();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, Attestation.AttestationJsonContext.Default);
        });

        var app = builder.Build();
        app.UseMiddleware<ErrorMiddleware>();
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            var code = context.Response.StatusCode;
            await ApiErrors.WriteAsync(context, new Protocol.OpenAi.ApiException(code, ApiErrors.ForStatus(code), null, code == 404 ? "not_found" : null));
        });
        // A provider whose connection silently died (no FIN) is noticed within the keep-alive timeout, failing its requests.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15), KeepAliveTimeout = TimeSpan.FromSeconds(30) });
        app.MapProviderHubApi();
        app.MapInferenceApi();
        app.MapModelsApi();
        app.MapAttestationApi();
        app.MapAdminApi(options);
        // Started means ready: the store migrated before Kestrel began accepting connections.
        app.MapGet("/health", () => TypedResults.Text("ok"));
        return app;
    }

    /// <summary>The base URL a started host listens on, with the real port when the options asked for 0.</summary>
    public static Uri BaseAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.Urls.First());
    }

    private static Dictionary<string, string?> StoreSettings(CoordinatorOptions options)
    {
        var settings = new Dictionary<string, string?>
        {
            ["RateLimit:RequestsPerSecond"] = options.RateLimitPerSecond.ToString(CultureInfo.InvariantCulture),
            ["RateLimit:Burst"] = options.RateLimitBurst.ToString(CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrEmpty(options.ConnectionString))
            settings[$"{StoreOptions.SectionName}:{nameof(StoreOptions.ConnectionString)}"] = options.ConnectionString;
        if (!string.IsNullOrEmpty(options.DataDirectory))
            settings[$"{StoreOptions.SectionName}:{nameof(StoreOptions.DataDirectory)}"] = options.DataDirectory;
        return settings;
    }
}

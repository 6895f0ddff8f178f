using System.Net;
using Microsoft.AspNetCore.Builder;
using Umbra.Inference.Model;
using Umbra.Serving.Hosting;

namespace Umbra.Serving.Tests;

/// <summary>A real Kestrel host on a loopback port serving the real stories260K model.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private LlamaModel? _model;
    private ServedModel? _served;
    private WebApplication? _app;

    public const string ModelId = "stories260K";
    public const int ContextLength = 256;

    public Uri BaseAddress { get; private set; } = null!;

    public ServedModel Served => _served ?? throw new InvalidOperationException("The server has not started.");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        _model = LlamaModel.Load(SharedTestData.Stories260K);
        _served = new ServedModel(_model, ModelId, ContextLength);
        _app = LocalServer.Build(_served, IPAddress.Loopback, 0);
        await _app.StartAsync();
        BaseAddress = LocalServer.BaseAddress(_app);
        Http.BaseAddress = BaseAddress;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app != null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _served?.Dispose();
        _model?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

using System.Net;
using System.Text;
using Umbra.Inference.Model;
using Umbra.Inference.Synthesis;
using Umbra.Inference.Tensors;
using Umbra.Serving.Hosting;

namespace Umbra.Serving.Tests;

/// <summary>
/// A client that goes away stops its generation. Uses a synthetic model slow enough (a few ms a token)
/// that an unstopped request would run for seconds; stories260K finishes before a disconnect is noticed.
/// </summary>
public sealed class CancellationTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"umbra-cancel-{Guid.NewGuid():N}.gguf");
    private LlamaModel? _model;
    private ServedModel? _served;
    private Microsoft.AspNetCore.Builder.WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        var shape = ModelShape.Named["tiny"] with { EmbeddingLength = 512, BlockCount = 8, FeedForwardLength = 1536, HeadCount = 8, HeadCountKv = 4, VocabSize = 2048, ContextLength = 4096 };
        ModelSynthesizer.Write(_path, new SynthesisOptions { Shape = shape, WeightType = GgmlType.Q8_0, Seed = 2 });
        _model = LlamaModel.Load(_path);
        _served = new ServedModel(_model, "slow", 4096);
        _app = LocalServer.Build(_served, IPAddress.Loopback, 0);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = LocalServer.BaseAddress(_app), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app != null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _served?.Dispose();
        _model?.Dispose();
        File.Delete(_path);
    }

    private static StringContent Body(bool stream) => new(
        $$"""{"model":"slow","prompt":"abc","max_tokens":3000,"temperature":0,"stream":{{(stream ? "true" : "false")}}}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_streaming_client_that_disconnects_stops_its_generation()
    {
        var generator = _served!.Generator;
        int stepsAtDisconnect;
        using (var cts = new CancellationTokenSource())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = Body(stream: true) };
            using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            Assert.True(await stream.ReadAsync(new byte[64], cts.Token) > 0);
            stepsAtDisconnect = generator.Steps;
            await cts.CancelAsync();
        }
        await WaitUntilIdle();
        Assert.True(generator.Steps - stepsAtDisconnect < 300, $"{generator.Steps - stepsAtDisconnect} tokens ran after the disconnect (3000 were asked for)");
    }

    [Fact]
    public async Task A_waiting_client_that_times_out_stops_its_generation()
    {
        var generator = _served!.Generator;
        int before = generator.Steps;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _http!.PostAsync("/v1/completions", Body(stream: false), cts.Token));
        await WaitUntilIdle();
        Assert.True(generator.Steps - before < 1000, $"{generator.Steps - before} tokens ran (3000 were asked for)");
    }

    /// <summary>The engine is idle once a tiny request goes through; then no more steps can be added by the old one.</summary>
    private async Task WaitUntilIdle()
    {
        var r = await _http!.PostAsync("/v1/completions", new StringContent("""{"model":"slow","prompt":"a","max_tokens":1}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }
}

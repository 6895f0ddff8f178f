using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Umbra.Inference.Model;
using Umbra.Serving.Hosting;

namespace Umbra.Serving.Tests;

/// <summary>No prompt or completion text reaches a log, even at the most verbose level.</summary>
public class PrivacyTests
{
    [Fact]
    public async Task Prompts_and_completions_never_reach_the_logs()
    {
        var sink = new CapturingLoggerProvider();
        using var model = LlamaModel.Load(SharedTestData.Stories260K);
        using var served = new ServedModel(model, "stories260K", 256);
        var app = LocalServer.Build(served, IPAddress.Loopback, 0, LogLevel.Trace, logging => logging.AddProvider(sink));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = LocalServer.BaseAddress(app) };
            const string canary = "CANARY-7f3a9 zebra quartz";
            var requests = new[]
            {
                $$"""{"model":"stories260K","messages":[{"role":"user","content":"{{canary}}"}],"max_tokens":8}""",
                $$"""{"model":"stories260K","messages":[{"role":"user","content":"{{canary}}"}],"max_tokens":8,"stream":true}""",
                $$"""{"model":"stories260K","messages":[{"role":"user","content":"{{canary}}"}],"temperature":"{{canary}}"}""",
                $$"""{"model":"stories260K","messages":[{"role":"user","content":"{{canary}}"}],"max_tokens":100000}""",
                $$"""{"model":"stories260K","messages":[{"role":"user","content":"{{canary}}"}""",
            };
            var completions = new List<string>();
            foreach (var body in requests)
            {
                var r = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
                completions.Add(await r.Content.ReadAsStringAsync());
            }
            var c = await http.PostAsync("/v1/completions", new StringContent($$"""{"model":"stories260K","prompt":"{{canary}}","max_tokens":12,"temperature":0}""", Encoding.UTF8, "application/json"));
            var generated = System.Text.Json.JsonDocument.Parse(await c.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;
            Assert.True(generated.Trim().Length > 8);

            Assert.NotEmpty(sink.Lines); // the verbose log did record the requests
            foreach (var line in sink.Lines)
            {
                Assert.DoesNotContain("CANARY", line, StringComparison.Ordinal);
                Assert.DoesNotContain("quartz", line, StringComparison.Ordinal);
                Assert.DoesNotContain(generated.Trim(), line, StringComparison.Ordinal);
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Collects every formatted log line with its exception text.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {exception}");
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests;

/// <summary>`umbra serve` as a real process on a loopback port: it answers OpenAI requests and stops cleanly on a signal.</summary>
public sealed partial class ServeCommandTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _home = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        _home.Dispose();
    }

    [GeneratedRegex(@"^Serving '(?<id>[^']+)' .* at (?<url>http://127\.0\.0\.1:\d+/v1)$")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"^Warmed up 'stories260K' in \d+\.\d s: prefill \d+ tokens/s \(32-token prompt\), decode \d+\.\d tokens/s$", RegexOptions.Multiline)]
    private static partial Regex WarmedUpLine();

    private static async Task<(UmbraProcess Server, string Id, string BaseUrl)> StartAsync(TempDirectory home, params string[] options)
    {
        var server = UmbraProcess.Start(home, ["serve", "--port", "0", .. options]);
        try
        {
            var match = await server.WaitForLineAsync(ServingLine(), StartTimeout);
            return (server, match.Groups["id"].Value, match.Groups["url"].Value);
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task Serves_the_model_over_the_openai_api_and_stops_on_sigint()
    {
        var (server, id, baseUrl) = await StartAsync(_home, "--model", TestPaths.Stories260K);
        using (server)
        {
            Assert.Equal("stories260K", id);
            // The engine warmed up before the server listened, and said how fast it ran.
            Assert.Matches(WarmedUpLine(), server.Stdout);
            Assert.True(server.Stdout.IndexOf("Warmed up", StringComparison.Ordinal) < server.Stdout.IndexOf("Serving", StringComparison.Ordinal), server.Stdout);

            using var models = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"{baseUrl}/models")));
            Assert.Equal("stories260K", models.RootElement.GetProperty("data")[0].GetProperty("id").GetString());

            using var response = await _http.PostAsJsonAsync(new Uri($"{baseUrl}/chat/completions"), new
            {
                model = "stories260K",
                messages = new[] { new { role = "user", content = "Tell me a story" } },
                max_tokens = 8,
                temperature = 0,
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var chat = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.False(string.IsNullOrEmpty(chat.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()));
            Assert.Equal(8, chat.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

            server.Signal(PosixSignals.Interrupt);
            var result = await server.WaitForExitAsync(StopTimeout);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Stops_cleanly_on_sigterm_as_service_managers_send()
    {
        var (server, _, baseUrl) = await StartAsync(_home, "--model", TestPaths.Stories260K, "--model-id", "story-model");
        using (server)
        {
            using var models = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"{baseUrl}/models")));
            Assert.Equal("story-model", models.RootElement.GetProperty("data")[0].GetProperty("id").GetString());

            server.Signal(PosixSignals.Terminate);
            var result = await server.WaitForExitAsync(StopTimeout);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
    }

    [Fact]
    public async Task With_no_warm_up_it_skips_the_warm_up_and_the_first_request_is_served()
    {
        var (server, _, baseUrl) = await StartAsync(_home, "--model", TestPaths.Stories260K, "--no-warm-up");
        using (server)
        {
            Assert.DoesNotContain("Warmed up", server.Stdout, StringComparison.Ordinal);
            using var response = await _http.PostAsJsonAsync(new Uri($"{baseUrl}/completions"), new { model = "stories260K", prompt = "Once", max_tokens = 3 });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            server.Signal(PosixSignals.Interrupt);
            Assert.Equal(0, (await server.WaitForExitAsync(StopTimeout)).ExitCode);
        }
    }

    [Fact]
    public async Task Without_a_model_it_writes_the_demo_model_under_umbra_home_and_serves_it()
    {
        var (server, id, baseUrl) = await StartAsync(_home);
        using (server)
        {
            string demo = Path.Combine(_home.Path, "models", "demo-tiny.gguf");
            Assert.True(File.Exists(demo), $"The demo model was not written to {demo}.");
            Assert.Equal("demo-tiny", id);

            using var response = await _http.PostAsJsonAsync(new Uri($"{baseUrl}/chat/completions"), new
            {
                model = id,
                messages = new[] { new { role = "user", content = "Hi" } },
                max_tokens = 4,
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            server.Signal(PosixSignals.Interrupt);
            var result = await server.WaitForExitAsync(StopTimeout);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("demo model", result.Stderr, StringComparison.Ordinal);
        }
    }
}

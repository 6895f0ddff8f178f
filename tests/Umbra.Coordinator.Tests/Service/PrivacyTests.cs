using System.Net;
using System.Text;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Tests.Service;

public sealed class PrivacyTests
{
    [Fact]
    public async Task Canary_in_requests_never_reaches_coordinator_logs_or_its_database()
    {
        const string Canary = "CANARY-7f3a9c1e-never-log-me";
        string directory;
        CapturingLoggerProvider logs;
        string apiKey;
        await using (var coordinator = await TestCoordinator.StartAsync())
        {
            directory = coordinator.Directory;
            logs = coordinator.Logs;
            apiKey = coordinator.ApiKey;
            await using var provider = await TestProvider.StartAsync(coordinator, "p1");
            var client = coordinator.Client();

            foreach (var stream in new[] { false, true })
            {
                var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream, content: Canary, keys: provider.PublicKey);
                using var pending = request.PendingResponse;
                using var response = await SealedClient.PostAsync(client, "/v1/chat/completions", request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains(Canary, provider.Handler.LastBody, StringComparison.Ordinal);
            }
            // Plain ingress holds the plaintext for a moment; it still must not be written anywhere.
            using var plain = await client.PostAsync("/v1/chat/completions",
                new StringContent($$"""{"model":"test-model","messages":[{"role":"user","content":"{{Canary}}"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
            using var failed = await client.PostAsync("/v1/chat/completions",
                new StringContent($$"""{"model":"test-model","messages":[{"role":"{{Canary}}","content":"x"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
            Assert.Contains(Canary, await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            // The Responses API is translated in the coordinator: the same rule holds for it.
            foreach (var stream in new[] { "false", "true" })
            {
                using var responses = await client.PostAsync("/v1/responses",
                    new StringContent($$"""{"model":"test-model","instructions":"{{Canary}}","input":"{{Canary}}","stream":{{stream}}}""", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, responses.StatusCode);
                await responses.Content.ReadAsStringAsync();
                Assert.Contains(Canary, provider.Handler.LastBody, StringComparison.Ordinal);
            }
            using var refused = await client.PostAsync("/v1/responses",
                new StringContent($$"""{"model":"test-model","input":[{"role":"{{Canary}}","content":"x"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

            // The SQLite file and its journal, read while the store is open (the directory goes with the coordinator).
            var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
            Assert.Contains(files, f => f.EndsWith(".db", StringComparison.Ordinal));
            foreach (var file in files)
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream, Encoding.Latin1);
                var contents = await reader.ReadToEndAsync();
                Assert.DoesNotContain(Canary, contents, StringComparison.Ordinal);
                Assert.DoesNotContain(apiKey, contents, StringComparison.Ordinal);
            }
        }

        Assert.NotEmpty(logs.Lines);
        Assert.Contains(logs.Lines, l => l.Contains("routed to provider p1", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Canary, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(apiKey, StringComparison.Ordinal));
    }
}

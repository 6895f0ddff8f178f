using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Umbra.Serving.Tests;

/// <summary>The raw HTTP surface: shapes of responses and the SSE stream, and precise errors for bad input.</summary>
[Collection(ServerCollection.Name)]
public class HttpApiTests(ServerFixture server)
{
    private Task<HttpResponseMessage> Post(string path, string body, string contentType = "application/json") =>
        server.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    private static async Task<JsonElement> Json(HttpResponseMessage r) =>
        JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    private static async Task<JsonElement> AssertError(HttpResponseMessage r, HttpStatusCode status, string? code = null, string? param = null)
    {
        Assert.Equal(status, r.StatusCode);
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        var error = (await Json(r)).GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        if (code != null) Assert.Equal(code, error.GetProperty("code").GetString());
        if (param != null) Assert.Equal(param, error.GetProperty("param").GetString());
        return error;
    }

    [Fact]
    public async Task Completions_return_text_and_usage()
    {
        var r = await Post("/v1/completions", """{"model":"stories260K","prompt":"Once upon a time","max_tokens":20,"temperature":0}""");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await Json(r);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.StartsWith(", there was a little girl named Lily.", choice.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(20, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(5, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_stream_as_server_sent_events_ending_with_done()
    {
        var r = await Post("/v1/completions", """{"model":"stories260K","prompt":"Once upon a time","max_tokens":12,"temperature":0,"stream":true}""");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType?.MediaType);
        var lines = (await r.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", lines[^1]);
        var events = lines[..^1].Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).ToArray();
        var text = string.Concat(events.Select(e => e.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.StartsWith(", there was a little girl", text, StringComparison.Ordinal);
        var last = events[^1];
        Assert.Equal("length", last.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(12, last.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Stop_sequences_end_the_completion()
    {
        var r = await Post("/v1/completions", """{"model":"stories260K","prompt":"Once upon a time","max_tokens":30,"temperature":0,"stop":["Lily"]}""");
        var choice = (await Json(r)).GetProperty("choices")[0];
        Assert.Equal(", there was a little girl named ", choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
    }

    public static TheoryData<string, string, string?> BadBodies() => new()
    {
        { "{", "invalid_json", null },
        { "", "invalid_json", null },
        { "[]", "invalid_json", null },
        { "null", "invalid_json", null },
        { "\"text\"", "invalid_json", null },
        { """{"messages":[{"role":"user","content":"hi"}]}""", "missing_required_parameter", "model" },
        { """{"model":42,"messages":[]}""", "invalid_type", "model" },
        { """{"model":"stories260K"}""", "missing_required_parameter", "messages" },
        { """{"model":"stories260K","messages":[]}""", "empty_array", "messages" },
        { """{"model":"stories260K","messages":"hi"}""", "invalid_type", "messages" },
        { """{"model":"stories260K","messages":[{"role":"wizard","content":"hi"}]}""", "invalid_value", "messages[0].role" },
        { """{"model":"stories260K","messages":[{"content":"hi"}]}""", "missing_required_parameter", "messages[0].role" },
        { """{"model":"stories260K","messages":[{"role":"user"}]}""", "missing_required_parameter", "messages[0].content" },
        { """{"model":"stories260K","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "invalid_value", "messages[0].content[0].type" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "invalid_type", "temperature" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"temperature":3}""", "invalid_value", "temperature" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"top_p":-0.5}""", "invalid_value", "top_p" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "invalid_value", "max_tokens" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"max_tokens":1.5}""", "invalid_type", "max_tokens" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"max_tokens":99999999999}""", "invalid_value", "max_tokens" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"n":2}""", "invalid_value", "n" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}""", "invalid_value", "stop" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"stop":5}""", "invalid_type", "stop" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"stream":"yes"}""", "invalid_type", "stream" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"seed":"x"}""", "invalid_type", "seed" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"frequency_penalty":2.5}""", "invalid_value", "frequency_penalty" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"logprobs":true}""", "invalid_value", "logprobs" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"max_tokens":400}""", "context_length_exceeded", "messages" },
        { """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"max_tokens":2147483647}""", "context_length_exceeded", "messages" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_chat_requests_get_precise_openai_errors(string body, string code, string? param)
    {
        var r = await Post("/v1/chat/completions", body);
        await AssertError(r, HttpStatusCode.BadRequest, code, param);
    }

    [Theory]
    [InlineData("""{"model":"stories260K"}""", "missing_required_parameter")]
    [InlineData("""{"model":"stories260K","prompt":""}""", "invalid_value")]
    [InlineData("""{"model":"stories260K","prompt":["a","b"]}""", "invalid_value")]
    [InlineData("""{"model":"stories260K","prompt":{"a":1}}""", "invalid_type")]
    public async Task Bad_completion_requests_get_precise_openai_errors(string body, string code)
    {
        await AssertError(await Post("/v1/completions", body), HttpStatusCode.BadRequest, code, "prompt");
    }

    [Fact]
    public async Task A_completion_prompt_beyond_the_context_names_the_prompt()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("once upon a time", 200));
        await AssertError(await Post("/v1/completions", $$"""{"model":"stories260K","prompt":"{{prompt}}"}"""), HttpStatusCode.BadRequest, "context_length_exceeded", "prompt");
    }

    [Fact]
    public async Task Include_usage_sends_openai_s_usage_only_last_chunk()
    {
        var r = await Post("/v1/chat/completions", """{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"max_tokens":6,"stream":true,"stream_options":{"include_usage":true}}""");
        var events = (await r.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToArray();
        var last = chunks[^1];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        Assert.Equal(6, last.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.All(chunks[..^1], c => Assert.False(c.TryGetProperty("usage", out _)));
        Assert.Equal("length", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public void A_template_that_refuses_the_messages_is_a_400_naming_its_reason()
    {
        var error = Hosting.ApiErrors.From(new Umbra.Inference.Templates.TemplateException("Conversation roles must alternate user/assistant/user/assistant/...", 1, 1, raisedByTemplate: true));
        Assert.Equal(400, error.Status);
        Assert.Equal("messages", error.Param);
        Assert.Contains("Conversation roles must alternate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_model_is_404_model_not_found()
    {
        await AssertError(await Post("/v1/chat/completions", """{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}"""), HttpStatusCode.NotFound, "model_not_found", "model");
        await AssertError(await server.Http.GetAsync("/v1/models/gpt-9"), HttpStatusCode.NotFound, "model_not_found");
    }

    [Fact]
    public async Task Hostile_transport_level_input_gets_clear_errors()
    {
        await AssertError(await server.Http.GetAsync("/v1/nothing-here"), HttpStatusCode.NotFound);
        await AssertError(await server.Http.GetAsync("/v1/chat/completions"), HttpStatusCode.MethodNotAllowed);
        await AssertError(await Post("/v1/chat/completions", "model=x", "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType);

        // Like curl with a large body, ask before sending it: the server refuses on the declared length alone.
        var huge = new string('a', 9 * 1024 * 1024);
        var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"stories260K","messages":[{"role":"user","content":"{{huge}}"}]}""", Encoding.UTF8, "application/json"),
        };
        tooLarge.Headers.ExpectContinue = true;
        await AssertError(await server.Http.SendAsync(tooLarge), HttpStatusCode.RequestEntityTooLarge, "request_too_large");

        var deep = new string('[', 5000) + new string(']', 5000);
        await AssertError(await Post("/v1/chat/completions", deep), HttpStatusCode.BadRequest, "invalid_json");

        var invalidUtf8 = new ByteArrayContent([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]);
        invalidUtf8.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await AssertError(await server.Http.PostAsync("/v1/chat/completions", invalidUtf8), HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task Random_garbage_never_gets_a_server_error()
    {
        var rng = new Random(12345);
        string[] fragments = ["{", "}", "[", "]", "\"model\"", ":", ",", "\"stories260K\"", "\"messages\"", "\"role\"", "\"user\"", "\"content\"", "null", "true", "1e999", "-1", "\"\\u0000\"", "\"\\ud800\""];
        for (int i = 0; i < 150; i++)
        {
            var body = string.Concat(Enumerable.Range(0, rng.Next(1, 30)).Select(_ => fragments[rng.Next(fragments.Length)]));
            var r = await Post(i % 2 == 0 ? "/v1/chat/completions" : "/v1/completions", body);
            Assert.True((int)r.StatusCode < 500, $"{body} -> {(int)r.StatusCode}");
            if (r.StatusCode != HttpStatusCode.OK)
                await AssertError(r, r.StatusCode);
        }
    }
}

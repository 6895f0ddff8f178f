using System.Buffers;
using System.Text.Json;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Api.Responses;

/// <summary>The Responses API's JSON: the response object and the streaming events, as OpenAI writes them.</summary>
internal static class ResponsesJson
{
    public static byte[] Response(ResponseState s) => Write(w => WriteResponse(w, s));

    /// <summary>An event carrying the whole response (<c>response.created</c>, <c>response.completed</c>, ...).</summary>
    public static byte[] ResponseEvent(string type, int sequence, ResponseState s) => Event(type, sequence, w =>
    {
        w.WritePropertyName("response");
        WriteResponse(w, s);
    });

    public static byte[] OutputItem(string type, int sequence, ResponseState s) => Event(type, sequence, w =>
    {
        w.WriteNumber("output_index", 0);
        w.WritePropertyName("item");
        WriteMessage(w, s);
    });

    public static byte[] ContentPart(string type, int sequence, ResponseState s, string text) => Event(type, sequence, w =>
    {
        w.WriteString("item_id", s.MessageId);
        w.WriteNumber("output_index", 0);
        w.WriteNumber("content_index", 0);
        w.WritePropertyName("part");
        WritePart(w, text);
    });

    public static byte[] TextDelta(int sequence, ResponseState s, string delta) => Event("response.output_text.delta", sequence, w =>
    {
        w.WriteString("item_id", s.MessageId);
        w.WriteNumber("output_index", 0);
        w.WriteNumber("content_index", 0);
        w.WriteString("delta", delta);
        w.WriteStartArray("logprobs");
        w.WriteEndArray();
    });

    public static byte[] TextDone(int sequence, ResponseState s, string text) => Event("response.output_text.done", sequence, w =>
    {
        w.WriteString("item_id", s.MessageId);
        w.WriteNumber("output_index", 0);
        w.WriteNumber("content_index", 0);
        w.WriteString("text", text);
        w.WriteStartArray("logprobs");
        w.WriteEndArray();
    });

    /// <summary>The stream's error event, for a failure after the response has started.</summary>
    public static byte[] Error(int sequence, ApiException error) => Event("error", sequence, w =>
    {
        w.WriteString("code", error.Code);
        w.WriteString("message", error.Message);
        w.WriteString("param", error.Param);
    });

    private static byte[] Event(string type, int sequence, Action<Utf8JsonWriter> fields) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteNumber("sequence_number", sequence);
        fields(w);
        w.WriteEndObject();
    });

    private static void WriteResponse(Utf8JsonWriter w, ResponseState s)
    {
        w.WriteStartObject();
        w.WriteString("id", s.Id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", s.CreatedAt);
        w.WriteString("status", s.Status);
        w.WriteNull("error");
        if (s.IncompleteReason is { } reason)
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", reason);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("incomplete_details");
        }
        w.WriteString("instructions", s.Request.Instructions);
        if (s.Request.MaxOutputTokens is { } max)
            w.WriteNumber("max_output_tokens", max);
        else
            w.WriteNull("max_output_tokens");
        w.WriteString("model", s.Model);
        w.WriteStartArray("output");
        if (s.Text != null)
            WriteMessage(w, s);
        w.WriteEndArray();
        w.WriteBoolean("parallel_tool_calls", false);
        w.WriteNull("previous_response_id");
        w.WriteBoolean("store", false);
        w.WriteNumber("temperature", s.Request.Chat.Sampling.Temperature);
        w.WriteStartObject("text");
        w.WriteStartObject("format");
        w.WriteString("type", "text");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("tool_choice", "none");
        w.WriteStartArray("tools");
        w.WriteEndArray();
        w.WriteNumber("top_p", s.Request.Chat.Sampling.TopP);
        w.WriteString("truncation", "disabled");
        if (s.InputTokens is { } input && s.OutputTokens is { } output)
        {
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", input);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", 0);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", output);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", 0);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", input + output);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("usage");
        }
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter w, ResponseState s)
    {
        w.WriteStartObject();
        w.WriteString("type", "message");
        w.WriteString("id", s.MessageId);
        w.WriteString("status", s.Status);
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        if (s.Text != null)
            WritePart(w, s.Text);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        w.WriteString("text", text);
        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = OpenAiJson.Context.Options.Encoder }))
            write(w);
        return buffer.WrittenSpan.ToArray();
    }
}

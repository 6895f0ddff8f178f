using System.Threading.Channels;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Generation;

/// <summary>
/// Turns one sequence's tokens into <see cref="GenerationUpdate"/>s: whole characters only, stop sequences
/// held back and cut, streamed through a channel. The channel itself is unbounded so the engine's thread never
/// blocks, but the sequence sits out steps while <see cref="TextGenerator.OutputBuffer"/> updates are unread,
/// so a slow reader holds back only its own sequence and output never piles up.
/// </summary>
internal sealed class TextSink : ISequenceSink
{
    private readonly Channel<GenerationUpdate> _channel =
        Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleWriter = true } /* the multi-reader implementation can count */);
    private readonly StreamingDecoder _decoder;
    private readonly StopSequenceFilter _stops;

    public TextSink(Tokenizer tokenizer, IReadOnlyList<string> stops)
    {
        // Output continues the prompt: keep its first space, and show no control-token markup.
        _decoder = tokenizer.CreateStreamingDecoder(new DecodeOptions { StripLeadingSpace = false, RenderSpecial = false });
        _stops = new StopSequenceFilter(stops);
    }

    public ChannelReader<GenerationUpdate> Reader => _channel.Reader;

    public bool IsReady => _channel.Reader.Count < TextGenerator.OutputBuffer;

    public bool OnToken(int token, int promptTokens, int completionTokens)
    {
        var (text, stopped) = _stops.Push(_decoder.Append(token));
        if (stopped)
        {
            _channel.Writer.TryWrite(new GenerationUpdate(text, FinishReason.Stop, promptTokens, completionTokens));
            _channel.Writer.TryComplete();
            return true;
        }
        if (text.Length > 0) _channel.Writer.TryWrite(new GenerationUpdate(text, null, promptTokens, completionTokens));
        return false;
    }

    public void OnFinished(FinishReason reason, int promptTokens, int completionTokens)
    {
        var (tail, hit) = _stops.Push(_decoder.Flush());
        string rest = hit ? tail : tail + _stops.Flush();
        _channel.Writer.TryWrite(new GenerationUpdate(rest, hit ? FinishReason.Stop : reason, promptTokens, completionTokens));
        _channel.Writer.TryComplete();
    }

    public void OnFailed(Exception error) => _channel.Writer.TryComplete(error);
}

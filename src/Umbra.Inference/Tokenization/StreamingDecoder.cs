using System.Text;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// Turns tokens into text one at a time, for streaming generated output. A token may end in the middle
/// of a UTF-8 character (byte-fallback and byte-level tokens split emoji and CJK into single bytes);
/// those bytes are held until the character is complete, so every returned string holds only whole
/// characters. The concatenation of all <see cref="Append"/> results and <see cref="Flush"/> equals
/// <see cref="Tokenizer.Decode(ReadOnlySpan{int}, DecodeOptions)"/> of the same ids with the same options
/// (except that a stream never drops a trailing EOS). Not thread-safe: one decoder per stream.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly DecodeOptions _options;
    private readonly SpaceCleaner? _cleaner;
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[64];
    private bool _atStart = true;

    internal StreamingDecoder(Tokenizer tokenizer, DecodeOptions options)
    {
        _tokenizer = tokenizer;
        _options = options;
        _cleaner = tokenizer.Vocabulary.CleanSpaces ? new SpaceCleaner() : null;
    }

    /// <summary>Adds a token; returns the text that became complete (often empty mid-character).</summary>
    public string Append(int tokenId)
    {
        var vocab = _tokenizer.Vocabulary;
        if ((uint)tokenId >= (uint)vocab.Count)
            throw new ArgumentOutOfRangeException(nameof(tokenId), tokenId, $"Token ids run from 0 to {vocab.Count - 1}.");

        bool stripSpace = false;
        if (_atStart)
        {
            _atStart = false;
            if (_options.RemoveSpecial && vocab.AddBos && tokenId == vocab.Bos)
                return string.Empty;
            stripSpace = vocab.AddSpacePrefix && _options.StripLeadingSpace;
        }

        var piece = _tokenizer.Piece(tokenId, _options.RenderSpecial);
        if (stripSpace && piece.Length > 0 && piece[0] == (byte)' ')
            piece = piece[1..];
        return Convert(piece, flush: false);
    }

    /// <summary>
    /// Emits whatever is still held: bytes of an unfinished character become U+FFFD, and spaces held
    /// back by the clean-up are released. The decoder can be used again afterwards.
    /// </summary>
    public string Flush() => Convert([], flush: true);

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        if (_cleaner is not null)
            bytes = _cleaner.Process(bytes, flush);
        // Bytes that complete no character are still fed in: the decoder keeps them for the next call.
        int count = _utf8.GetCharCount(bytes, flush);
        if (count > _chars.Length)
            _chars = new char[Math.Max(count, _chars.Length * 2)];
        int written = _utf8.GetChars(bytes, _chars, flush);
        return written == 0 ? string.Empty : new string(_chars, 0, written);
    }
}

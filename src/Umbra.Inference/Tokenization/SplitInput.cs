using System.Text;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// Text being pre-tokenized, as code points (llama.cpp splits by code point offsets), with lazily
/// built views for the split rules.
/// </summary>
internal sealed class SplitInput
{
    private CodepointFlags[]? _flags;
    private string? _collapsed;
    private string? _wide;

    public SplitInput(ReadOnlySpan<char> text)
    {
        var codepoints = new int[text.Length];
        int n = 0;
        foreach (var rune in text.EnumerateRunes())
            codepoints[n++] = rune.Value;
        Codepoints = codepoints;
        Length = n;
    }

    /// <summary>The code points; only the first <see cref="Length"/> entries are used.</summary>
    public int[] Codepoints { get; }

    public int Length { get; }

    /// <summary>Character classes by position, <see cref="CodepointFlags.None"/> outside [start, end).</summary>
    public CodepointFlags FlagsAt(int position, int start, int end)
    {
        if (position < start || position >= end)
            return CodepointFlags.None;
        _flags ??= BuildFlags();
        return _flags[position];
    }

    /// <summary>
    /// One char per code point: ASCII kept, other whitespace as \v, anything else as a marker for its
    /// category (Ð other, Ñ number, Ò letter, Ó punctuation, Ô mark, Õ symbol). Regexes that use
    /// \p{..} classes run on this view, as llama.cpp runs std::regex on its "collapsed" text.
    /// </summary>
    public string Collapsed => _collapsed ??= BuildCollapsed();

    /// <summary>
    /// One char per code point for regexes without \p{..} classes: BMP code points as themselves except
    /// non-ASCII whitespace as \v (llama.cpp's std::wregex fallback), code points above the BMP as U+FFFF.
    /// </summary>
    public string Wide => _wide ??= BuildWide();

    /// <summary>The UTF-8 bytes of a range of code points mapped to GPT-2 byte-level characters.</summary>
    public string ByteLevelWord(int start, int length)
    {
        int bytes = 0;
        for (int i = start; i < start + length; i++)
            bytes += new Rune(Codepoints[i]).Utf8SequenceLength;
        return string.Create(bytes, (this, start, length), static (chars, state) =>
        {
            var (input, from, count) = state;
            Span<byte> utf8 = stackalloc byte[4];
            int at = 0;
            for (int i = from; i < from + count; i++)
            {
                int written = new Rune(input.Codepoints[i]).EncodeToUtf8(utf8);
                for (int j = 0; j < written; j++)
                    chars[at++] = ByteLevel.Encode(utf8[j]);
            }
        });
    }

    private CodepointFlags[] BuildFlags()
    {
        var flags = new CodepointFlags[Length];
        for (int i = 0; i < flags.Length; i++)
            flags[i] = CodepointInfo.Get(Codepoints[i]);
        return flags;
    }

    private string BuildCollapsed() => string.Create(Length, this, static (chars, input) =>
    {
        for (int i = 0; i < chars.Length; i++)
        {
            int cp = input.Codepoints[i];
            if (cp < 0x80)
            {
                chars[i] = (char)cp;
                continue;
            }
            var flags = CodepointInfo.Get(cp);
            chars[i] = (flags & CodepointFlags.Whitespace) != 0 ? '\v'
                : (flags & CodepointFlags.Number) != 0 ? '\u00D1'
                : (flags & CodepointFlags.Letter) != 0 ? '\u00D2'
                : (flags & CodepointFlags.Punctuation) != 0 ? '\u00D3'
                : (flags & CodepointFlags.Mark) != 0 ? '\u00D4'
                : (flags & CodepointFlags.Symbol) != 0 ? '\u00D5'
                : '\u00D0';
        }
    });

    private string BuildWide() => string.Create(Length, this, static (chars, input) =>
    {
        for (int i = 0; i < chars.Length; i++)
        {
            int cp = input.Codepoints[i];
            chars[i] = cp > 0xFFFF ? '\uFFFF' : cp > 0x7F && CodepointInfo.IsWhitespace(cp) ? '\v' : (char)cp;
        }
    });
}

using System.Text;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// The token table and the special-token facts llama.cpp derives from it. Built once by
/// <see cref="VocabularyLoader"/> and read-only afterwards, so a tokenizer can be shared between threads.
/// </summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _byText;

    public Vocabulary(string[] texts, float[] scores, TokenAttributes[] attributes)
    {
        Texts = texts;
        Scores = scores;
        Attributes = attributes;
        _ids = new Dictionary<string, int>(texts.Length, StringComparer.Ordinal);
        for (int id = 0; id < texts.Length; id++)
        {
            if (!_ids.TryAdd(texts[id], id))
                throw new TokenizerException($"The vocabulary lists the token '{texts[id]}' twice (ids {_ids[texts[id]]} and {id}); the model file is corrupt.");
        }
        _byText = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => Texts.Length;

    public string[] Texts { get; }

    public float[] Scores { get; }

    /// <summary>Per-token attributes; the loader adjusts them while it detects special tokens.</summary>
    public TokenAttributes[] Attributes { get; }

    public int Bos { get; set; } = -1;

    public int Eos { get; set; } = -1;

    public int Eot { get; set; } = -1;

    public int Eom { get; set; } = -1;

    public int Unk { get; set; } = -1;

    public int FimPre { get; set; } = -1;

    public int FimSuf { get; set; } = -1;

    public int FimMid { get; set; } = -1;

    public int FimPad { get; set; } = -1;

    public int FimRep { get; set; } = -1;

    public int FimSep { get; set; } = -1;

    public bool AddBos { get; set; }

    public bool AddEos { get; set; }

    /// <summary>SentencePiece's "add dummy prefix": a space before the text, removed again when decoding.</summary>
    public bool AddSpacePrefix { get; set; }

    /// <summary>Whether decoding applies llama.cpp's clean-up of spaces before punctuation and contractions.</summary>
    public bool CleanSpaces { get; set; }

    public IReadOnlySet<int> EndOfGeneration { get; set; } = new HashSet<int>();

    /// <summary>Control, user-defined and unknown tokens, longest text (in UTF-8 bytes) first.</summary>
    public int[] SpecialTokensByLength { get; set; } = [];

    /// <summary>The id of the token whose text is exactly <paramref name="text"/>, or -1.</summary>
    public int Find(ReadOnlySpan<char> text) => _byText.TryGetValue(text, out int id) ? id : -1;

    public bool Has(TokenAttributes attributes, int id) => (Attributes[id] & attributes) != 0;

    public int Utf8Length(int id) => Encoding.UTF8.GetByteCount(Texts[id]);
}

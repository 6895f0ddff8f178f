using System.Text;
using Umbra.Inference.Gguf;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// llama.cpp's SentencePiece tokenizer (tokenizer.ggml.model "llama"): spaces become ▁, a ▁ is
/// prepended to the text and to every text fragment that follows a special token (when
/// tokenizer.ggml.add_space_prefix, default true), then pieces are merged greedily by score
/// (<see cref="SpmSegmenter"/>); pieces that are not tokens fall back to &lt;0xXX&gt; byte tokens.
/// </summary>
internal sealed class SentencePieceTokenizer : Tokenizer
{
    private const char SpaceMark = '\u2581';

    private readonly int[] _byteTokens;

    private SentencePieceTokenizer(Vocabulary vocabulary)
        : base(vocabulary, "llama", NormalPiece)
    {
        _byteTokens = BuildByteTokens(vocabulary);
    }

    public static SentencePieceTokenizer Create(GgufFile file)
    {
        var defaults = new VocabularyDefaults(Bos: 1, Eos: 2, Unk: 0, AddSpacePrefix: true, AddBos: true, AddEos: false, CleanSpaces: false);
        return new SentencePieceTokenizer(VocabularyLoader.Load(file, defaults));
    }

    private protected override void EncodeFragments(string text, List<TextFragment> fragments, List<int> output)
    {
        var escaped = new StringBuilder();
        // llama.cpp treats the start of the text like the position after a special token.
        bool afterSpecial = true;
        foreach (var fragment in fragments)
        {
            if (fragment.IsToken)
            {
                output.Add(fragment.Token);
                afterSpecial = true;
                continue;
            }
            escaped.Clear();
            if (Vocabulary.AddSpacePrefix && afterSpecial)
                escaped.Append(' ');
            escaped.Append(text, fragment.Start, fragment.Length).Replace(' ', SpaceMark);
            SpmSegmenter.Segment(Vocabulary, escaped.ToString(), _byteTokens, output);
            afterSpecial = false;
        }
    }

    private static byte[] NormalPiece(string text) => Encoding.UTF8.GetBytes(text.Replace(SpaceMark, ' '));

    /// <summary>The token for each byte: &lt;0xXX&gt;, else the one-character token for ASCII bytes, else -1.</summary>
    private static int[] BuildByteTokens(Vocabulary vocabulary)
    {
        var tokens = new int[256];
        for (int b = 0; b < 256; b++)
        {
            int id = vocabulary.Find($"<0x{b:X2}>");
            if (id < 0 && b < 0x80)
                id = vocabulary.Find(((char)b).ToString());
            tokens[b] = id;
        }
        return tokens;
    }
}

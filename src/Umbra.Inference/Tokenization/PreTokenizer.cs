namespace Umbra.Inference.Tokenization;

/// <summary>
/// Splits text into the words that byte-level BPE merges within (llama.cpp's unicode_regex_split):
/// the rules refine one segmentation in turn, then each segment's UTF-8 bytes are mapped to GPT-2's
/// byte-level characters.
/// </summary>
internal sealed class PreTokenizer
{
    private readonly SplitRule[] _rules;

    public PreTokenizer(PreTokenizerSpec spec)
    {
        _rules = Array.ConvertAll(spec.Patterns, SplitRule.For);
    }

    public void Split(ReadOnlySpan<char> text, List<string> words)
    {
        var input = new SplitInput(text);
        var segments = new List<int> { input.Length };
        var refined = new List<int>();
        foreach (var rule in _rules)
        {
            refined.Clear();
            rule.Split(input, segments, refined);
            (segments, refined) = (refined, segments);
        }

        int start = 0;
        foreach (int length in segments)
        {
            words.Add(input.ByteLevelWord(start, length));
            start += length;
        }
    }
}

using System.Collections.Concurrent;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// One of a pre-tokenizer's regexes. Each rule refines the segmentation left by the previous one:
/// it splits every segment into its matches and the unmatched gaps between them (segments are
/// lengths in code points, in order), as llama.cpp's unicode_regex_split does.
/// </summary>
internal abstract class SplitRule
{
    /// <summary>The GPT-2 pattern, which llama.cpp runs with a hand-written matcher.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

    /// <summary>The Llama 3 pattern (case-insensitive contractions spelled out), also hand-written in llama.cpp.</summary>
    public const string Llama3Pattern =
        @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Llama3PatternOriginal =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    // Compiled regexes are costly to build and immutable, so every tokenizer shares them.
    private static readonly ConcurrentDictionary<string, SplitRule> Cache = new(StringComparer.Ordinal);

    public static SplitRule For(string pattern) => Cache.GetOrAdd(pattern, static p => p switch
    {
        Gpt2Pattern => new Gpt2SplitRule(),
        Llama3Pattern or Llama3PatternOriginal => new Llama3SplitRule(),
        _ => new RegexSplitRule(p),
    });

    /// <summary>Appends to <paramref name="output"/> the refined segments (all non-empty).</summary>
    public abstract void Split(SplitInput input, List<int> segments, List<int> output);
}

using System.Collections.Concurrent;
using System.Text;
using Umbra.Inference.Gguf;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// llama.cpp's byte-level BPE tokenizer (tokenizer.ggml.model "gpt2"): the pre-tokenizer named by
/// tokenizer.ggml.pre splits the text into words, each word's UTF-8 bytes are mapped to GPT-2's
/// byte-level characters, and merges from tokenizer.ggml.merges are applied within each word
/// (<see cref="BpeSegmenter"/>). Results for short words are cached, since text repeats words a lot.
/// </summary>
internal sealed class BytePairTokenizer : Tokenizer
{
    private const int MaxCachedWordLength = 64;
    private const int MaxCachedWords = 1 << 16;

    private readonly PreTokenizer _preTokenizer;
    private readonly BpeMerges _merges;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _wordCache = new(StringComparer.Ordinal);
    private int _cachedWords;

    private BytePairTokenizer(Vocabulary vocabulary, PreTokenizerSpec spec, BpeMerges merges)
        : base(vocabulary, "gpt2", NormalPiece)
    {
        _preTokenizer = new PreTokenizer(spec);
        _merges = merges;
        _ignoreMerges = spec.IgnoreMerges;
    }

    public static BytePairTokenizer Create(GgufFile file)
    {
        string? pre;
        string[] merges;
        try
        {
            pre = file.GetString("tokenizer.ggml.pre");
            merges = file.GetArray<string>("tokenizer.ggml.merges")
                ?? throw new TokenizerException($"{Path.GetFileName(file.Path)} has no tokenizer.ggml.merges, which a byte-level BPE tokenizer needs.");
        }
        catch (GgufFormatException e)
        {
            throw new TokenizerException($"The tokenizer metadata of {Path.GetFileName(file.Path)} is malformed: {e.Message}", e);
        }
        var spec = PreTokenizerCatalog.Find(pre) ?? throw new TokenizerException(
            $"Pre-tokenizer '{pre}' (tokenizer.ggml.pre) is not supported; supported are: {string.Join(", ", PreTokenizerCatalog.Names)}.");

        // llama.cpp's BPE defaults: BOS and EOS 11 unless the metadata says otherwise, no space prefix.
        var defaults = new VocabularyDefaults(
            Bos: spec.NoDefaultBos ? -1 : 11, Eos: 11, Unk: -1,
            AddSpacePrefix: false, AddBos: spec.AddBos, AddEos: false, CleanSpaces: spec.CleanSpaces);
        return new BytePairTokenizer(VocabularyLoader.Load(file, defaults), spec, new BpeMerges(merges));
    }

    private protected override void EncodeFragments(string text, List<TextFragment> fragments, List<int> output)
    {
        var words = new List<string>();
        foreach (var fragment in fragments)
        {
            if (fragment.IsToken)
            {
                output.Add(fragment.Token);
                continue;
            }
            words.Clear();
            _preTokenizer.Split(text.AsSpan(fragment.Start, fragment.Length), words);
            foreach (string word in words)
                EncodeWord(word, output);
        }
    }

    private void EncodeWord(string word, List<int> output)
    {
        if (_wordCache.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        int before = output.Count;
        int whole = _ignoreMerges ? Vocabulary.Find(word) : -1;
        if (whole >= 0)
            output.Add(whole);
        else
            BpeSegmenter.Segment(Vocabulary, _merges, word, output);

        if (word.Length <= MaxCachedWordLength)
        {
            // A crude bound on memory: start over rather than track recency.
            if (Interlocked.Increment(ref _cachedWords) > MaxCachedWords)
            {
                _wordCache.Clear();
                Interlocked.Exchange(ref _cachedWords, 0);
            }
            _wordCache.TryAdd(word, output.GetRange(before, output.Count - before).ToArray());
        }
    }

    /// <summary>
    /// A normal token's text mapped back from byte-level characters to bytes. A character outside the
    /// mapping is written as llama.cpp's "[UNK_BYTE_0x..]" marker.
    /// </summary>
    private static byte[] NormalPiece(string text)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsBmp && ByteLevel.TryDecode((char)rune.Value, out byte b))
            {
                bytes.Add(b);
                continue;
            }
            int n = rune.EncodeToUtf8(utf8);
            var marker = new StringBuilder("[UNK_BYTE_0x");
            for (int i = 0; i < n; i++)
                marker.Append(utf8[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            marker.Append(text).Append(']');
            bytes.AddRange(Encoding.UTF8.GetBytes(marker.ToString()));
        }
        return bytes.ToArray();
    }
}

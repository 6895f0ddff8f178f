using System.Collections.Concurrent;
using Umbra.Inference.Gguf;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Tests.Tokenization;

/// <summary>
/// llama.cpp's tokenizer test cases from the shared test data (ggml-vocab-*.gguf.inp/.out), split the
/// way tests/test-tokenizer-0.cpp splits them: the .inp text is cut at "\n__ggml_vocab_test__\n" (so
/// the newlines around a separator belong to it, not to the strings), and each .out line holds the
/// ids of one string.
/// </summary>
internal static class VocabCases
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Tokenizers = new();
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<(string Text, int[] Ids)>>> Cases = new();

    public static Tokenizer Tokenizer(string vocab) =>
        Tokenizers.GetOrAdd(vocab, v => new Lazy<Tokenizer>(() =>
        {
            using var file = GgufFile.Open(TestData.Vocab(v));
            return Umbra.Inference.Tokenization.Tokenizer.FromGguf(file);
        })).Value;

    public static IReadOnlyList<(string Text, int[] Ids)> Load(string vocab) =>
        Cases.GetOrAdd(vocab, v => new Lazy<IReadOnlyList<(string, int[])>>(() => Read(v))).Value;

    /// <summary>Case indexes with their text, so a failing case is named by its string.</summary>
    public static TheoryData<int, string> Theory(string vocab)
    {
        var data = new TheoryData<int, string>();
        var cases = Load(vocab);
        for (int i = 0; i < cases.Count; i++)
            data.Add(i, cases[i].Text);
        return data;
    }

    private static List<(string, int[])> Read(string vocab)
    {
        string raw = File.ReadAllText(TestData.Path("vocab", $"ggml-vocab-{vocab}.gguf.inp"));
        var texts = new List<string>();
        for (int pos = 0; pos < raw.Length;)
        {
            int next = raw.IndexOf(Separator, pos, StringComparison.Ordinal);
            if (next < 0)
            {
                texts.Add(raw[pos..]);
                break;
            }
            texts.Add(raw[pos..next]);
            pos = next + Separator.Length;
        }

        var lines = File.ReadAllLines(TestData.Path("vocab", $"ggml-vocab-{vocab}.gguf.out"));
        if (lines.Length != texts.Count)
            throw new InvalidDataException($"{vocab}: {texts.Count} test strings but {lines.Length} result lines.");
        return texts.Select((t, i) => (t, lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToList();
    }
}

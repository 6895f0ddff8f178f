using System.Text;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// The merge step of llama.cpp's llm_tokenizer_spm. The text starts as one symbol per code point;
/// every adjacent pair whose concatenation is a token is queued, best score first and, among equal
/// scores, leftmost first. A popped pair whose symbols changed since it was queued is stale and skipped;
/// otherwise the right symbol merges into the left and the new neighbour pairs are queued. Symbols
/// that are not tokens at the end become byte tokens. O(n log n) in the length of the text.
/// </summary>
internal static class SpmSegmenter
{
    public static void Segment(Vocabulary vocab, string text, int[] byteTokens, List<int> output)
    {
        if (text.Length == 0)
            return;

        int n = 0;
        var start = new int[text.Length];
        var length = new int[text.Length];
        for (int i = 0; i < text.Length; n++)
        {
            start[n] = i;
            length[n] = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            i += length[n];
        }
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        var queue = new PriorityQueue<Bigram, Bigram>(n, BigramOrder.Instance);
        void TryQueue(int left, int right)
        {
            if (left < 0 || right < 0)
                return;
            int size = length[left] + length[right];
            int id = vocab.Find(text.AsSpan(start[left], size));
            if (id < 0)
                return;
            var bigram = new Bigram(left, right, size, vocab.Scores[id]);
            queue.Enqueue(bigram, bigram);
        }

        for (int i = 1; i < n; i++)
            TryQueue(i - 1, i);

        while (queue.TryDequeue(out var bigram, out _))
        {
            int left = bigram.Left, right = bigram.Right;
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.Size)
                continue;
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0)
                prev[next[right]] = left;
            TryQueue(prev[left], left);
            TryQueue(left, next[left]);
        }

        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i != -1; i = next[i])
        {
            var piece = text.AsSpan(start[i], length[i]);
            int id = vocab.Find(piece);
            if (id >= 0)
            {
                output.Add(id);
                continue;
            }
            // Only single code points can fail to be tokens (merges always produce tokens).
            int count = Encoding.UTF8.GetBytes(piece, utf8);
            for (int j = 0; j < count; j++)
            {
                int byteToken = byteTokens[utf8[j]];
                // llama.cpp aborts when a vocabulary lacks a byte token; falling back to <unk> keeps going.
                if (byteToken < 0)
                    byteToken = vocab.Unk;
                if (byteToken >= 0)
                    output.Add(byteToken);
            }
        }
    }

    private readonly record struct Bigram(int Left, int Right, int Size, float Score);

    /// <summary>Dequeue order of llama.cpp's llm_bigram_spm::comparator: highest score, then leftmost.</summary>
    private sealed class BigramOrder : IComparer<Bigram>
    {
        public static readonly BigramOrder Instance = new();

        public int Compare(Bigram x, Bigram y)
        {
            int byScore = y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : x.Left.CompareTo(y.Left);
        }
    }
}

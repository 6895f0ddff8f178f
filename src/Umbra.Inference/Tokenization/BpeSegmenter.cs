namespace Umbra.Inference.Tokenization;

/// <summary>
/// The merge step of llama.cpp's llm_tokenizer_bpe_session for one pre-tokenized word (already mapped
/// to byte-level characters, one char per byte). Adjacent symbol pairs that appear in the merge list are
/// queued lowest rank first and, among equal ranks, leftmost first; stale pairs (a side changed since
/// queueing) are skipped. Each final symbol is looked up as a token; one that is not a token is emitted
/// byte by byte as llama.cpp does, which only finds the ASCII ones. O(n log n) in the word length.
/// </summary>
internal static class BpeSegmenter
{
    public static void Segment(Vocabulary vocab, BpeMerges merges, string word, List<int> output)
    {
        int n = word.Length;
        if (n == 0)
            return;

        // Symbol i starts at char i and never moves: merging only grows the left symbol.
        var length = new int[n];
        var part = new int[n];
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++)
        {
            length[i] = 1;
            part[i] = merges.FindPart(word.AsSpan(i, 1));
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        var queue = new PriorityQueue<Bigram, Bigram>(n, BigramOrder.Instance);
        void TryQueue(int left, int right)
        {
            if (left < 0 || right < 0)
                return;
            int rank = merges.Rank(part[left], part[right]);
            if (rank < 0)
                return;
            var bigram = new Bigram(left, right, length[left], length[right], rank);
            queue.Enqueue(bigram, bigram);
        }

        for (int i = 1; i < n; i++)
            TryQueue(i - 1, i);

        while (queue.TryDequeue(out var bigram, out _))
        {
            int left = bigram.Left, right = bigram.Right;
            if (length[left] == 0 || length[right] == 0 || length[left] != bigram.LeftLength || length[right] != bigram.RightLength)
                continue;
            length[left] += length[right];
            length[right] = 0;
            part[left] = merges.FindPart(word.AsSpan(left, length[left]));
            next[left] = next[right];
            if (next[right] >= 0)
                prev[next[right]] = left;
            TryQueue(prev[left], left);
            TryQueue(left, next[left]);
        }

        for (int i = 0; i != -1; i = next[i])
        {
            var symbol = word.AsSpan(i, length[i]);
            int id = vocab.Find(symbol);
            if (id >= 0)
            {
                output.Add(id);
                continue;
            }
            foreach (char c in symbol)
            {
                // llama.cpp looks up each UTF-8 byte as a one-byte string; only ASCII bytes can match.
                int byteId = c < 0x80 ? vocab.Find([c]) : -1;
                if (byteId >= 0)
                    output.Add(byteId);
            }
        }
    }

    private readonly record struct Bigram(int Left, int Right, int LeftLength, int RightLength, int Rank);

    /// <summary>Dequeue order of llama.cpp's llm_bigram_bpe::comparator: lowest rank, then leftmost.</summary>
    private sealed class BigramOrder : IComparer<Bigram>
    {
        public static readonly BigramOrder Instance = new();

        public int Compare(Bigram x, Bigram y)
        {
            int byRank = x.Rank.CompareTo(y.Rank);
            return byRank != 0 ? byRank : x.Left.CompareTo(y.Left);
        }
    }
}

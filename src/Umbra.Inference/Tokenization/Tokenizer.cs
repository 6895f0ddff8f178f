using System.Text;
using Umbra.Inference.Gguf;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// A tokenizer built from a GGUF file's tokenizer.ggml.* metadata that reproduces llama.cpp's token ids
/// (src/llama-vocab.cpp). Immutable and safe to share between threads.
/// </summary>
public abstract class Tokenizer
{
    private readonly byte[][] _pieces;

    /// <param name="normalPiece">The bytes of a normal token's text, which is where the tokenizer kinds differ.</param>
    private protected Tokenizer(Vocabulary vocabulary, string model, Func<string, byte[]> normalPiece)
    {
        Vocabulary = vocabulary;
        Model = model;
        // Precomputed like llama.cpp's token-to-piece cache: decoding is then a lookup per token.
        _pieces = new byte[vocabulary.Count][];
        for (int id = 0; id < _pieces.Length; id++)
            _pieces[id] = BuildPiece(vocabulary, id, normalPiece);
    }

    /// <summary>The tokenizer.ggml.model this was built for: "llama" (SentencePiece) or "gpt2" (byte-level BPE).</summary>
    public string Model { get; }

    public int VocabSize => Vocabulary.Count;

    /// <summary>The beginning-of-sequence token, or -1 when the vocabulary has none.</summary>
    public int BosId => Vocabulary.Bos;

    public int? EosId => Vocabulary.Eos >= 0 ? Vocabulary.Eos : null;

    /// <summary>Whether <see cref="Encode"/> with addSpecial prepends <see cref="BosId"/>.</summary>
    public bool AddBos => Vocabulary.AddBos;

    /// <summary>Whether <see cref="Encode"/> with addSpecial appends <see cref="EosId"/>.</summary>
    public bool AddEos => Vocabulary.AddEos;

    /// <summary>Tokens that end generation: EOS, end-of-turn, end-of-message and llama.cpp's known stop texts.</summary>
    public IReadOnlySet<int> EndOfGenerationIds => Vocabulary.EndOfGeneration;

    internal Vocabulary Vocabulary { get; }

    /// <summary>Picks the tokenizer named by tokenizer.ggml.model.</summary>
    public static Tokenizer FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string model;
        try
        {
            model = file.GetString("tokenizer.ggml.model")
                ?? throw new TokenizerException($"{Path.GetFileName(file.Path)} has no tokenizer.ggml.model: it carries no tokenizer.");
        }
        catch (GgufFormatException e)
        {
            throw new TokenizerException($"tokenizer.ggml.model in {Path.GetFileName(file.Path)} is malformed: {e.Message}", e);
        }
        return model switch
        {
            "llama" => SentencePieceTokenizer.Create(file),
            "gpt2" => BytePairTokenizer.Create(file),
            _ => throw new TokenizerException(
                $"Tokenizer model '{model}' (tokenizer.ggml.model) is not supported; supported are 'llama' (SentencePiece) and 'gpt2' (byte-level BPE)."),
        };
    }

    public bool IsEndOfGeneration(int id) => Vocabulary.EndOfGeneration.Contains(id);

    public TokenAttributes GetAttributes(int id) => Vocabulary.Attributes[CheckId(id)];

    /// <summary>
    /// Tokenizes <paramref name="text"/> as llama_tokenize does. <paramref name="addSpecial"/> adds BOS/EOS
    /// as the model asks (<see cref="AddBos"/>, <see cref="AddEos"/>). With <paramref name="parseSpecial"/>,
    /// control tokens written in the text (such as a chat template's markers) become their ids; without it
    /// they are tokenized as plain text. User-defined tokens are always recognised.
    /// </summary>
    public int[] Encode(string text, bool addSpecial = true, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        string clean = Utf16.ReplaceLoneSurrogates(text);
        var fragments = SpecialTokenPartitioner.Partition(Vocabulary, clean, parseSpecial);
        var output = new List<int>(clean.Length / 3 + 2);
        if (addSpecial && AddBos)
            output.Add(Vocabulary.Bos);
        EncodeFragments(clean, fragments, output);
        if (addSpecial && AddEos)
            output.Add(Vocabulary.Eos);
        return output.ToArray();
    }

    /// <summary>Detokenizes as llama_detokenize with remove_special false and unparse_special true.</summary>
    public string Decode(ReadOnlySpan<int> ids) => Decode(ids, DecodeOptions.Default);

    public string Decode(ReadOnlySpan<int> ids, DecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RemoveSpecial && AddEos && ids.Length > 0 && ids[^1] == Vocabulary.Eos)
        {
            // A leading BOS is removed first; only what remains after it can lose a trailing EOS.
            bool leadingBos = AddBos && ids[0] == Vocabulary.Bos;
            if (ids.Length > 1 || !leadingBos)
                ids = ids[..^1];
        }

        var decoder = new StreamingDecoder(this, options);
        var text = new StringBuilder(ids.Length * 4);
        foreach (int id in ids)
            text.Append(decoder.Append(id));
        text.Append(decoder.Flush());
        return text.ToString();
    }

    /// <summary>The bytes a token stands for, with control tokens as their text (llama.cpp's token_to_piece).</summary>
    public byte[] TokenBytes(int id) => (byte[])_pieces[CheckId(id)].Clone();

    /// <summary>The token's text exactly as stored in the vocabulary.</summary>
    public string TokenText(int id) => Vocabulary.Texts[CheckId(id)];

    /// <summary>
    /// The id of the token whose vocabulary text is exactly <paramref name="text"/>, e.g. "&lt;|im_end|&gt;".
    /// Texts are stored as the tokenizer sees them (SentencePiece spaces as ▁, GPT-2 bytes as Ġ and so on).
    /// </summary>
    public int? FindToken(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int id = Vocabulary.Find(text);
        return id >= 0 ? id : null;
    }

    public StreamingDecoder CreateStreamingDecoder() => new(this, DecodeOptions.Default);

    public StreamingDecoder CreateStreamingDecoder(DecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new StreamingDecoder(this, options);
    }

    internal ReadOnlySpan<byte> Piece(int id, bool renderSpecial) =>
        !renderSpecial && Vocabulary.Has(TokenAttributes.Control | TokenAttributes.Unknown, id) ? [] : _pieces[id];

    /// <summary>Tokenizes the text fragments (special tokens already split out) into <paramref name="output"/>.</summary>
    private protected abstract void EncodeFragments(string text, List<TextFragment> fragments, List<int> output);

    private static byte[] BuildPiece(Vocabulary vocabulary, int id, Func<string, byte[]> normalPiece)
    {
        var attributes = vocabulary.Attributes[id];
        string text = vocabulary.Texts[id];
        if ((attributes & (TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.UserDefined)) != 0)
            return Encoding.UTF8.GetBytes(text);
        if ((attributes & TokenAttributes.Normal) != 0)
            return normalPiece(text);
        if ((attributes & TokenAttributes.Byte) != 0)
            return [ParseByteToken(text)];
        // Unused and undefined tokens decode to nothing, as in llama.cpp.
        return [];
    }

    /// <summary>The value of a byte token such as "&lt;0x0A&gt;" (malformed hex reads as 0, like strtol).</summary>
    private static byte ParseByteToken(string text) =>
        text.Length >= 5 && byte.TryParse(text.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b) ? b : (byte)0;

    private int CheckId(int id) =>
        (uint)id < (uint)Vocabulary.Count ? id : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token ids run from 0 to {Vocabulary.Count - 1}.");
}

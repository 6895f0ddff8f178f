using System.Text;

namespace Umbra.Inference.Tests.Tokenization;

/// <summary>
/// Any string must tokenize without an exception and in time roughly linear in its length. There are
/// no timing assertions (machines vary); a quadratic path shows up as a test that does not finish.
/// </summary>
public class HostileInputTests
{
    public static TheoryData<string> Vocabs => new() { "llama-spm", "phi-3", "gpt-2", "deepseek-coder" };

    [Theory]
    [MemberData(nameof(Vocabs))]
    public void Long_runs_of_one_character(string vocab)
    {
        var tokenizer = VocabCases.Tokenizer(vocab);
        foreach (string unit in (string[])[" ", "\n", "\t", "\r\n", "a", "1", "!", "我", "😀", "\u0301", "\0", "\u00A0", "'s", "<s>", "<|end|>"])
        {
            string text = string.Concat(Enumerable.Repeat(unit, 100_000 / unit.Length));
            int[] ids = tokenizer.Encode(text, addSpecial: true, parseSpecial: true);
            Assert.NotEmpty(ids);
            tokenizer.Decode(ids);
        }
    }

    [Theory]
    [MemberData(nameof(Vocabs))]
    public void Random_unicode_including_lone_surrogates(string vocab)
    {
        var tokenizer = VocabCases.Tokenizer(vocab);
        string text = RandomText(new Random(7), 100_000);
        int[] ids = tokenizer.Encode(text, addSpecial: true, parseSpecial: true);
        Assert.NotEmpty(ids);
        Assert.DoesNotContain(ids, id => id < 0 || id >= tokenizer.VocabSize);

        // Unpaired surrogates tokenize as U+FFFD, which is what they become in UTF-8.
        string replaced = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
        Assert.Equal(tokenizer.Encode(replaced, addSpecial: false), tokenizer.Encode(text, addSpecial: false));
        Assert.Equal(ExpectedRoundTrip(vocab, replaced), tokenizer.Decode(tokenizer.Encode(replaced, addSpecial: false)));
    }

    [Theory]
    [MemberData(nameof(Vocabs))]
    public void Odd_strings(string vocab)
    {
        var tokenizer = VocabCases.Tokenizer(vocab);
        foreach (string text in (string[])["", "\uD800", "\uDFFF\uD800", "a\uD83D", "\uFFFF\uFFFE", "\u200D\u200D", "\U0010FFFF", "<", "<0x41>", "▁▁", "Ġ", "<s", "</s", "<|", "''''", "' '"])
        {
            int[] ids = tokenizer.Encode(text, addSpecial: true, parseSpecial: true);
            Assert.DoesNotContain(ids, id => id < 0 || id >= tokenizer.VocabSize);
            tokenizer.Decode(ids);
        }
    }

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            switch (random.Next(10))
            {
                case 0: text.Append((char)random.Next(0xD800, 0xE000)); break;            // any surrogate, often unpaired
                case 1: text.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x110000))); break;
                case 2: text.Append(' ', random.Next(1, 40)); break;
                case 3: text.Append((char)random.Next(0, 0x20)); break;
                case 4: text.Append("'s 're <s> </s> <|end|> <|endoftext|> ▁ Ġ"[random.Next(40)]); break;
                default: text.Append((char)random.Next(0x20, 0xD800)); break;
            }
        }
        return text.ToString();
    }

    /// <summary>What llama.cpp's detokenizer gives back for text it tokenized.</summary>
    private static string ExpectedRoundTrip(string vocab, string text) => vocab switch
    {
        // SentencePiece stores spaces as ▁, so a ▁ in the text decodes as a space.
        "llama-spm" or "phi-3" => text.Replace('\u2581', ' '),
        // GPT-2's pre-tokenizer enables the clean-up of spaces before punctuation.
        "gpt-2" => Encoding.UTF8.GetString(ReferenceCleanUp.Apply(Encoding.UTF8.GetBytes(text))),
        _ => text,
    };
}

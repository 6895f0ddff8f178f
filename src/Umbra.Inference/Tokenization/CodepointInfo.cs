using System.Globalization;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// Code point classification for the pre-tokenizers. Categories come from .NET's Unicode tables, which
/// may be a newer Unicode version than llama.cpp's generated tables; the two only differ for code points
/// assigned in between.
/// </summary>
internal static class CodepointInfo
{
    // The Unicode White_Space property (PropList.txt), which is what llama.cpp's whitespace flag uses.
    // It is deliberately not char.IsWhiteSpace or Regex \s, so the definition cannot drift with the runtime.
    private static readonly int[] WhiteSpace =
    [
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
        0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ];

    // The BMP is looked up constantly while splitting; a 128 KiB table beats a category lookup per call.
    private static readonly Lazy<CodepointFlags[]> Bmp = new(BuildBmp);

    public static CodepointFlags Get(int codepoint) =>
        (uint)codepoint < 0x10000 ? Bmp.Value[codepoint] : Compute(codepoint);

    public static bool IsWhitespace(int codepoint) => (Get(codepoint) & CodepointFlags.Whitespace) != 0;

    private static CodepointFlags[] BuildBmp()
    {
        var table = new CodepointFlags[0x10000];
        for (int cp = 0; cp < table.Length; cp++)
            table[cp] = FromCategory(CharUnicodeInfo.GetUnicodeCategory(cp));
        foreach (int cp in WhiteSpace)
            table[cp] |= CodepointFlags.Whitespace;
        return table;
    }

    private static CodepointFlags Compute(int codepoint) =>
        codepoint > 0x10FFFF ? CodepointFlags.Undefined : FromCategory(CharUnicodeInfo.GetUnicodeCategory(codepoint));

    private static CodepointFlags FromCategory(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or
            UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodepointFlags.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CodepointFlags.Number,
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => CodepointFlags.Mark,
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or
            UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or
            UnicodeCategory.OtherPunctuation => CodepointFlags.Punctuation,
        UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or
            UnicodeCategory.OtherSymbol => CodepointFlags.Symbol,
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => CodepointFlags.Separator,
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse => CodepointFlags.Control,
        _ => CodepointFlags.Undefined,
    };
}

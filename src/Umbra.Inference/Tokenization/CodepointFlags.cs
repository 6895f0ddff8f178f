namespace Umbra.Inference.Tokenization;

/// <summary>
/// Character classes used by the pre-tokenizers, mirroring llama.cpp's <c>unicode_cpt_flags</c>:
/// exactly one general-category bit per code point, plus <see cref="Whitespace"/> for the Unicode
/// White_Space property. <see cref="None"/> only ever means "outside the text being split".
/// </summary>
[Flags]
internal enum CodepointFlags : ushort
{
    None = 0,
    Undefined = 1 << 0,
    Number = 1 << 1,
    Letter = 1 << 2,
    Separator = 1 << 3,
    Mark = 1 << 4,
    Punctuation = 1 << 5,
    Symbol = 1 << 6,
    Control = 1 << 7,
    Whitespace = 1 << 8,
}

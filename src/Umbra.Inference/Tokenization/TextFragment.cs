namespace Umbra.Inference.Tokenization;

/// <summary>
/// A piece of the input after special tokens were split out: either a special token
/// (<see cref="Token"/> >= 0) or a range of the text still to be tokenized.
/// </summary>
internal readonly record struct TextFragment(int Token, int Start, int Length)
{
    public bool IsToken => Token >= 0;

    public static TextFragment ForToken(int id) => new(id, 0, 0);

    public static TextFragment ForText(int start, int length) => new(-1, start, length);
}

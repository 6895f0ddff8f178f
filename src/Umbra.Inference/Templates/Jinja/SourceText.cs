namespace Umbra.Inference.Templates.Jinja;

/// <summary>
/// Template source as the lexer sees it, with the means to turn an offset into a line and column for errors.
/// </summary>
internal sealed class SourceText
{
    private readonly int[] _lineStarts;

    public SourceText(string source)
    {
        Text = Normalize(source);
        var starts = new List<int> { 0 };
        for (int i = 0; i < Text.Length; i++)
        {
            if (Text[i] == '\n')
                starts.Add(i + 1);
        }
        _lineStarts = [.. starts];
    }

    public string Text { get; }

    public (int Line, int Column) Locate(int position)
    {
        int index = Array.BinarySearch(_lineStarts, position);
        if (index < 0)
            index = ~index - 1;
        index = Math.Max(0, index);
        return (index + 1, position - _lineStarts[index] + 1);
    }

    public TemplateException Error(int position, string message, bool raisedByTemplate = false)
    {
        var (line, column) = Locate(position);
        return new TemplateException(message, line, column, raisedByTemplate);
    }

    // Jinja normalises newlines to "\n" and, with keep_trailing_newline off (the Hugging Face setting), drops
    // one newline at the very end of the source; doing both up front keeps the lexer simple.
    private static string Normalize(string source)
    {
        var text = source.Contains('\r', StringComparison.Ordinal)
            ? source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n')
            : source;
        return text.EndsWith('\n') ? text[..^1] : text;
    }
}

namespace Umbra.Inference.Templates;

/// <summary>
/// A chat template could not be parsed or rendered: a syntax error, a runtime error, a limit reached by a
/// hostile template, or a message the template itself raised with <c>raise_exception</c>. The message says
/// what went wrong and, where known, the line and column in the template source.
/// </summary>
public sealed class TemplateException : Exception
{
    private readonly string? _reason;

    public TemplateException()
    {
    }

    public TemplateException(string message) : base(message)
    {
    }

    public TemplateException(string message, Exception inner) : base(message, inner)
    {
    }

    public TemplateException(string message, int line, int column, bool raisedByTemplate = false)
        : base(line > 0 ? $"{message} (chat template line {line}, column {column})" : message)
    {
        Line = line;
        Column = column;
        RaisedByTemplate = raisedByTemplate;
        _reason = message;
    }

    /// <summary>1-based line in the template source, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column in the template source, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>True when the template rejected the input itself through <c>raise_exception</c>.</summary>
    public bool RaisedByTemplate { get; }

    /// <summary>The message without the location suffix.</summary>
    public string Reason => _reason ?? Message;
}

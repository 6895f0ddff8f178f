namespace Umbra.Inference.Templates.Jinja;

/// <summary>One lexical token. <see cref="Value"/> holds the decoded literal for strings and numbers.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Position, object? Value = null)
{
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Text == op;

    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.String => "string literal",
        TokenKind.Text => "template text",
        _ => $"'{Text}'",
    };
}

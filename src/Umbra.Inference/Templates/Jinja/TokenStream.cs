using System.Runtime.CompilerServices;

namespace Umbra.Inference.Templates.Jinja;

/// <summary>A cursor over the lexer's tokens, shared by the statement and expression parsers.</summary>
internal sealed class TokenStream
{
    private readonly List<Token> _tokens;
    private readonly SourceText _source;
    private readonly int _maxDepth;
    private int _index;
    private int _depth;

    public TokenStream(List<Token> tokens, SourceText source, int maxDepth)
    {
        _tokens = tokens;
        _source = source;
        _maxDepth = maxDepth;
    }

    public Token Current => _tokens[_index];

    public Token Peek(int offset = 1) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    public Token Next()
    {
        var token = _tokens[_index];
        if (_index < _tokens.Count - 1)
            _index++;
        return token;
    }

    public bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op))
            return false;
        Next();
        return true;
    }

    public bool SkipName(string name)
    {
        if (!Current.IsName(name))
            return false;
        Next();
        return true;
    }

    public Token ExpectOperator(string op) =>
        Current.IsOperator(op) ? Next() : throw Error(Current, $"Expected '{op}' but found {Current.Describe()}");

    public Token ExpectName() =>
        Current.Kind == TokenKind.Name ? Next() : throw Error(Current, $"Expected a name but found {Current.Describe()}");

    public Token ExpectKeyword(string keyword) =>
        Current.IsName(keyword) ? Next() : throw Error(Current, $"Expected '{keyword}' but found {Current.Describe()}");

    public Token Expect(TokenKind kind, string what) =>
        Current.Kind == kind ? Next() : throw Error(Current, $"Expected {what} but found {Current.Describe()}");

    public TemplateException Error(Token at, string message) => _source.Error(at.Position, message);

    /// <summary>Guards parser recursion so a deeply nested template fails cleanly instead of overflowing the stack.</summary>
    public void Enter()
    {
        if (++_depth > _maxDepth)
            throw Error(Current, $"The template nests more than {_maxDepth} levels deep");
        RuntimeHelpers.EnsureSufficientExecutionStack();
    }

    public void Leave() => _depth--;
}

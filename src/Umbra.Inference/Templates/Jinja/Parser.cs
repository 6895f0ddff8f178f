using Umbra.Inference.Templates.Jinja.Syntax;

namespace Umbra.Inference.Templates.Jinja;

/// <summary>
/// Builds the statement tree. Supports the tags chat templates use: <c>if/elif/else</c>, <c>for</c> (with an
/// inline <c>if</c> filter and <c>else</c>), <c>set</c> (plain, tuple, namespace attribute and block forms),
/// <c>macro</c>, <c>break</c>/<c>continue</c>, <c>filter</c>, <c>with</c>, <c>raw</c> and Hugging Face's
/// <c>generation</c> marker. Tags that load other templates have nothing to load here and are rejected.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> Unsupported = ["include", "extends", "import", "from", "block", "call", "do", "autoescape"];

    private readonly TokenStream _stream;
    private readonly ExpressionParser _expressions;
    private readonly Stack<string> _openBlocks = new();
    private int _loopDepth;

    private Parser(TokenStream stream)
    {
        _stream = stream;
        _expressions = new ExpressionParser(stream);
    }

    public static IReadOnlyList<Node> Parse(SourceText source, int maxDepth)
    {
        var stream = new TokenStream(Lexer.Tokenize(source), source, maxDepth);
        var parser = new Parser(stream);
        var body = parser.ParseBody([], out _);
        stream.Expect(TokenKind.Eof, "end of template");
        return body;
    }

    /// <summary>Parses nodes until one of <paramref name="endTags"/> opens a block tag; leaves the stream on that tag's name.</summary>
    private List<Node> ParseBody(string[] endTags, out string endTag)
    {
        _stream.Enter();
        try
        {
            var nodes = new List<Node>();
            while (true)
            {
                var token = _stream.Current;
                switch (token.Kind)
                {
                    case TokenKind.Text:
                        nodes.Add(new TextNode(token.Position, _stream.Next().Text));
                        break;
                    case TokenKind.VariableBegin:
                        _stream.Next();
                        var value = _expressions.ParseTuple();
                        _stream.Expect(TokenKind.VariableEnd, "'}}'");
                        nodes.Add(new OutputNode(token.Position, value));
                        break;
                    case TokenKind.BlockBegin:
                        var keyword = _stream.Peek();
                        if (keyword.Kind == TokenKind.Name && Array.IndexOf(endTags, keyword.Text) >= 0)
                        {
                            _stream.Next();
                            endTag = keyword.Text;
                            return nodes;
                        }
                        _stream.Next();
                        ParseStatement(nodes, endTags);
                        break;
                    case TokenKind.Eof when endTags.Length == 0:
                        endTag = "";
                        return nodes;
                    case TokenKind.Eof:
                        throw _stream.Error(token, $"Unexpected end of template: the '{_openBlocks.Peek()}' block needs {Expected(endTags)}");
                    default:
                        throw _stream.Error(token, $"Unexpected {token.Describe()}");
                }
            }
        }
        finally
        {
            _stream.Leave();
        }
    }

    private void ParseStatement(List<Node> nodes, string[] endTags)
    {
        var keyword = _stream.Current;
        if (keyword.Kind != TokenKind.Name)
            throw _stream.Error(keyword, $"Expected a tag name after '{{%' but found {keyword.Describe()}");
        switch (keyword.Text)
        {
            case "if":
                nodes.Add(ParseIf());
                break;
            case "for":
                nodes.Add(ParseFor());
                break;
            case "set":
                nodes.Add(ParseSet());
                break;
            case "macro":
                nodes.Add(ParseMacro());
                break;
            case "break" or "continue":
                _stream.Next();
                if (_loopDepth == 0)
                    throw _stream.Error(keyword, $"'{keyword.Text}' is only allowed inside a for loop");
                EndTag();
                nodes.Add(keyword.Text == "break" ? new BreakNode(keyword.Position) : new ContinueNode(keyword.Position));
                break;
            case "filter":
                nodes.Add(ParseFilterBlock());
                break;
            case "with":
                nodes.Add(ParseWith());
                break;
            case "generation":
                // Hugging Face's marker for assistant-token masks; it renders its body unchanged.
                _stream.Next();
                EndTag();
                nodes.AddRange(ParseBlock("generation", ["endgeneration"], out _));
                _stream.Next();
                EndTag();
                break;
            default:
                if (Unsupported.Contains(keyword.Text))
                    throw _stream.Error(keyword, $"The '{keyword.Text}' tag is not supported in chat templates");
                if (_openBlocks.Count > 0)
                    throw _stream.Error(keyword, $"Unexpected tag '{keyword.Text}': the innermost open block '{_openBlocks.Peek()}' needs {Expected(endTags)}");
                if (keyword.Text is "elif" or "else" || keyword.Text.StartsWith("end", StringComparison.Ordinal))
                    throw _stream.Error(keyword, $"Unexpected tag '{keyword.Text}': no block is open");
                throw _stream.Error(keyword, $"Unknown tag '{keyword.Text}'");
        }
    }

    private List<Node> ParseBlock(string name, string[] endTags, out string endTag)
    {
        _openBlocks.Push(name);
        try
        {
            return ParseBody(endTags, out endTag);
        }
        finally
        {
            _openBlocks.Pop();
        }
    }

    private void EndTag() => _stream.Expect(TokenKind.BlockEnd, "'%}'");

    private IfNode ParseIf()
    {
        int position = _stream.Next().Position; // "if" or "elif"
        var test = _expressions.ParseTuple();
        EndTag();
        var then = ParseBlock("if", ["elif", "else", "endif"], out string end);
        IReadOnlyList<Node> otherwise = [];
        if (end == "elif")
        {
            otherwise = [ParseIf()];
            return new IfNode(position, test, then, otherwise);
        }
        if (end == "else")
        {
            _stream.Next();
            EndTag();
            otherwise = ParseBlock("if", ["endif"], out _);
        }
        _stream.Next();
        EndTag();
        return new IfNode(position, test, then, otherwise);
    }

    private ForNode ParseFor()
    {
        int position = _stream.Next().Position;
        var target = ParseAssignTarget(withNamespace: false, extraEnd: "in");
        _stream.ExpectKeyword("in");
        var iterable = _expressions.ParseTuple(withCondition: false, extraEnd: "recursive");
        Expr? filter = _stream.SkipName("if") ? _expressions.Parse() : null;
        if (_stream.Current.IsName("recursive"))
            throw _stream.Error(_stream.Current, "Recursive for loops are not supported in chat templates");
        EndTag();
        _loopDepth++;
        List<Node> body;
        string end;
        try
        {
            body = ParseBlock("for", ["else", "endfor"], out end);
        }
        finally
        {
            _loopDepth--;
        }
        IReadOnlyList<Node> otherwise = [];
        if (end == "else")
        {
            _stream.Next();
            EndTag();
            otherwise = ParseBlock("for", ["endfor"], out _);
        }
        _stream.Next();
        EndTag();
        return new ForNode(position, target, iterable, filter, body, otherwise);
    }

    private Node ParseSet()
    {
        int position = _stream.Next().Position;
        var target = ParseAssignTarget(withNamespace: true, extraEnd: null);
        if (_stream.SkipOperator("="))
        {
            var value = _expressions.ParseTuple();
            EndTag();
            return new SetNode(position, target, value);
        }
        if (target is not NameExpr name)
            throw _stream.Error(_stream.Current, "A block 'set' assigns to a single name");
        EndTag();
        var body = ParseBlock("set", ["endset"], out _);
        _stream.Next();
        EndTag();
        return new SetBlockNode(position, name.Name, body);
    }

    /// <summary>A name, a tuple of names (<c>k, v</c>), or with <paramref name="withNamespace"/> <c>ns.attr</c>.</summary>
    private Expr ParseAssignTarget(bool withNamespace, string? extraEnd)
    {
        var first = _stream.Current;
        if (withNamespace && first.Kind == TokenKind.Name && _stream.Peek().IsOperator("."))
        {
            _stream.Next();
            _stream.Next();
            var attribute = _stream.ExpectName();
            return new AttributeExpr(first.Position, new NameExpr(first.Position, first.Text), attribute.Text);
        }

        bool parenthesized = _stream.SkipOperator("(");
        var names = new List<Expr>();
        bool isTuple = parenthesized;
        do
        {
            if ((extraEnd != null && _stream.Current.IsName(extraEnd)) || _stream.Current.IsOperator(")"))
                break;
            var token = _stream.ExpectName();
            if (token.Text is "true" or "false" or "none" or "True" or "False" or "None")
                throw _stream.Error(token, $"Cannot assign to '{token.Text}'");
            names.Add(new NameExpr(token.Position, token.Text));
            if (_stream.Current.IsOperator(","))
                isTuple = true;
        }
        while (_stream.SkipOperator(","));
        if (parenthesized)
            _stream.ExpectOperator(")");
        if (names.Count == 0)
            throw _stream.Error(first, "Expected a variable name to assign to");
        return isTuple ? new TupleExpr(first.Position, names) : names[0];
    }

    private MacroNode ParseMacro()
    {
        int position = _stream.Next().Position;
        string name = _stream.ExpectName().Text;
        _stream.ExpectOperator("(");
        var parameters = new List<MacroParameter>();
        while (!_stream.Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
                _stream.ExpectOperator(",");
            if (_stream.Current.IsOperator(")"))
                break;
            string parameter = _stream.ExpectName().Text;
            Expr? defaultValue = _stream.SkipOperator("=") ? _expressions.Parse() : null;
            parameters.Add(new MacroParameter(parameter, defaultValue));
        }
        _stream.ExpectOperator(")");
        EndTag();

        // A macro body is its own function: break and continue cannot reach a loop around the definition.
        int loops = _loopDepth;
        _loopDepth = 0;
        List<Node> body;
        try
        {
            body = ParseBlock("macro", ["endmacro"], out _);
        }
        finally
        {
            _loopDepth = loops;
        }
        _stream.Next();
        if (_stream.Current.Kind == TokenKind.Name)
            _stream.Next(); // {% endmacro name %}
        EndTag();
        return new MacroNode(position, name, parameters, body);
    }

    private FilterBlockNode ParseFilterBlock()
    {
        int position = _stream.Next().Position;
        string name = _stream.ExpectName().Text;
        var args = _stream.Current.IsOperator("(") ? _expressions.ParseArguments() : Arguments.None;
        EndTag();
        var body = ParseBlock("filter", ["endfilter"], out _);
        _stream.Next();
        EndTag();
        return new FilterBlockNode(position, name, args, body);
    }

    private WithNode ParseWith()
    {
        int position = _stream.Next().Position;
        var assignments = new List<(string, Expr)>();
        while (_stream.Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0)
                _stream.ExpectOperator(",");
            string name = _stream.ExpectName().Text;
            _stream.ExpectOperator("=");
            assignments.Add((name, _expressions.Parse()));
        }
        EndTag();
        var body = ParseBlock("with", ["endwith"], out _);
        _stream.Next();
        EndTag();
        return new WithNode(position, assignments, body);
    }

    private static string Expected(string[] endTags) =>
        endTags.Length switch
        {
            0 => "no closing tag",
            1 => $"'{endTags[0]}'",
            _ => string.Join(", ", endTags[..^1].Select(t => $"'{t}'")) + $" or '{endTags[^1]}'",
        };
}

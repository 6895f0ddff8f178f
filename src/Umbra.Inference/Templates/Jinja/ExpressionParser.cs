using Umbra.Inference.Templates.Jinja.Syntax;

namespace Umbra.Inference.Templates.Jinja;

/// <summary>
/// Parses Jinja expressions with Jinja's precedence, loosest first: conditional, <c>or</c>, <c>and</c>,
/// <c>not</c>, comparisons (<c>in</c>, <c>not in</c>), <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>,
/// unary <c>- +</c>, then postfix access and calls, and finally filters and tests, which bind tightest of all
/// (<c>a + b | trim</c> trims only <c>b</c>). Operators are here; literals, access, calls, filters and tests are
/// in ExpressionParser.Postfix.cs.
/// </summary>
internal sealed partial class ExpressionParser
{
    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", "<=", ">", ">="];
    private static readonly HashSet<string> MultiplicativeOperators = ["*", "/", "//", "%"];

    private readonly TokenStream _stream;

    public ExpressionParser(TokenStream stream)
    {
        _stream = stream;
    }

    public Expr Parse(bool withCondition = true)
    {
        _stream.Enter();
        try
        {
            return withCondition ? ParseConditional() : ParseOr();
        }
        finally
        {
            _stream.Leave();
        }
    }

    /// <summary>An expression or an unparenthesised tuple (<c>a, b</c>), as allowed in <c>{{ }}</c>, <c>set</c> and <c>for</c>.</summary>
    public Expr ParseTuple(bool withCondition = true, string? extraEnd = null, bool explicitParentheses = false)
    {
        int position = _stream.Current.Position;
        var items = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0)
                _stream.ExpectOperator(",");
            if (IsTupleEnd(extraEnd))
                break;
            items.Add(Parse(withCondition));
            if (_stream.Current.IsOperator(","))
                isTuple = true;
            else
                break;
        }
        if (!isTuple)
        {
            if (items.Count > 0)
                return items[0];
            if (!explicitParentheses)
                throw _stream.Error(_stream.Current, $"Expected an expression but found {_stream.Current.Describe()}");
        }
        return new TupleExpr(position, items);
    }

    private bool IsTupleEnd(string? extraEnd)
    {
        var token = _stream.Current;
        return token.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.Eof
            || token.IsOperator(")")
            || (extraEnd != null && token.IsName(extraEnd));
    }

    private Expr ParseConditional()
    {
        var expr = ParseOr();
        while (_stream.Current.IsName("if"))
        {
            int position = _stream.Next().Position;
            var test = ParseOr();
            Expr? otherwise = _stream.SkipName("else") ? Parse() : null;
            expr = new ConditionalExpr(position, test, expr, otherwise);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (_stream.Current.IsName("or"))
            left = new BinaryExpr(_stream.Next().Position, "or", left, ParseAnd());
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (_stream.Current.IsName("and"))
            left = new BinaryExpr(_stream.Next().Position, "and", left, ParseNot());
        return left;
    }

    private Expr ParseNot()
    {
        if (!_stream.Current.IsName("not"))
            return ParseCompare();
        int position = _stream.Next().Position;
        _stream.Enter();
        try
        {
            return new UnaryExpr(position, "not", ParseNot());
        }
        finally
        {
            _stream.Leave();
        }
    }

    private Expr ParseCompare()
    {
        int position = _stream.Current.Position;
        var first = ParseAdditive();
        List<(string, Expr)>? rest = null;
        while (true)
        {
            var token = _stream.Current;
            string op;
            if (token.Kind == TokenKind.Operator && CompareOperators.Contains(token.Text))
            {
                op = token.Text;
                _stream.Next();
            }
            else if (token.IsName("in"))
            {
                op = "in";
                _stream.Next();
            }
            else if (token.IsName("not") && _stream.Peek().IsName("in"))
            {
                op = "not in";
                _stream.Next();
                _stream.Next();
            }
            else
            {
                break;
            }
            (rest ??= []).Add((op, ParseAdditive()));
        }
        return rest == null ? first : new CompareExpr(position, first, rest);
    }

    private Expr ParseAdditive()
    {
        var left = ParseConcat();
        while (_stream.Current.IsOperator("+") || _stream.Current.IsOperator("-"))
        {
            var op = _stream.Next();
            left = new BinaryExpr(op.Position, op.Text, left, ParseConcat());
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMultiplicative();
        while (_stream.Current.IsOperator("~"))
            left = new BinaryExpr(_stream.Next().Position, "~", left, ParseMultiplicative());
        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParsePower();
        while (_stream.Current.Kind == TokenKind.Operator && MultiplicativeOperators.Contains(_stream.Current.Text))
        {
            var op = _stream.Next();
            left = new BinaryExpr(op.Position, op.Text, left, ParsePower());
        }
        return left;
    }

    private Expr ParsePower()
    {
        var left = ParseUnary(withFilter: true);
        while (_stream.Current.IsOperator("**"))
            left = new BinaryExpr(_stream.Next().Position, "**", left, ParseUnary(withFilter: true));
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        var token = _stream.Current;
        Expr node;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            _stream.Next();
            _stream.Enter();
            try
            {
                node = new UnaryExpr(token.Position, token.Text, ParseUnary(withFilter: false));
            }
            finally
            {
                _stream.Leave();
            }
        }
        else
        {
            node = ParsePrimary();
        }
        node = ParsePostfix(node);
        return withFilter ? ParseFilters(node) : node;
    }
}

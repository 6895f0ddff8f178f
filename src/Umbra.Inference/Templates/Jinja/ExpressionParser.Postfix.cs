using Umbra.Inference.Templates.Jinja.Syntax;

namespace Umbra.Inference.Templates.Jinja;

internal sealed partial class ExpressionParser
{
    private Expr ParsePrimary()
    {
        var token = _stream.Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                _stream.Next();
                return token.Text switch
                {
                    "true" or "True" => new LiteralExpr(token.Position, true),
                    "false" or "False" => new LiteralExpr(token.Position, false),
                    "none" or "None" => new LiteralExpr(token.Position, null),
                    _ => new NameExpr(token.Position, token.Text),
                };
            case TokenKind.String:
                // Adjacent string literals concatenate, as in Python.
                var text = (string)_stream.Next().Value!;
                while (_stream.Current.Kind == TokenKind.String)
                    text += (string)_stream.Next().Value!;
                return new LiteralExpr(token.Position, text);
            case TokenKind.Integer:
            case TokenKind.Float:
                return new LiteralExpr(_stream.Next().Position, token.Value);
            case TokenKind.Operator when token.Text == "(":
                _stream.Next();
                var inner = ParseTuple(explicitParentheses: true);
                _stream.ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Text == "[":
                return ParseList();
            case TokenKind.Operator when token.Text == "{":
                return ParseDict();
            default:
                throw _stream.Error(token, $"Unexpected {token.Describe()} in expression");
        }
    }

    private ListExpr ParseList()
    {
        int position = _stream.ExpectOperator("[").Position;
        var items = new List<Expr>();
        while (!_stream.Current.IsOperator("]"))
        {
            if (items.Count > 0)
                _stream.ExpectOperator(",");
            if (_stream.Current.IsOperator("]"))
                break;
            items.Add(Parse());
        }
        _stream.ExpectOperator("]");
        return new ListExpr(position, items);
    }

    private DictExpr ParseDict()
    {
        int position = _stream.ExpectOperator("{").Position;
        var items = new List<(Expr, Expr)>();
        while (!_stream.Current.IsOperator("}"))
        {
            if (items.Count > 0)
                _stream.ExpectOperator(",");
            if (_stream.Current.IsOperator("}"))
                break;
            var key = Parse();
            _stream.ExpectOperator(":");
            items.Add((key, Parse()));
        }
        _stream.ExpectOperator("}");
        return new DictExpr(position, items);
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var token = _stream.Current;
            if (token.IsOperator("."))
            {
                _stream.Next();
                var name = _stream.Current;
                if (name.Kind == TokenKind.Name)
                    node = new AttributeExpr(token.Position, node, _stream.Next().Text);
                else if (name.Kind == TokenKind.Integer)
                    node = new ItemExpr(token.Position, node, new LiteralExpr(name.Position, _stream.Next().Value));
                else
                    throw _stream.Error(name, $"Expected an attribute name after '.' but found {name.Describe()}");
            }
            else if (token.IsOperator("["))
            {
                node = ParseSubscript(node);
            }
            else if (token.IsOperator("("))
            {
                node = new CallExpr(token.Position, node, ParseArguments());
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseSubscript(Expr target)
    {
        int position = _stream.ExpectOperator("[").Position;
        Expr? start = null;
        if (!_stream.Current.IsOperator(":"))
        {
            start = Parse();
            if (!_stream.Current.IsOperator(":"))
            {
                _stream.ExpectOperator("]");
                return new ItemExpr(position, target, start);
            }
        }
        _stream.ExpectOperator(":");
        Expr? stop = _stream.Current.IsOperator("]") || _stream.Current.IsOperator(":") ? null : Parse();
        Expr? step = null;
        if (_stream.SkipOperator(":") && !_stream.Current.IsOperator("]"))
            step = Parse();
        _stream.ExpectOperator("]");
        return new SliceExpr(position, target, start, stop, step);
    }

    public Arguments ParseArguments()
    {
        _stream.ExpectOperator("(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!_stream.Current.IsOperator(")"))
        {
            if (positional.Count + named.Count > 0)
                _stream.ExpectOperator(",");
            if (_stream.Current.IsOperator(")"))
                break;
            var token = _stream.Current;
            if (token.IsOperator("*") || token.IsOperator("**"))
                throw _stream.Error(token, "Argument unpacking with * and ** is not supported in chat templates");
            if (token.Kind == TokenKind.Name && _stream.Peek().IsOperator("="))
            {
                _stream.Next();
                _stream.Next();
                named.Add((token.Text, Parse()));
            }
            else if (named.Count > 0)
            {
                throw _stream.Error(token, "A positional argument cannot follow a keyword argument");
            }
            else
            {
                positional.Add(Parse());
            }
        }
        _stream.ExpectOperator(")");
        return positional.Count + named.Count == 0 ? Arguments.None : new Arguments(positional, named);
    }

    private Expr ParseFilters(Expr node)
    {
        while (true)
        {
            var token = _stream.Current;
            if (token.IsOperator("|"))
            {
                _stream.Next();
                string name = ParseDottedName();
                var args = _stream.Current.IsOperator("(") ? ParseArguments() : Arguments.None;
                node = new FilterExpr(token.Position, node, name, args);
            }
            else if (token.IsName("is"))
            {
                _stream.Next();
                node = ParseTest(token.Position, node);
            }
            else if (token.IsOperator("("))
            {
                node = new CallExpr(token.Position, node, ParseArguments());
            }
            else
            {
                return node;
            }
        }
    }

    private TestExpr ParseTest(int position, Expr value)
    {
        bool negated = _stream.SkipName("not");
        string name = ParseDottedName();
        var args = Arguments.None;
        var token = _stream.Current;
        if (token.IsOperator("("))
        {
            args = ParseArguments();
        }
        else if ((token.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                    || token.IsOperator("[") || token.IsOperator("{"))
                 && !token.IsName("else") && !token.IsName("or") && !token.IsName("and"))
        {
            // A single argument may follow without parentheses: "x is divisibleby 3", "x is sameas none".
            if (token.IsName("is"))
                throw _stream.Error(token, "Tests cannot be chained with 'is'");
            args = new Arguments([ParsePostfix(ParsePrimary())], []);
        }
        return new TestExpr(position, value, name, args, negated);
    }

    private string ParseDottedName()
    {
        string name = _stream.ExpectName().Text;
        while (_stream.Current.IsOperator(".") && _stream.Peek().Kind == TokenKind.Name)
        {
            _stream.Next();
            name += "." + _stream.Next().Text;
        }
        return name;
    }
}

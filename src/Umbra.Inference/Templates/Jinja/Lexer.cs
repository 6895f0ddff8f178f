namespace Umbra.Inference.Templates.Jinja;

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control the way Hugging Face's
/// <c>apply_chat_template</c> configures Jinja: <c>trim_blocks</c> and <c>lstrip_blocks</c> on,
/// <c>-</c> strips all whitespace on its side of a tag, <c>+</c> opts a tag out of the two options.
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] TwoCharOperators = ["//", "**", "==", "!=", "<=", ">="];
    private const string OneCharOperators = "+-*/%~<>=()[]{},.:|";

    private readonly SourceText _source;
    private readonly string _src;
    private readonly List<Token> _tokens = [];
    private int _pos;

    // Whether the text that follows starts at the beginning of a line: true at the start of the template and
    // after a tag whose end consumed a newline. lstrip_blocks only strips indentation that starts a line.
    private bool _lineStarting = true;

    private Lexer(SourceText source)
    {
        _source = source;
        _src = source.Text;
    }

    public static List<Token> Tokenize(SourceText source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_pos < _src.Length)
        {
            int tag = FindTagStart(_pos);
            if (tag < 0)
            {
                AddText(_src[_pos..], _pos);
                break;
            }

            char kind = _src[tag + 1];
            char modifier = tag + 2 < _src.Length ? _src[tag + 2] : '\0';
            string text = _src[_pos..tag];
            if (modifier == '-')
                text = text.TrimEnd();
            else if (modifier != '+' && kind != '{')
                text = StripIndentation(text);
            AddText(text, _pos);

            int inner = tag + 2 + (modifier is '-' or '+' ? 1 : 0);
            switch (kind)
            {
                case '#':
                    LexComment(tag, inner);
                    break;
                case '%' when TryLexRaw(tag, inner):
                    break;
                case '%':
                    LexTag(TokenKind.BlockBegin, tag, inner);
                    break;
                default:
                    LexTag(TokenKind.VariableBegin, tag, inner);
                    break;
            }
        }
        _tokens.Add(new Token(TokenKind.Eof, "", _src.Length));
    }

    private int FindTagStart(int from)
    {
        for (int i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
        {
            if (_src[i + 1] is '{' or '%' or '#')
                return i;
        }
        return -1;
    }

    private void AddText(string text, int position)
    {
        if (text.Length > 0)
            _tokens.Add(new Token(TokenKind.Text, text, position));
    }

    private string StripIndentation(string text)
    {
        int lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !_lineStarting)
            return text;
        for (int i = lineStart; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
                return text;
        }
        return text[..lineStart];
    }

    private void LexComment(int tag, int inner)
    {
        int end = _src.IndexOf("#}", inner, StringComparison.Ordinal);
        if (end < 0)
            throw _source.Error(tag, "Unterminated comment: '{#' has no matching '#}'");
        char modifier = end > inner ? _src[end - 1] : '\0';
        FinishTag(end + 2, modifier, trimBlocks: true);
    }

    // {% raw %}...{% endraw %} emits its body as text, uninterpreted.
    private bool TryLexRaw(int tag, int inner)
    {
        int p = SkipWhitespace(inner);
        if (!MatchesWord(p, "raw"))
            return false;
        p = SkipWhitespace(p + 3);
        char beginModifier = p < _src.Length && _src[p] is '-' or '+' ? _src[p] : '\0';
        int close = beginModifier == '\0' ? p : p + 1;
        if (!MatchesAt(close, "%}"))
            return false;

        FinishTag(close + 2, beginModifier, trimBlocks: true);
        int bodyStart = _pos;
        for (int search = bodyStart; ;)
        {
            int open = _src.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0)
                throw _source.Error(tag, "Unterminated raw block: '{% raw %}' has no matching '{% endraw %}'");
            char endModifier = open + 2 < _src.Length ? _src[open + 2] : '\0';
            int q = SkipWhitespace(open + 2 + (endModifier is '-' or '+' ? 1 : 0));
            if (MatchesWord(q, "endraw"))
            {
                q = SkipWhitespace(q + 6);
                char closeModifier = q < _src.Length && _src[q] is '-' or '+' ? _src[q] : '\0';
                int closeAt = closeModifier == '\0' ? q : q + 1;
                if (MatchesAt(closeAt, "%}"))
                {
                    string body = _src[bodyStart..open];
                    if (endModifier == '-')
                        body = body.TrimEnd();
                    else if (endModifier != '+')
                        body = StripIndentation(body);
                    AddText(body, bodyStart);
                    FinishTag(closeAt + 2, closeModifier, trimBlocks: true);
                    return true;
                }
            }
            search = open + 2;
        }
    }

    private void LexTag(TokenKind begin, int tag, int inner)
    {
        _tokens.Add(new Token(begin, begin == TokenKind.BlockBegin ? "{%" : "{{", tag));
        int depth = 0;
        int p = inner;
        while (true)
        {
            p = SkipWhitespace(p);
            if (p >= _src.Length)
            {
                throw _source.Error(tag, begin == TokenKind.BlockBegin
                    ? "Unclosed statement: '{%' has no matching '%}'"
                    : "Unclosed expression: '{{' has no matching '}}'");
            }

            // End markers only count outside brackets, so a dict literal may end in "}}".
            if (depth == 0 && TryMatchEnd(p, begin, out int endLength, out char modifier))
            {
                _tokens.Add(new Token(begin == TokenKind.BlockBegin ? TokenKind.BlockEnd : TokenKind.VariableEnd, _src.Substring(p, endLength), p));
                FinishTag(p + endLength, modifier, trimBlocks: begin == TokenKind.BlockBegin);
                return;
            }

            p = LexExpressionToken(p, ref depth);
        }
    }

    private bool TryMatchEnd(int p, TokenKind begin, out int length, out char modifier)
    {
        string close = begin == TokenKind.BlockBegin ? "%}" : "}}";
        modifier = _src[p];
        if (modifier == '-' || (modifier == '+' && begin == TokenKind.BlockBegin))
        {
            length = 3;
            return MatchesAt(p + 1, close);
        }
        modifier = '\0';
        length = 2;
        return MatchesAt(p, close);
    }

    // Applies the whitespace control that follows a tag's end and records whether the next text starts a line.
    private void FinishTag(int afterTag, char modifier, bool trimBlocks)
    {
        int p = afterTag;
        bool consumedNewline = false;
        if (modifier == '-')
        {
            while (p < _src.Length && char.IsWhiteSpace(_src[p]))
                consumedNewline = _src[p++] == '\n';
        }
        else if (trimBlocks && modifier != '+' && p < _src.Length && _src[p] == '\n')
        {
            p++;
            consumedNewline = true;
        }
        _lineStarting = consumedNewline;
        _pos = p;
    }

    private int LexExpressionToken(int p, ref int depth)
    {
        char c = _src[p];
        if (char.IsLetter(c) || c == '_')
        {
            int start = p;
            while (p < _src.Length && (char.IsLetterOrDigit(_src[p]) || _src[p] == '_'))
                p++;
            _tokens.Add(new Token(TokenKind.Name, _src[start..p], start));
            return p;
        }
        if (char.IsAsciiDigit(c))
            return LexNumber(p);
        if (c is '\'' or '"')
            return LexString(p);

        foreach (var op in TwoCharOperators)
        {
            if (MatchesAt(p, op))
            {
                _tokens.Add(new Token(TokenKind.Operator, op, p));
                return p + 2;
            }
        }
        if (OneCharOperators.Contains(c, StringComparison.Ordinal))
        {
            if (c is '(' or '[' or '{')
                depth++;
            else if (c is ')' or ']' or '}')
                depth = Math.Max(0, depth - 1);
            _tokens.Add(new Token(TokenKind.Operator, c.ToString(), p));
            return p + 1;
        }
        throw _source.Error(p, $"Unexpected character '{c}' in expression");
    }

    private int LexNumber(int start)
    {
        int p = ReadDigits(start);
        bool isFloat = false;
        bool afterDot = _tokens.Count > 0 && _tokens[^1].IsOperator(".");
        if (!afterDot && p + 1 < _src.Length && _src[p] == '.' && char.IsAsciiDigit(_src[p + 1]))
        {
            p = ReadDigits(p + 1);
            isFloat = true;
        }
        if (!afterDot && p < _src.Length && _src[p] is 'e' or 'E')
        {
            int q = p + 1;
            if (q < _src.Length && _src[q] is '+' or '-')
                q++;
            if (q < _src.Length && char.IsAsciiDigit(_src[q]))
            {
                p = ReadDigits(q);
                isFloat = true;
            }
        }

        string text = _src[start..p];
        object value = isFloat
            ? LiteralDecoder.ParseFloat(text)
            : (object)(LiteralDecoder.ParseInteger(text) ?? throw _source.Error(start, $"Integer literal {text} is too large"));
        _tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, text, start, value));
        return p;
    }

    private int ReadDigits(int p)
    {
        while (p < _src.Length && (char.IsAsciiDigit(_src[p]) || (_src[p] == '_' && p + 1 < _src.Length && char.IsAsciiDigit(_src[p + 1]))))
            p++;
        return p;
    }

    private int LexString(int start)
    {
        char quote = _src[start];
        int p = start + 1;
        while (p < _src.Length && _src[p] != quote)
            p += _src[p] == '\\' ? 2 : 1;
        if (p >= _src.Length)
            throw _source.Error(start, "Unterminated string literal");
        string raw = _src[(start + 1)..p];
        string value;
        try
        {
            value = LiteralDecoder.Unescape(raw);
        }
        catch (FormatException e)
        {
            throw _source.Error(start, e.Message);
        }
        _tokens.Add(new Token(TokenKind.String, _src[start..(p + 1)], start, value));
        return p + 1;
    }

    private int SkipWhitespace(int p)
    {
        while (p < _src.Length && char.IsWhiteSpace(_src[p]))
            p++;
        return p;
    }

    private bool MatchesAt(int p, string s) =>
        p >= 0 && p + s.Length <= _src.Length && string.CompareOrdinal(_src, p, s, 0, s.Length) == 0;

    private bool MatchesWord(int p, string word) =>
        MatchesAt(p, word) && (p + word.Length >= _src.Length || !(char.IsLetterOrDigit(_src[p + word.Length]) || _src[p + word.Length] == '_'));
}

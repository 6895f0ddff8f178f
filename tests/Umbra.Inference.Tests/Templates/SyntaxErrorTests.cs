using Umbra.Inference.Templates;

namespace Umbra.Inference.Tests.Templates;

/// <summary>A template that cannot be parsed fails at Parse with a message naming the line and column.</summary>
public class SyntaxErrorTests
{
    [Theory]
    [InlineData("line one\n{{ 1 + }}", 2, 8, "Unexpected end of print statement in expression")]
    [InlineData("{{ 'unterminated }}", 1, 4, "Unterminated string literal")]
    [InlineData("{% if x %}\nno end", 2, 7, "Unexpected end of template: the 'if' block needs 'elif', 'else' or 'endif'")]
    [InlineData("{% for x in y %}\n  {% endif %}", 2, 6, "Unexpected tag 'endif': the innermost open block 'for' needs 'else' or 'endfor'")]
    [InlineData("text\n\n   {% endfor %}", 3, 7, "Unexpected tag 'endfor': no block is open")]
    [InlineData("{{ a b }}", 1, 6, "Expected '}}' but found 'b'")]
    [InlineData("{{ x | }}", 1, 8, "Expected a name but found end of print statement")]
    [InlineData("{% set %}", 1, 8, "Expected a name but found end of statement block")]
    [InlineData("{% set x = %}", 1, 12, "Expected an expression but found end of statement block")]
    [InlineData("ok {# never closed", 1, 4, "Unterminated comment: '{#' has no matching '#}'")]
    [InlineData("{{ x ", 1, 1, "Unclosed expression: '{{' has no matching '}}'")]
    [InlineData("{% if x ", 1, 1, "Unclosed statement: '{%' has no matching '%}'")]
    [InlineData("{% break %}", 1, 4, "'break' is only allowed inside a for loop")]
    [InlineData("{% for i in x %}{% macro m() %}{% break %}{% endmacro %}{% endfor %}", 1, 35, "'break' is only allowed inside a for loop")]
    [InlineData("{% include 'other.jinja' %}", 1, 4, "The 'include' tag is not supported in chat templates")]
    [InlineData("{% frobnicate %}", 1, 4, "Unknown tag 'frobnicate'")]
    [InlineData("{{ x $ y }}", 1, 6, "Unexpected character '$' in expression")]
    [InlineData("{{ f(a=1, 2) }}", 1, 11, "A positional argument cannot follow a keyword argument")]
    [InlineData("{% for x in items recursive %}{% endfor %}", 1, 19, "Recursive for loops are not supported in chat templates")]
    [InlineData("{% set true = 1 %}", 1, 8, "Cannot assign to 'true'")]
    [InlineData("{{ 'a\\x4' }}", 1, 4, "Truncated \\x escape in string literal")]
    public void Reports_line_and_column(string template, int line, int column, string reason)
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));
        Assert.Equal(reason, e.Reason);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Equal($"{reason} (chat template line {line}, column {column})", e.Message);
    }

    [Fact]
    public void A_template_that_is_too_long_is_refused()
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(new string('x', 2 << 20)));
        Assert.Contains("the limit is", e.Message, StringComparison.Ordinal);
    }
}

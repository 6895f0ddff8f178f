using static Umbra.Inference.Tests.Templates.TemplateTestKit;

namespace Umbra.Inference.Tests.Templates;

/// <summary>The expression grammar: precedence, literals, operators, access and Python's value semantics.</summary>
public class ExpressionTests
{
    [Theory]
    [InlineData("{{ 1 + 2 * 3 }}", "7")]
    [InlineData("{{ (1 + 2) * 3 }}", "9")]
    [InlineData("{{ 2 ** 10 }}|{{ 2 ** -1 }}", "1024|0.5")]
    [InlineData("{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7.5 % 2 }}", "3|-4|1|2|1.5")]
    [InlineData("{{ 7 / 2 }}|{{ 4 / 2 }}|{{ 10 / 4 }}", "3.5|2.0|2.5")]
    [InlineData("{{ 1 - 2 - 3 }}", "-4")]
    [InlineData("{{ -3 }}|{{ +3 }}|{{ - -3 }}", "-3|3|3")]
    [InlineData("{{ 'a' ~ 1 ~ none ~ true }}", "a1NoneTrue")]
    [InlineData("{{ 'x' ~ 2 * 3 }}|{{ (1 + 2) ~ 3 }}", "x6|33")]
    [InlineData("{{ 'ab' + 'cd' }}|{{ [1, 2] + [3] }}", "abcd|[1, 2, 3]")]
    [InlineData("{{ 'ab' * 3 }}|{{ 2 * 'x' }}|{{ [0] * 3 }}|{{ 'x' * 0 }}", "ababab|xx|[0, 0, 0]|")]
    [InlineData("{{ 1 < 2 < 3 }}|{{ 3 > 2 > 2 }}|{{ 1 <= 1 >= 0 }}", "True|False|True")]
    [InlineData("{{ 'b' in 'abc' }}|{{ 2 in [1, 2] }}|{{ 'k' in {'k': 1} }}|{{ 3 not in [1] }}|{{ 'z' in missing }}", "True|True|True|True|False")]
    [InlineData("{{ not true }}|{{ not 0 }}|{{ not [] }}|{{ not 'x' }}", "False|True|True|False")]
    [InlineData("{{ 0 or 'x' }}|{{ 1 and 'y' }}|{{ '' and 'z' }}|{{ none or [] }}", "x|y||[]")]
    [InlineData("{{ not 1 == 2 }}|{{ not 1 in [1] }}", "True|False")]
    [InlineData("{{ 'yes' if 1 > 0 else 'no' }}|{{ 'yes' if false }}|{{ 1 if false else 2 if false else 3 }}", "yes||3")]
    [InlineData("{{ [1, 2, 3, 4][1:3] }}|{{ [1, 2, 3][-1] }}|{{ [1, 2, 3][::-1] }}|{{ [1, 2, 3, 4, 5][::2] }}", "[2, 3]|3|[3, 2, 1]|[1, 3, 5]")]
    [InlineData("{{ 'hello'[1:-1] }}|{{ 'abc'[-2:] }}|{{ 'abc'[:1] }}|{{ 'abc'[0] }}|{{ 'abc'[5:] }}", "ell|bc|a|a|")]
    [InlineData("{{ [1, 2][5] }}|{{ [1, 2][-5] }}", "|")]
    [InlineData("{{ 'a' 'b' \"c\" }}", "abc")]
    [InlineData("{{ 'it\\'s' }}|{{ \"say \\\"hi\\\"\" }}|{{ 'back\\\\slash' }}|{{ '\\u00e9\\x41' }}|{{ 'keep \\d' }}", "it's|say \"hi\"|back\\slash|éA|keep \\d")]
    [InlineData("{{ 1_000 + 0.5 }}|{{ 1e3 }}|{{ 2.5e-3 }}", "1000.5|1000.0|0.0025")]
    [InlineData("{{ True }}|{{ False }}|{{ None }}|{{ true }}|{{ none is none }}", "True|False|None|True|True")]
    [InlineData("{{ 0.1 + 0.2 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 1e-5 }}|{{ 0.0001 }}|{{ -0.0 }}|{{ 123456789.0 }}", "0.30000000000000004|1e+16|1000000000000000.0|1e-05|0.0001|-0.0|123456789.0")]
    [InlineData("{{ 1 == 1.0 }}|{{ true == 1 }}|{{ '1' == 1 }}|{{ none == none }}|{{ [1, [2]] == [1, [2]] }}|{{ {'a': 1} == {'a': 1} }}", "True|True|False|True|True|True")]
    [InlineData("{{ -3 | abs }}|{{ 'a' + 'b' | upper }}|{{ 'x' ~ 'y' | upper }}", "3|aB|xY")]
    [InlineData("{{ (1, 2) }}|{{ (1,) }}|{{ () }}|{{ 1, 2 }}", "(1, 2)|(1,)|()|(1, 2)")]
    [InlineData("{{ {'a': 1, 'b': [true, none, 'x']} }}|{{ {} }}|{{ [] }}", "{'a': 1, 'b': [True, None, 'x']}|{}|[]")]
    [InlineData("{{ [\"it's\", 'a\\nb'] }}", "[\"it's\", 'a\\nb']")]
    [InlineData("{{ {'a': {'b': 1}} }}|{{ '}}' }}", "{'a': {'b': 1}}|}}")]
    [InlineData("{{ {'a': 1}.a }}|{{ {'a': 1}['a'] }}|{{ {'a': 1}.b }}|{{ {1: 'one'}[1] }}|{{ {'x': 2}.x * 2 }}", "1|1||one|4")]
    [InlineData("{{ [[1, 2], [3]][0][1] }}|{{ [[1, 2]].0.1 }}", "2|2")]
    public void Evaluates(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ x is defined }}|{{ y is defined }}|{{ y is undefined }}|{{ x is not none }}", "True|False|True|True")]
    [InlineData("{{ 'a' is string }}|{{ 1 is number }}|{{ 1 is integer }}|{{ true is integer }}|{{ 1.5 is float }}|{{ true is boolean }}", "True|True|True|False|True|True")]
    [InlineData("{{ {} is mapping }}|{{ [] is mapping }}|{{ 'a' is iterable }}|{{ 1 is iterable }}|{{ [] is sequence }}", "True|False|True|False|True")]
    [InlineData("{{ 3 is odd }}|{{ 4 is even }}|{{ 9 is divisibleby 3 }}|{{ 9 is divisibleby(2) }}|{{ 2 is in [1, 2] }}", "True|True|True|False|True")]
    [InlineData("{{ 1 is eq 1 }}|{{ 1 is equalto 2 }}|{{ 1 is ne 2 }}|{{ 1 is lt 2 }}|{{ 3 is gt 2 }}|{{ 2 is ge 2 }}|{{ 2 is le 1 }}", "True|False|True|True|True|True|False")]
    [InlineData("{{ none is sameas none }}|{{ range is callable }}|{{ 'abc' is lower }}|{{ 'ABC' is upper }}", "True|True|True|True")]
    [InlineData("{{ 'upper' is filter }}|{{ 'nope' is filter }}|{{ 'odd' is test }}", "True|False|True")]
    [InlineData("{{ x is defined and x > 0 }}|{{ y is defined and y > 0 }}", "True|False")]
    public void Tests_after_is(string template, string expected) => Assert.Equal(expected, Render(template, ("x", 1)));

    [Theory]
    [InlineData("{{ missing }}|{{ missing | length }}|{{ missing is defined }}|{% for x in missing %}x{% endfor %}|{{ missing | default('d') }}|{{ missing ~ '!' }}", "|0|False||d|!")]
    [InlineData("{% if missing %}yes{% else %}no{% endif %}|{{ missing == missing }}|{{ missing | trim }}|{{ missing | list }}", "no|True||[]")]
    [InlineData("{{ {'a': 1}.b is defined }}|{{ 'text'.content is defined }}|{{ none.x is defined }}", "False|False|False")]
    public void Undefined_values_are_empty_and_false(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ missing.attribute }}", "'missing' is undefined")]
    [InlineData("{{ missing['key'] }}", "'missing' is undefined")]
    [InlineData("{{ missing + 1 }}", "'missing' is undefined")]
    [InlineData("{{ missing() }}", "'missing' is undefined")]
    [InlineData("{{ {'a': 1}.b.c }}", "'dict object' has no attribute 'b'")]
    [InlineData("{{ 'text'.nosuchmethod() }}", "'str object' has no attribute 'nosuchmethod'")]
    public void Using_an_undefined_value_as_an_object_fails(string template, string reason)
    {
        var e = RenderFails(template);
        Assert.Equal(reason, e.Reason);
        Assert.Equal(1, e.Line);
    }

    [Theory]
    [InlineData("{{ 'a' + 1 }}", "Unsupported operand types for +: 'str' and 'int'")]
    [InlineData("{{ 1 + 2 ~ 3 }}", "Unsupported operand types for +: 'int' and 'str'")] // as in Jinja, ~ binds tighter than +
    [InlineData("{{ 1 / 0 }}", "Division by zero")]
    [InlineData("{{ 1 // 0 }}", "Division by zero")]
    [InlineData("{{ 'a' < 1 }}", "'<' is not supported between 'str' and 'int'")]
    [InlineData("{{ 1 in 2 }}", "Argument of type 'int' is not iterable")]
    [InlineData("{{ 9223372036854775807 + 1 }}", "Integer overflow in '+'")]
    [InlineData("{% for x in 5 %}{% endfor %}", "'int' object is not iterable")]
    [InlineData("{{ none.x.y }}", "'NoneType object' has no attribute 'x'")]
    public void Type_errors_are_template_errors(string template, string reason) => Assert.Equal(reason, RenderFails(template).Reason);

    [Fact]
    public void Runtime_errors_point_at_the_failing_expression()
    {
        var e = RenderFails("line one\n{% if true %}\n  {{ 1 + 'x' }}\n{% endif %}");
        Assert.Equal(3, e.Line);
        Assert.Equal(8, e.Column);
        Assert.EndsWith("(chat template line 3, column 8)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dunder_attributes_reach_nothing()
    {
        // No reflection: Python-style escapes out of the sandbox find only undefined values.
        Assert.Equal("||", Render("{{ ''.__class__ }}|{{ messages.__class__ }}|{{ range.__globals__ }}", ("messages", new List<object?>())));
        Assert.Equal("'str object' has no attribute 'GetType'", RenderFails("{{ ''.GetType() }}").Reason);
        Assert.Equal("'str object' has no attribute '__class__'", RenderFails("{{ ''.__class__.__mro__ }}").Reason);
    }
}

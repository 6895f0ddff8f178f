using static Umbra.Inference.Tests.Templates.TemplateTestKit;

namespace Umbra.Inference.Tests.Templates;

/// <summary>for, if, set, namespace, macro and the other tags, with Jinja's scoping rules.</summary>
public class StatementTests
{
    [Fact]
    public void Loop_variables()
    {
        const string template = "{% for x in ['a', 'b', 'c'] %}{{ x }}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }};{% endfor %}";
        Assert.Equal("a10TrueFalse33;b21FalseFalse32;c32FalseTrue31;", Render(template));
    }

    [Fact]
    public void Loop_previtem_nextitem_and_cycle()
    {
        Assert.Equal("-a,b|a-b,c|b-c,|", Render("{% for x in ['a', 'b', 'c'] %}{{ loop.previtem }}-{{ x }},{{ loop.nextitem }}|{% endfor %}"));
        Assert.Equal("odd even odd ", Render("{% for i in range(3) %}{{ loop.cycle('odd', 'even') }} {% endfor %}"));
    }

    [Theory]
    [InlineData("{% for x in [] %}x{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% for x in [1] if x > 5 %}x{% else %}none kept{% endfor %}", "none kept")]
    [InlineData("{% for x in range(10) if x is odd %}{{ x }}{{ ',' if not loop.last }}{% endfor %}", "1,3,5,7,9")]
    [InlineData("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;")]
    [InlineData("{% for k, v in {'a': 1, 'b': 2} | items %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;")]
    [InlineData("{% for (k, v) in [('x', 1)] %}{{ k }}{{ v }}{% endfor %}", "x1")]
    [InlineData("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}", "ab")]
    [InlineData("{% for c in 'abc' %}{{ c }}.{% endfor %}", "a.b.c.")]
    [InlineData("{% for key, val in {'name': 'f', 'return': 'x', 'n': 1}.items() if key != 'return' %}{{ key }}{% endfor %}", "namen")]
    public void For_loops(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Nested_loops_have_their_own_loop_variable()
    {
        Assert.Equal("1:12|2:12|", Render("{% for a in [1, 2] %}{{ loop.index }}:{% for b in 'xy' %}{{ loop.index }}{% endfor %}|{% endfor %}"));
    }

    [Theory]
    [InlineData("{% for i in range(10) %}{% if i == 3 %}{% break %}{% endif %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}", "02")]
    [InlineData("{% for i in range(3) %}{% for j in range(3) %}{% if j == 1 %}{% break %}{% endif %}{{ i }}{{ j }} {% endfor %}{% endfor %}", "00 10 20 ")]
    public void Break_and_continue(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% for i in range(3) %}{% if i == 0 %}a{% elif i == 1 %}b{% else %}c{% endif %}{% endfor %}", "abc")]
    [InlineData("{% if [] %}list{% elif {} %}dict{% elif '' %}str{% elif 0.0 %}zero{% else %}all false{% endif %}", "all false")]
    public void If_elif_else(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}{{ x }}", "1")]
    [InlineData("{% for i in [1, 2] %}{% if i == 1 %}{% set seen = 'yes' %}{% endif %}[{{ seen }}]{% endfor %}", "[yes][]")]
    [InlineData("{% if true %}{% set y = 5 %}{% endif %}{{ y }}", "5")]
    [InlineData("{% set ns = namespace(total=1) %}{% for i in [1, 2] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", "4")]
    [InlineData("{% set ns = namespace() %}{% set ns.found = false %}{% for m in ['a', 'b'] %}{% if m == 'b' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}", "True")]
    [InlineData("{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}", "12")]
    [InlineData("{% set a, b = [1, 2] %}{{ b }}{{ a }}", "21")]
    [InlineData("{% set t = 1, 2 %}{{ t }}", "(1, 2)")]
    [InlineData("{% set messages = messages[1:] %}{{ messages }}", "[2, 3]")]
    public void Set_and_scoping(string template, string expected) =>
        Assert.Equal(expected, Render(template, ("messages", new List<object?> { 1L, 2L, 3L })));

    [Fact]
    public void Assigning_an_attribute_needs_a_namespace()
    {
        var e = RenderFails("{% set d = {} %}{% set d.x = 1 %}");
        Assert.StartsWith("Cannot assign to 'd.x': only namespace() objects accept attribute assignment", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% set x %}a{{ 1 + 1 }}b{% endset %}[{{ x }}]", "[a2b]")]
    [InlineData("{% filter upper %}abc{{ 'd' }}{% endfilter %}", "ABCD")]
    [InlineData("{% with a = 2, b = 3 %}{{ a * b }}{% endwith %}{{ a is defined }}", "6False")]
    [InlineData("{% generation %}x{% endgeneration %}y", "xy")]
    public void Block_tags(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }}", "Hi Ann! Hi Bo?")]
    [InlineData("{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m() }}{{ m(1) | length }}", "[]3")]
    [InlineData("{% set prefix = '>' %}{% macro m() %}{{ prefix }}{% endmacro %}{{ m() }}", ">")]
    [InlineData("{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}", "120")]
    [InlineData("{%- macro render(tool) %}{{ tool.name }}({{ tool.args | join(', ') }}){% endmacro %}{% for t in tools %}{{ render(t) }};{% endfor %}", "f(a, b);g();")]
    public void Macros(string template, string expected)
    {
        var tools = new List<object?>
        {
            new Dictionary<string, object?> { ["name"] = "f", ["args"] = new[] { "a", "b" } },
            new Dictionary<string, object?> { ["name"] = "g", ["args"] = Array.Empty<string>() },
        };
        Assert.Equal(expected, Render(template, ("tools", tools)));
    }

    [Fact]
    public void Macro_arguments_are_checked()
    {
        Assert.Equal("Macro 'm' takes 1 argument(s) but 2 were given", RenderFails("{% macro m(x) %}{% endmacro %}{{ m(1, 2) }}").Reason);
        Assert.Equal("Macro 'm' has no parameter 'y'", RenderFails("{% macro m(x) %}{% endmacro %}{{ m(y=1) }}").Reason);
    }

    [Fact]
    public void Raise_exception_carries_the_templates_text()
    {
        var e = RenderFails("line 1\n{{ raise_exception('Only user and assistant roles are supported!') }}");
        Assert.True(e.RaisedByTemplate);
        Assert.Equal("Only user and assistant roles are supported!", e.Reason);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Globals()
    {
        Assert.Equal("[0, 1, 2]|[1, 4, 7]|[5, 3, 1]|[]", Render("{{ range(3) | list }}|{{ range(1, 10, 3) | list }}|{{ range(5, 0, -2) | list }}|{{ range(0) }}"));
        Assert.Equal("{'a': 1, 'b': 2}", Render("{{ dict({'a': 1}, b=2) }}"));
    }

    [Fact]
    public void Strftime_now_formats_the_clocks_local_time()
    {
        var template = Umbra.Inference.Templates.ChatTemplate.Parse("{{ strftime_now('%Y-%m-%d %H:%M:%S %a %A %b %B %j %p %I %y %%') }}")
            .WithClock(new FixedClock(new DateTimeOffset(2024, 7, 26, 15, 4, 5, TimeSpan.Zero)));
        Assert.Equal("2024-07-26 15:04:05 Fri Friday Jul July 208 PM 03 24 %", template.Render([], false, "", ""));
    }
}

using static Umbra.Inference.Tests.Templates.TemplateTestKit;

namespace Umbra.Inference.Tests.Templates;

/// <summary>Filters and the Python string and dict methods chat templates call.</summary>
public class FilterTests
{
    private static readonly List<object?> Messages =
    [
        new Dictionary<string, object?> { ["role"] = "system", ["content"] = "s" },
        new Dictionary<string, object?> { ["role"] = "user", ["content"] = "u1" },
        new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = "" },
        new Dictionary<string, object?> { ["role"] = "user", ["content"] = "u2" },
    ];

    [Theory]
    [InlineData("{{ '  x \n' | trim }}|{{ 'xxaxx' | trim('x') }}", "x|a")]
    [InlineData("{{ 'abc' | length }}|{{ [1, 2] | count }}|{{ {'a': 1} | length }}", "3|2|1")]
    [InlineData("{{ 'hELLO wORLD' | capitalize }}|{{ 'hello world-wide (x)' | title }}|{{ 'Ab' | upper }}{{ 'Ab' | lower }}", "Hello world|Hello World-Wide (X)|ABab")]
    [InlineData("{{ 'aaa' | replace('a', 'b') }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 'ab' | replace('', '-') }}", "bbb|bba|-a-b-")]
    [InlineData("{{ x | default('d') }}|{{ none | default('d') }}|{{ '' | default('d', true) }}|{{ 0 | d(5) }}", "d|None|d|0")]
    [InlineData("{{ [1, 'a', none] | join(', ') }}|{{ ['x', 'y'] | join }}|{{ [{'n': 'a'}, {'n': 'b'}] | join('+', attribute='n') }}", "1, a, None|xy|a+b")]
    [InlineData("{{ [1, 2, 3] | first }}{{ [1, 2, 3] | last }}{{ 'abc' | first }}{{ 'abc' | last }}{{ [] | first }}", "13ac")]
    [InlineData("{{ '42' | int + 1 }}|{{ 'x' | int }}|{{ 'x' | int(7) }}|{{ '3.7' | int }}|{{ 3.9 | int }}|{{ '0x1A' | int(base=16) }}", "43|0|7|3|3|26")]
    [InlineData("{{ '2.5' | float }}|{{ 2 | float }}|{{ 'x' | float }}|{{ 5 | string ~ '!' }}|{{ none | string }}", "2.5|2.0|0.0|5!|None")]
    [InlineData("{{ 'ab' | list }}|{{ {'a': 1} | list }}|{{ {'a': 1} | items | list }}|{{ missing | items | list }}", "['a', 'b']|['a']|[('a', 1)]|[]")]
    [InlineData("{{ [1, 2, 3, 4] | select('odd') | list }}|{{ [0, 1, '', 'a'] | select | list }}|{{ [1, 2, 3] | reject('equalto', 2) | list }}", "[1, 3]|[1, 'a']|[1, 3]")]
    [InlineData("{{ ['a', 'b'] | map('upper') | join }}|{{ [1.6, 2.2] | map('round') | list }}|{{ ['a'] | map('replace', 'a', 'z') | first }}", "AB|[2.0, 2.0]|z")]
    [InlineData("{{ [3, 1, 2] | sort }}|{{ ['b', 'A', 'c'] | sort }}|{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}|{{ [1, 3, 2] | sort(reverse=true) }}", "[1, 2, 3]|['A', 'b', 'c']|['A', 'b', 'c']|[3, 2, 1]")]
    [InlineData("{{ [{'k': 2}, {'k': 1}] | sort(attribute='k') | map(attribute='k') | list }}|{{ {'b': 1, 'a': 2} | dictsort }}", "[1, 2]|[('a', 2), ('b', 1)]")]
    [InlineData("{{ [1, 2] | reverse | list }}|{{ 'abc' | reverse }}|{{ ['a', 'A', 'b'] | unique | list }}", "[2, 1]|cba|['a', 'b']")]
    [InlineData("{{ [1, 2, 3] | sum }}|{{ [3, 1] | min }}|{{ [3, 1] | max }}|{{ -2.5 | abs }}|{{ 3.14159 | round(2) }}|{{ 2.1 | round(0, 'ceil') }}", "6|1|3|2.5|3.14|3.0")]
    [InlineData("{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.675 | round(2) }}|{{ 0.125 | round(2) }}|{{ 10 | round }}|{{ -1.5 | round }}", "2.0|4.0|2.67|0.12|10|-2.0")] // Python's round(): exact value, ties to even
    [InlineData("{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb' | indent('> ', blank=true) }}", "a\n  b\n\n  c|  a\n  b|a\n> \n> b")]
    [InlineData("{{ '%s-%d' | format('a', 3) }}|{{ '%s and %s' % ('x', 'y') }}|{{ '%05.1f%%' % 3.14159 }}|{{ '%(n)s' % {'n': 1} }}", "a-3|x and y|003.1%|1")]
    [InlineData("{{ '<a href=\"x\">&\\'' | e }}|{{ 'x' | safe }}|{{ 'one two  three' | wordcount }}|{{ 'ab' | center(6) }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;|x|3|  ab  ")]
    [InlineData("{{ none | selectattr('a') | list }}|{{ none | rejectattr('a', 'none') | list }}|{{ none | map('upper') | list }}|{{ '' | select | list }}", "[]|[]|[]|[]")]
    [InlineData("{{ '<b>' | safe + '<i>' }}|{{ '<i>' + '<b>' | safe }}|{{ ('<b>' | safe) ~ '<i>' }}|{{ '<' | e | e }}|{{ '<' | e | forceescape }}", "<b>&lt;i&gt;|&lt;i&gt;<b>|<b><i>|&lt;|&amp;lt;")] // markupsafe: + escapes the plain side
    [InlineData("{{ {'n': 1} | attr('n') }}|{{ 'x' | attr('upper') is callable }}", "|True")] // attr() never reads dict keys
    public void Filters(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Selectattr_and_rejectattr_filter_messages()
    {
        Assert.Equal("u1,u2", Render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}", ("messages", Messages)));
        Assert.Equal("system,assistant", Render("{{ messages | rejectattr('role', 'eq', 'user') | map(attribute='role') | join(',') }}", ("messages", Messages)));
        Assert.Equal("3", Render("{{ messages | selectattr('content') | list | length }}", ("messages", Messages)));
        Assert.Equal("1", Render("{{ messages | rejectattr('content') | list | length }}", ("messages", Messages)));
        Assert.Equal("[None, 'x']", Render("{{ [{'a': 1}, {'b': 'x'}] | map(attribute='b', default=none) | list }}"));
    }

    [Theory]
    [InlineData("{{ {'b': 1, 'a': [1, 2.5, none, true, 'é\"\\\\\n']} | tojson }}", "{\"b\": 1, \"a\": [1, 2.5, null, true, \"é\\\"\\\\\\n\"]}")]
    [InlineData("{{ {'a': [1, {}], 'b': []} | tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}")]
    [InlineData("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}|{{ [1, 2] | tojson(separators=(',', ':')) }}", "{\"a\": 2, \"b\": 1}|[1,2]")]
    [InlineData("{{ 'é\u0001' | tojson }}|{{ 'é' | tojson(ensure_ascii=true) }}|{{ 1.0 | tojson }}|{{ {1: 'x'} | tojson }}", "\"é\\u0001\"|\"\\u00e9\"|1.0|{\"1\": \"x\"}")]
    [InlineData("{{ ('a', 1) | tojson }}|{{ '' | tojson }}", "[\"a\", 1]|\"\"")]
    public void Tojson_writes_json_the_way_transformers_does(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Tojson_cannot_encode_undefined_or_functions()
    {
        Assert.StartsWith("Cannot convert an undefined value to JSON", RenderFails("{{ missing | tojson }}").Reason, StringComparison.Ordinal);
        Assert.Equal("Object of type 'builtin_function_or_method' is not JSON serializable", RenderFails("{{ range | tojson }}").Reason);
    }

    [Theory]
    [InlineData("{{ '  hi  '.strip() }}|{{ 'xhix'.strip('x') }}|{{ '  hi'.lstrip() }}|{{ 'hi  '.rstrip() }}|{{ 'hi!!'.rstrip('!') }}", "hi|hi|hi|hi|hi")]
    [InlineData("{{ 'a b  c '.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ ' a  b c '.split(none, 1) }}", "['a', 'b', 'c']|['a', 'b', '', 'c']|['a', 'b,c']|['a,b', 'c']|['a', 'b c ']")]
    [InlineData("{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith(('x', 'lo')) }}|{{ 'hello'.startswith('lo') }}", "True|True|False")]
    [InlineData("{{ 'hello world'.title() }}|{{ \"they're\".title() }}|{{ 'hELLO'.capitalize() }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}", "Hello World|They'Re|Hello|ABab")]
    [InlineData("{{ 'a-b'.replace('-', '+') }}|{{ 'abcabc'.find('c') }}|{{ 'abc'.find('z') }}|{{ 'abcabc'.count('bc') }}|{{ 'a\nb\r\nc'.splitlines() }}", "a+b|2|-1|2|['a', 'b', 'c']")]
    [InlineData("{{ '-'.join(['a', 'b']) }}|{{ '{} is {name}'.format(1, name='x') }}|{{ '{0}{0}'.format('z') }}|{{ '12'.isdigit() }}|{{ '7'.zfill(3) }}", "a-b|1 is x|zz|True|007")]
    [InlineData("{{ d.get('a') }}|{{ d.get('z', 'dflt') }}|{{ d.get('z') }}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.items() | list }}", "1|dflt|None|['a']|[1]|[('a', 1)]")]
    public void Methods(string template, string expected) =>
        Assert.Equal(expected, Render(template, ("d", new Dictionary<string, object?> { ["a"] = 1 })));

    [Fact]
    public void Unknown_filters_and_tests_are_reported_where_used()
    {
        var e = RenderFails("ok\n{{ 1 | nosuchfilter }}");
        Assert.Equal("No filter named 'nosuchfilter'", e.Reason);
        Assert.Equal(2, e.Line);
        Assert.Equal("No test named 'nosuchtest'", RenderFails("{{ 1 is nosuchtest }}").Reason);
        Assert.Equal("", Render("{% if false %}{{ 1 | nosuchfilter }}{% endif %}"));
    }
}

using System.Diagnostics;
using Umbra.Inference.Templates;
using static Umbra.Inference.Tests.Templates.TemplateTestKit;

namespace Umbra.Inference.Tests.Templates;

/// <summary>
/// Templates come from downloaded model files. Ones built to hang, exhaust memory or overflow the stack must
/// fail quickly with a <see cref="TemplateException"/>, never take the process down.
/// </summary>
public class HostileTemplateTests
{
    [Theory]
    [InlineData("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "steps of work")]
    [InlineData("{% for i in range(100000) %}{% for j in range(100000) %}{% for k in range(100000) %}{{ k }}{% endfor %}{% endfor %}{% endfor %}", "output passed")]
    [InlineData("{% set ns = namespace(i=0) %}{% for i in range(100000) %}{% for j in range(100000) %}{% set ns.i = ns.i + 1 %}{% endfor %}{% endfor %}", "steps of work")]
    [InlineData("{{ range(1000000000) | length }}", "range() of 1,000,000,000 items is larger than the limit")]
    [InlineData("{% set big = 'x' * 4000000 %}{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = ns.l + [big | upper] %}{% endfor %}", "steps of work")]
    [InlineData("{% set big = 'x' * 4000000 %}{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = ns.l + [big.lower()] %}{% endfor %}", "steps of work")]
    [InlineData("{% set big = ['x' * 1000000] %}{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = ns.l + [big | string] %}{% endfor %}", "steps of work")]
    public void Endless_loops_and_hoarding_are_stopped(string template, string reason)
    {
        var clock = Stopwatch.StartNew();
        Assert.Contains(reason, RenderFails(template).Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("{{ 'x' * 100000000 }}", "built a string longer than")]
    [InlineData("{{ 'x' * 9223372036854775807 }}", "built a string longer than")]
    [InlineData("{{ [1, 2] * 100000000 }}", "built a list longer than")]
    [InlineData("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "built a string longer than")]
    [InlineData("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", "built a string longer than")]
    [InlineData("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}", "built a list longer than")]
    [InlineData("{% set s = 'x' * 1000000 %}{% for i in range(100) %}{{ s }}{% endfor %}", "output passed")]
    [InlineData("{% set s = 'x' * 1000000 %}{{ [s, s, s, s, s] | join }}", "built a string longer than")]
    [InlineData("{% set s = 'x' * 1000000 %}{{ s | replace('x', 'xxxxxxxx') }}", "built a string longer than")]
    [InlineData("{% set s = 'x' * 1000000 %}{{ [s, s, s, s, s] | tojson }}", "built a string longer than")]
    [InlineData("{% set s = 'x' * 3000000 %}{{ '%s%s' % (s, s) }}", "built a string longer than")]
    public void Memory_bombs_are_stopped(string template, string reason) =>
        Assert.Contains(reason, RenderFails(template).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "recursed more than")]
    [InlineData("{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}", "recursed more than")]
    [InlineData("{% set ns = namespace(x=[]) %}{% for i in range(10000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}", "nests more than")]
    [InlineData("{% set ns = namespace(x=[]) %}{% for i in range(10000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x | tojson }}", "nests more than")]
    [InlineData("{% set ns = namespace(x=[]) %}{% for i in range(10000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x == [ns.x] }}", "nests more than")]
    [InlineData("{% set ns = namespace() %}{% set ns.self = ns %}{{ ns }}", "nests more than")]
    public void Deep_recursion_is_stopped(string template, string reason) =>
        Assert.Contains(reason, RenderFails(template).Message, StringComparison.Ordinal);

    [Fact]
    public void Deeply_nested_syntax_is_refused_at_parse()
    {
        var parentheses = "{{ " + new string('(', 100_000) + "1" + new string(')', 100_000) + " }}";
        Assert.Contains("nests more than", Assert.Throws<TemplateException>(() => ChatTemplate.Parse(parentheses)).Message, StringComparison.Ordinal);

        var ifs = string.Concat(Enumerable.Repeat("{% if true %}", 10_000)) + string.Concat(Enumerable.Repeat("{% endif %}", 10_000));
        Assert.Contains("nests more than", Assert.Throws<TemplateException>(() => ChatTemplate.Parse(ifs)).Message, StringComparison.Ordinal);

        var nots = "{{ " + string.Concat(Enumerable.Repeat("not ", 100_000)) + "x }}";
        Assert.Contains("nests more than", Assert.Throws<TemplateException>(() => ChatTemplate.Parse(nots)).Message, StringComparison.Ordinal);

        var lists = "{{ " + new string('[', 100_000) + new string(']', 100_000) + " }}";
        Assert.Contains("nests more than", Assert.Throws<TemplateException>(() => ChatTemplate.Parse(lists)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_chains_that_parse_flat_but_evaluate_deep_are_stopped_at_render()
    {
        var attributes = "{{ d" + string.Concat(Enumerable.Repeat(".a", 50_000)) + " }}";
        Assert.Contains("nests more than", RenderFails(attributes, ("d", new Dictionary<string, object?>())).Message, StringComparison.Ordinal);

        var sums = "{{ 1" + string.Concat(Enumerable.Repeat(" + 1", 50_000)) + " }}";
        Assert.Contains("nests more than", RenderFails(sums).Message, StringComparison.Ordinal);

        var filters = "{{ 'x'" + string.Concat(Enumerable.Repeat(" | upper", 50_000)) + " }}";
        Assert.Contains("nests more than", RenderFails(filters).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normal_long_conversations_fit_the_limits()
    {
        var messages = Enumerable.Range(0, 2_000)
            .Select(i => new ChatMessage(i % 2 == 0 ? "user" : "assistant", $"message {i} " + new string('x', 500)))
            .ToArray();
        var output = ChatTemplate.Parse(PublishedTemplates.Llama31).Render(messages, true, "<|begin_of_text|>", "<|eot_id|>");
        Assert.Contains("message 1999 ", output, StringComparison.Ordinal);
        output = ChatTemplate.Parse(PublishedTemplates.MistralV03).Render(messages[..^1], true, "<s>", "</s>");
        Assert.Contains("message 1998 ", output, StringComparison.Ordinal);
    }
}

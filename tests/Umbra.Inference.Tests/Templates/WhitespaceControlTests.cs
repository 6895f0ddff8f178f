using static Umbra.Inference.Tests.Templates.TemplateTestKit;

namespace Umbra.Inference.Tests.Templates;

/// <summary>
/// Whitespace handling as Hugging Face configures Jinja for chat templates: trim_blocks and lstrip_blocks on,
/// keep_trailing_newline off, '-' stripping all whitespace on its side and '+' opting out.
/// </summary>
public class WhitespaceControlTests
{
    [Theory]
    [InlineData("a  {{- 'b' -}}  c", "abc")]
    [InlineData("a\n\n  {{- 'b' }}\n", "ab")]
    [InlineData("a\n  {%- if true %}b{% endif %}", "ab")]
    [InlineData("{% if true -%}\n\n   b  {%- endif %}", "b")]
    [InlineData("a  {#- comment -#}  b", "ab")]
    public void Minus_strips_all_whitespace_on_its_side(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% if true %}\nyes\n{% endif %}\nafter", "yes\nafter")]
    [InlineData("{% for x in [1, 2] %}\n{{ x }}\n{% endfor %}\n", "1\n2\n")]
    [InlineData("a {# note #}\nb", "a b")]
    [InlineData("{% if true %}\n\nx{% endif %}", "\nx")]
    public void Trim_blocks_removes_one_newline_after_a_block_tag(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Trim_blocks_leaves_print_tags_alone() => Assert.Equal("v\nw", Render("{{ 'v' }}\nw"));

    [Theory]
    [InlineData("  {% if true %}\n  x\n  {% endif %}\n", "  x\n")]
    [InlineData("\t {% if true %}y{% endif %}", "y")]
    [InlineData("a\n    {# comment #}\nb", "a\nb")]
    [InlineData("{% if true %}\n    {% if true %}\n    z\n    {% endif %}\n{% endif %}", "    z\n")]
    public void Lstrip_blocks_removes_indentation_before_a_block_tag(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("x {% if true %}y{% endif %}", "x y")]
    [InlineData("  {{ 'v' }}", "  v")]
    [InlineData("a {{ 'b' }} {% if true %}c{% endif %}", "a b c")]
    public void Lstrip_blocks_only_strips_at_the_start_of_a_line(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("  {%+ if true %}x{% endif %}", "  x")]
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")]
    public void Plus_opts_a_tag_out_of_lstrip_and_trim(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("x\n", "x")]
    [InlineData("x\n\n", "x\n")]
    [InlineData("a\r\nb\r\n", "a\nb")]
    [InlineData("a\rb", "a\nb")]
    public void One_trailing_newline_is_dropped_and_newlines_are_normalised(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% raw %}{{ not evaluated }}{% endraw %}", "{{ not evaluated }}")]
    [InlineData("a {%- raw -%}  {% x %}  {%- endraw %} b", "a{% x %} b")]
    public void Raw_blocks_are_copied_verbatim(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Whitespace_control_inside_a_loop_joins_its_output()
    {
        const string template = """
            {%- for x in ['a', 'b', 'c'] %}
                {{- x }}
                {%- if not loop.last %}, {% endif %}
            {%- endfor %}
            """;
        Assert.Equal("a, b, c", Render(template));
    }
}

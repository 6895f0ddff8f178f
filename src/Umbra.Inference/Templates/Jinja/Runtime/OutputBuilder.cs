using System.Text;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>A string builder that refuses to grow past the output limit.</summary>
internal sealed class OutputBuilder
{
    private readonly StringBuilder _sb = new();
    private readonly RenderBudget _budget;

    public OutputBuilder(RenderBudget budget)
    {
        _budget = budget;
    }

    public int Length => _sb.Length;

    public OutputBuilder Append(string text)
    {
        if ((long)_sb.Length + text.Length > _budget.Limits.MaxOutputLength)
            throw new TemplateException($"The chat template's output passed {_budget.Limits.MaxOutputLength:N0} characters and was stopped");
        _budget.Step(text.Length / 64);
        _sb.Append(text);
        return this;
    }

    public OutputBuilder Append(char c)
    {
        if (_sb.Length + 1 > _budget.Limits.MaxOutputLength)
            throw new TemplateException($"The chat template's output passed {_budget.Limits.MaxOutputLength:N0} characters and was stopped");
        _sb.Append(c);
        return this;
    }

    public override string ToString() => _sb.ToString();
}

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

    public OutputBuilder Append(string text)
    {
        if ((long)_sb.Length + text.Length > _budget.Limits.MaxOutputLength)
            throw new TemplateException($"The chat template's output passed {_budget.Limits.MaxOutputLength:N0} characters and was stopped");
        _budget.Step(text.Length / RenderBudget.CharactersPerStep);
        _sb.Append(text);
        return this;
    }

    public override string ToString() => _sb.ToString();
}

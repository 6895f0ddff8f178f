using System.Runtime.CompilerServices;
using Umbra.Inference.Templates.Jinja.Syntax;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// Renders a parsed template by walking its tree. Every statement, expression and copied element is charged
/// to a <see cref="RenderBudget"/>, and nesting is bounded, so any template finishes or fails quickly.
/// Statements are here; expressions are in Interpreter.Expressions.cs.
/// </summary>
internal sealed partial class Interpreter
{
    private readonly SourceText _source;
    private readonly RenderBudget _budget;
    private int _depth;
    private int _macroDepth;

    private Interpreter(SourceText source, RenderBudget budget)
    {
        _source = source;
        _budget = budget;
    }

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public static string Render(IReadOnlyList<Node> template, SourceText source, IEnumerable<KeyValuePair<string, object?>> variables, TemplateLimits limits, TimeProvider clock)
    {
        var budget = new RenderBudget(limits);
        var globals = new Scope(null);
        Globals.AddTo(globals, budget, clock);
        foreach (var (name, value) in variables)
            globals.Set(name, value);
        var output = new OutputBuilder(budget);
        new Interpreter(source, budget).Execute(template, new Scope(globals), output);
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Node> nodes, Scope scope, OutputBuilder output)
    {
        foreach (var node in nodes)
        {
            var flow = Execute(node, scope, output);
            if (flow != Flow.Normal)
                return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Node node, Scope scope, OutputBuilder output)
    {
        try
        {
            Enter();
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    return Flow.Normal;
                case OutputNode print:
                    output.Append(PyText.Str(Eval(print.Value, scope), _budget));
                    return Flow.Normal;
                case IfNode branch:
                    return Execute(PyOps.IsTrue(Eval(branch.Test, scope)) ? branch.Then : branch.Otherwise, scope, output);
                case ForNode loop:
                    return ExecuteFor(loop, scope, output);
                case SetNode set:
                    Assign(set.Target, Eval(set.Value, scope), scope);
                    return Flow.Normal;
                case SetBlockNode block:
                    scope.Set(block.Name, Capture(block.Body, new Scope(scope)));
                    return Flow.Normal;
                case MacroNode macro:
                    scope.Set(macro.Name, new Macro(macro, scope));
                    return Flow.Normal;
                case FilterBlockNode filter:
                    var body = Capture(filter.Body, new Scope(scope));
                    output.Append(PyText.Str(Filters.Apply(filter.Filter, body, EvalArgs(filter.Args, scope), _budget), _budget));
                    return Flow.Normal;
                case WithNode with:
                    var inner = new Scope(scope);
                    foreach (var (name, value) in with.Assignments)
                        inner.Set(name, Eval(value, scope));
                    return Execute(with.Body, inner, output);
                case BreakNode:
                    return Flow.Break;
                case ContinueNode:
                    return Flow.Continue;
                default:
                    throw new InvalidOperationException($"Unknown node {node.GetType().Name}");
            }
        }
        catch (TemplateException e) when (e.Line == 0)
        {
            throw Locate(e, node.Position);
        }
        finally
        {
            _depth--;
        }
    }

    private Flow ExecuteFor(ForNode loop, Scope scope, OutputBuilder output)
    {
        var items = PyOps.Iterate(Eval(loop.Iterable, scope), _budget);
        if (loop.Filter != null)
        {
            // The inline "if" filters before the loop starts, so loop.length and loop.last count only kept items.
            var kept = new List<object?>();
            foreach (var item in items)
            {
                var probe = new Scope(scope);
                Bind(loop.Target, item, probe);
                if (PyOps.IsTrue(Eval(loop.Filter, probe)))
                    kept.Add(item);
            }
            items = kept;
        }
        if (items.Count == 0)
            return Execute(loop.Otherwise, scope, output);

        var context = new LoopContext(items);
        for (int i = 0; i < items.Count; i++)
        {
            _budget.Step();
            context.Index0 = i;
            var iteration = new Scope(scope);
            Bind(loop.Target, items[i], iteration);
            iteration.Set("loop", context);
            if (Execute(loop.Body, iteration, output) == Flow.Break)
                break;
        }
        return Flow.Normal;
    }

    private string Capture(IReadOnlyList<Node> body, Scope scope)
    {
        var buffer = new OutputBuilder(_budget);
        Execute(body, scope, buffer);
        return buffer.ToString();
    }

    private static void Assign(Expr target, object? value, Scope scope)
    {
        if (target is AttributeExpr { Target: NameExpr owner } attribute)
        {
            if (!scope.TryGet(owner.Name, out var ns) || ns is not JinjaNamespace jinjaNamespace)
                throw new TemplateException($"Cannot assign to '{owner.Name}.{attribute.Name}': only namespace() objects accept attribute assignment");
            jinjaNamespace.Attributes[attribute.Name] = value;
            return;
        }
        Bind(target, value, scope);
    }

    private static void Bind(Expr target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameExpr name:
                scope.Set(name.Name, value);
                break;
            case TupleExpr tuple:
                if (value is not (List<object?> or object?[]))
                    throw new TemplateException($"Cannot unpack a '{PyOps.TypeName(value)}' into {tuple.Items.Count} names");
                var items = PyOps.AsList(value);
                if (items.Count != tuple.Items.Count)
                    throw new TemplateException($"Expected {tuple.Items.Count} values to unpack but got {items.Count}");
                for (int i = 0; i < items.Count; i++)
                    Bind(tuple.Items[i], items[i], scope);
                break;
            default:
                throw new TemplateException("Invalid assignment target");
        }
    }

    private void Enter()
    {
        if (++_depth > _budget.Limits.MaxEvalDepth)
            throw new TemplateException($"The chat template nests more than {_budget.Limits.MaxEvalDepth} levels deep while rendering");
        RuntimeHelpers.EnsureSufficientExecutionStack();
    }

    private TemplateException Locate(TemplateException e, int position) => _source.Error(position, e.Reason, e.RaisedByTemplate);
}

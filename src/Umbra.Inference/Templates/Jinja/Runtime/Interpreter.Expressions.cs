using Umbra.Inference.Templates.Jinja.Syntax;

namespace Umbra.Inference.Templates.Jinja.Runtime;

internal sealed partial class Interpreter
{
    private object? Eval(Expr expr, Scope scope)
    {
        try
        {
            Enter();
            _budget.Step();
            return expr switch
            {
                LiteralExpr literal => literal.Value,
                NameExpr name => scope.TryGet(name.Name, out var value) ? value : Undefined.Variable(name.Name),
                ListExpr list => EvalList(list.Items, scope),
                TupleExpr tuple => EvalList(tuple.Items, scope).ToArray(),
                DictExpr dict => EvalDict(dict, scope),
                AttributeExpr attribute => PyOps.GetAttribute(Eval(attribute.Target, scope), attribute.Name),
                ItemExpr item => PyOps.GetItem(Eval(item.Target, scope), Eval(item.Index, scope)),
                SliceExpr slice => PyOps.Slice(Eval(slice.Target, scope), EvalOptional(slice.Start, scope), EvalOptional(slice.Stop, scope), EvalOptional(slice.Step, scope), _budget),
                CallExpr call => Call(Eval(call.Callee, scope), EvalArgs(call.Args, scope)),
                FilterExpr filter => Filters.Apply(filter.Name, Eval(filter.Value, scope), EvalArgs(filter.Args, scope), _budget),
                TestExpr test => JinjaTests.Apply(test.Name, Eval(test.Value, scope), EvalArgs(test.Args, scope), _budget) != test.Negated,
                UnaryExpr unary => Unary(unary, scope),
                BinaryExpr binary => Binary(binary, scope),
                CompareExpr compare => Compare(compare, scope),
                ConditionalExpr conditional => PyOps.IsTrue(Eval(conditional.Test, scope))
                    ? Eval(conditional.Then, scope)
                    : conditional.Otherwise == null ? new Undefined("The inline if expression has no else branch") : Eval(conditional.Otherwise, scope),
                _ => throw new InvalidOperationException($"Unknown expression {expr.GetType().Name}"),
            };
        }
        catch (TemplateException e) when (e.Line == 0)
        {
            throw Locate(e, expr.Position);
        }
        finally
        {
            _depth--;
        }
    }

    private object? EvalOptional(Expr? expr, Scope scope) => expr == null ? null : Eval(expr, scope);

    private List<object?> EvalList(IReadOnlyList<Expr> items, Scope scope)
    {
        _budget.ChargeItems(items.Count);
        var list = new List<object?>(items.Count);
        foreach (var item in items)
            list.Add(Eval(item, scope));
        return list;
    }

    private JinjaDict EvalDict(DictExpr dict, Scope scope)
    {
        _budget.ChargeItems(dict.Items.Count);
        var result = new JinjaDict(dict.Items.Count);
        foreach (var (key, value) in dict.Items)
            result.Put(Eval(key, scope), Eval(value, scope));
        return result;
    }

    private CallArgs EvalArgs(Arguments args, Scope scope)
    {
        if (args.Positional.Count + args.Named.Count == 0)
            return CallArgs.Empty;
        var positional = new List<object?>(args.Positional.Count);
        foreach (var arg in args.Positional)
            positional.Add(Eval(arg, scope));
        Dictionary<string, object?>? named = null;
        foreach (var (name, value) in args.Named)
        {
            named ??= new Dictionary<string, object?>(StringComparer.Ordinal);
            if (!named.TryAdd(name, Eval(value, scope)))
                throw new TemplateException($"Keyword argument '{name}' is given more than once");
        }
        return new CallArgs(positional, named);
    }

    private object? Call(object? callee, CallArgs args) => callee switch
    {
        BuiltinFunction function => function.Invoke(args),
        BoundMethod method => Methods.Call(method, args, _budget),
        Macro macro => CallMacro(macro, args),
        Undefined undefined => throw undefined.Error(),
        _ => throw new TemplateException($"'{PyOps.TypeName(callee)}' object is not callable"),
    };

    private string CallMacro(Macro macro, CallArgs args)
    {
        var definition = macro.Definition;
        if (++_macroDepth > _budget.Limits.MaxMacroDepth)
        {
            _macroDepth--;
            throw new TemplateException($"Macro '{definition.Name}' recursed more than {_budget.Limits.MaxMacroDepth} levels deep");
        }
        try
        {
            var parameters = definition.Parameters;
            if (args.Positional.Count > parameters.Count)
                throw new TemplateException($"Macro '{definition.Name}' takes {parameters.Count} argument(s) but {args.Positional.Count} were given");
            foreach (var name in args.Named.Keys)
            {
                if (!parameters.Any(p => p.Name == name))
                    throw new TemplateException($"Macro '{definition.Name}' has no parameter '{name}'");
            }

            var scope = new Scope(macro.Closure);
            for (int i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i];
                object? value = i < args.Positional.Count ? args.Positional[i]
                    : args.Named.TryGetValue(parameter.Name, out var named) ? named
                    : parameter.Default != null ? Eval(parameter.Default, scope)
                    : new Undefined($"Macro parameter '{parameter.Name}' was not provided");
                scope.Set(parameter.Name, value);
            }
            return Capture(definition.Body, scope);
        }
        finally
        {
            _macroDepth--;
        }
    }

    private object? Unary(UnaryExpr unary, Scope scope)
    {
        var operand = Eval(unary.Operand, scope);
        return unary.Operator switch
        {
            "not" => !PyOps.IsTrue(operand),
            "-" => PyArithmetic.Negate(operand),
            _ => PyArithmetic.Plus(operand),
        };
    }

    private object? Binary(BinaryExpr binary, Scope scope)
    {
        var left = Eval(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return PyOps.IsTrue(left) ? Eval(binary.Right, scope) : left;
            case "or":
                return PyOps.IsTrue(left) ? left : Eval(binary.Right, scope);
            case "~":
                string a = PyText.Str(left, _budget);
                string b = PyText.Str(Eval(binary.Right, scope), _budget);
                _budget.ChargeString((long)a.Length + b.Length);
                return a + b;
            default:
                return PyArithmetic.Binary(binary.Operator, left, Eval(binary.Right, scope), _budget);
        }
    }

    private bool Compare(CompareExpr compare, Scope scope)
    {
        var left = Eval(compare.First, scope);
        foreach (var (op, operand) in compare.Rest)
        {
            var right = Eval(operand, scope);
            bool holds = op switch
            {
                "==" => PyOps.Equal(left, right, _budget),
                "!=" => !PyOps.Equal(left, right, _budget),
                "<" => PyOps.Compare(left, right, op, _budget) < 0,
                "<=" => PyOps.Compare(left, right, op, _budget) <= 0,
                ">" => PyOps.Compare(left, right, op, _budget) > 0,
                ">=" => PyOps.Compare(left, right, op, _budget) >= 0,
                "in" => PyOps.Contains(right, left, _budget),
                _ => !PyOps.Contains(right, left, _budget), // not in
            };
            if (!holds)
                return false;
            left = right;
        }
        return true;
    }
}

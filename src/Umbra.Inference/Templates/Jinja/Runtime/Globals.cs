namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// The functions a chat template can call: Jinja's <c>range</c>, <c>namespace</c> and <c>dict</c>, and the
/// <c>raise_exception</c> and <c>strftime_now</c> that Hugging Face adds. Nothing here reaches files, the
/// network or .NET reflection.
/// </summary>
internal static class Globals
{
    public static void AddTo(Scope scope, RenderBudget budget, TimeProvider clock)
    {
        scope.Set("range", new BuiltinFunction("range", args => Range(args, budget)));
        scope.Set("namespace", new BuiltinFunction("namespace", Namespace));
        scope.Set("dict", new BuiltinFunction("dict", Dict));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception", RaiseException));
        scope.Set("strftime_now", new BuiltinFunction("strftime_now", args =>
            Strftime.Format(clock.GetLocalNow(), args.GetString(0, "format") ?? throw new TemplateException("strftime_now() needs a format string"))));
    }

    private static List<object?> Range(CallArgs args, RenderBudget budget)
    {
        args.Expect("range", 3);
        var numbers = args.Positional.Select(a => a switch
        {
            long l => l,
            bool b => b ? 1L : 0L,
            Undefined u => throw u.Error(),
            _ => throw new TemplateException($"range() needs integers, not '{PyOps.TypeName(a)}'"),
        }).ToArray();
        var (start, stop, step) = numbers.Length switch
        {
            1 => (0L, numbers[0], 1L),
            2 => (numbers[0], numbers[1], 1L),
            3 => (numbers[0], numbers[1], numbers[2]),
            _ => throw new TemplateException("range() takes 1 to 3 integers"),
        };
        if (step == 0)
            throw new TemplateException("range() step cannot be zero");
        // Int128 so that extreme bounds cannot overflow the count.
        Int128 count = step > 0
            ? (stop > start ? (((Int128)stop - start - 1) / step) + 1 : 0)
            : (start > stop ? (((Int128)start - stop - 1) / -(Int128)step) + 1 : 0);
        if (count > budget.Limits.MaxRange)
            throw new TemplateException($"range() of {count:N0} items is larger than the limit of {budget.Limits.MaxRange:N0}");
        budget.ChargeItems((long)count);
        var result = new List<object?>((int)count);
        for (long i = 0; i < (long)count; i++)
            result.Add(start + (i * step));
        return result;
    }

    private static JinjaNamespace Namespace(CallArgs args)
    {
        var ns = new JinjaNamespace();
        foreach (var initial in args.Positional)
        {
            if (initial is not JinjaDict dict)
                throw new TemplateException($"namespace() takes a dict or keyword arguments, not '{PyOps.TypeName(initial)}'");
            foreach (var (key, value) in dict)
                ns.Attributes[key as string ?? throw new TemplateException("namespace() keys must be strings")] = value;
        }
        foreach (var (key, value) in args.Named)
            ns.Attributes[key] = value;
        return ns;
    }

    private static JinjaDict Dict(CallArgs args)
    {
        var dict = new JinjaDict();
        foreach (var initial in args.Positional)
        {
            if (initial is not JinjaDict source)
                throw new TemplateException($"dict() takes a dict or keyword arguments, not '{PyOps.TypeName(initial)}'");
            foreach (var (key, value) in source)
                dict[key] = value;
        }
        foreach (var (key, value) in args.Named)
            dict[key] = value;
        return dict;
    }

    private static object? RaiseException(CallArgs args)
    {
        var message = args.Get(0, "message");
        string text = message switch
        {
            string s => s,
            Undefined => "raise_exception() was called without a message",
            _ => PyText.Repr(message),
        };
        throw new TemplateException(text, 0, 0, raisedByTemplate: true);
    }
}

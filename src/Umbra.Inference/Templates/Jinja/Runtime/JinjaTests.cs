namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>Jinja's tests, used after <c>is</c> and by <c>select</c>, <c>selectattr</c> and their <c>reject</c> twins.</summary>
internal static class JinjaTests
{
    private delegate bool TestFunction(object? value, CallArgs args, RenderBudget budget);

    private static readonly Dictionary<string, TestFunction> All = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _, _) => v is not Undefined,
        ["undefined"] = (v, _, _) => v is Undefined,
        ["none"] = (v, _, _) => v is null,
        ["boolean"] = (v, _, _) => v is bool,
        ["true"] = (v, _, _) => v is true,
        ["false"] = (v, _, _) => v is false,
        ["integer"] = (v, _, _) => v is long,
        ["float"] = (v, _, _) => v is double,
        ["number"] = (v, _, _) => PyOps.IsNumber(v),
        ["string"] = (v, _, _) => v is string,
        ["mapping"] = (v, _, _) => v is JinjaDict,
        // Python strings are iterable, so "content is iterable" holds for plain text (Llama 3.x templates rely on this).
        ["iterable"] = (v, _, _) => v is string or List<object?> or object?[] or JinjaDict or Undefined,
        ["sequence"] = (v, _, _) => v is string or List<object?> or object?[] or JinjaDict or Undefined,
        ["callable"] = (v, _, _) => v is Macro or BuiltinFunction or BoundMethod,
        ["sameas"] = (v, a, _) => SameAs(v, Argument(a, "sameas")),
        ["escaped"] = (_, _, _) => false,
        ["eq"] = Equal,
        ["equalto"] = Equal,
        ["=="] = Equal,
        ["ne"] = (v, a, b) => !Equal(v, a, b),
        ["!="] = (v, a, b) => !Equal(v, a, b),
        ["lt"] = (v, a, b) => PyOps.Compare(v, Argument(a, "lt"), "<", b) < 0,
        ["lessthan"] = (v, a, b) => PyOps.Compare(v, Argument(a, "lt"), "<", b) < 0,
        ["<"] = (v, a, b) => PyOps.Compare(v, Argument(a, "lt"), "<", b) < 0,
        ["le"] = (v, a, b) => PyOps.Compare(v, Argument(a, "le"), "<=", b) <= 0,
        ["<="] = (v, a, b) => PyOps.Compare(v, Argument(a, "le"), "<=", b) <= 0,
        ["gt"] = (v, a, b) => PyOps.Compare(v, Argument(a, "gt"), ">", b) > 0,
        ["greaterthan"] = (v, a, b) => PyOps.Compare(v, Argument(a, "gt"), ">", b) > 0,
        [">"] = (v, a, b) => PyOps.Compare(v, Argument(a, "gt"), ">", b) > 0,
        ["ge"] = (v, a, b) => PyOps.Compare(v, Argument(a, "ge"), ">=", b) >= 0,
        [">="] = (v, a, b) => PyOps.Compare(v, Argument(a, "ge"), ">=", b) >= 0,
        ["in"] = (v, a, b) => PyOps.Contains(Argument(a, "in"), v, b),
        ["odd"] = (v, _, _) => Integer(v, "odd") % 2 != 0,
        ["even"] = (v, _, _) => Integer(v, "even") % 2 == 0,
        ["divisibleby"] = (v, a, _) => Integer(Argument(a, "divisibleby"), "divisibleby") is var n && n != 0 && Integer(v, "divisibleby") % n == 0,
        ["lower"] = (v, _, _) => v is string s && s.Any(char.IsLetter) && !s.Any(char.IsUpper),
        ["upper"] = (v, _, _) => v is string s && s.Any(char.IsLetter) && !s.Any(char.IsLower),
        ["filter"] = (v, _, _) => v is string name && Filters.Exists(name),
        ["test"] = (v, _, _) => v is string name && All!.ContainsKey(name),
    };

    public static bool Exists(string name) => All.ContainsKey(name);

    public static bool Apply(string name, object? value, CallArgs args, RenderBudget budget)
    {
        if (!All.TryGetValue(name, out var test))
            throw new TemplateException($"No test named '{name}'");
        return test(value, args, budget);
    }

    private static bool Equal(object? value, CallArgs args, RenderBudget budget) =>
        PyOps.Equal(value, Argument(args, "eq"), budget);

    private static object? Argument(CallArgs args, string test) =>
        args.Positional.Count > 0 ? args.Positional[0] : throw new TemplateException($"The '{test}' test needs an argument");

    private static long Integer(object? value, string test) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d when d == Math.Floor(d) && Math.Abs(d) < 9.0e18 => (long)d,
        Undefined u => throw u.Error(),
        _ => throw new TemplateException($"The '{test}' test needs a number, not '{PyOps.TypeName(value)}'"),
    };

    // Python's "is": the singletons None, True and False are identical to themselves; other values only by reference.
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y && x is >= -5 and <= 256, // CPython caches small integers
        _ => ReferenceEquals(a, b),
    };
}

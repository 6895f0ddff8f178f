using System.Globalization;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// Python's semantics for the values a template handles: none, bool, int (<see cref="long"/>), float,
/// str, list (<see cref="List{T}"/>), tuple (<c>object?[]</c>), dict (<see cref="JinjaDict"/>) and
/// Jinja's <see cref="Undefined"/>. Templates were written against Python, so truthiness, equality and
/// operators follow it (<c>True == 1</c>, <c>[] is false</c>, <c>7 // -2 == -4</c>).
/// </summary>
internal static class PyOps
{
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        JinjaDict => "dict",
        JinjaNamespace => "Namespace",
        LoopContext => "LoopContext",
        Macro => "Macro",
        _ => "builtin_function_or_method",
    };

    public static bool IsTrue(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        object?[] tuple => tuple.Length > 0,
        JinjaDict dict => dict.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static IReadOnlyList<object?> AsList(object? value) => value switch
    {
        List<object?> list => list,
        object?[] tuple => tuple,
        _ => throw new InvalidOperationException("not a sequence"),
    };

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new TemplateException($"Expected a number, not '{TypeName(value)}'"),
    };

    private static long ToLong(object? value) => value is bool b ? (b ? 1 : 0) : (long)value!;

    private static bool BothIntegers(object? a, object? b) => a is long or bool && b is long or bool;

    public static bool Equal(object? a, object? b, RenderBudget budget, int depth = 0)
    {
        budget.CheckValueDepth(depth);
        switch (a)
        {
            case Undefined:
                return b is Undefined;
            case null:
                return b is null;
            case string sa:
                return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
        }
        if (IsNumber(a) && IsNumber(b))
            return BothIntegers(a, b) ? ToLong(a) == ToLong(b) : ToDouble(a) == ToDouble(b);
        if ((a is List<object?> && b is List<object?>) || (a is object?[] && b is object?[]))
        {
            var la = AsList(a);
            var lb = AsList(b);
            if (la.Count != lb.Count)
                return false;
            budget.Step(la.Count);
            for (int i = 0; i < la.Count; i++)
            {
                if (!Equal(la[i], lb[i], budget, depth + 1))
                    return false;
            }
            return true;
        }
        if (a is JinjaDict da && b is JinjaDict db)
        {
            if (da.Count != db.Count)
                return false;
            budget.Step(da.Count);
            foreach (var (key, value) in da)
            {
                if (!db.TryGetValue(key, out var other) || !Equal(value, other, budget, depth + 1))
                    return false;
            }
            return true;
        }
        return ReferenceEquals(a, b) || (a is BoundMethod && a.Equals(b));
    }

    public static int Compare(object? a, object? b, string op, RenderBudget budget, int depth = 0)
    {
        budget.CheckValueDepth(depth);
        if (IsNumber(a) && IsNumber(b))
            return BothIntegers(a, b) ? ToLong(a).CompareTo(ToLong(b)) : ToDouble(a).CompareTo(ToDouble(b));
        if (a is string sa && b is string sb)
            return string.CompareOrdinal(sa, sb);
        if ((a is List<object?> && b is List<object?>) || (a is object?[] && b is object?[]))
        {
            var la = AsList(a);
            var lb = AsList(b);
            budget.Step(Math.Min(la.Count, lb.Count));
            for (int i = 0; i < la.Count && i < lb.Count; i++)
            {
                if (!Equal(la[i], lb[i], budget, depth + 1))
                    return Compare(la[i], lb[i], op, budget, depth + 1);
            }
            return la.Count.CompareTo(lb.Count);
        }
        if (a is Undefined ua)
            throw ua.Error();
        if (b is Undefined ub)
            throw ub.Error();
        throw new TemplateException($"'{op}' is not supported between '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static bool Contains(object? container, object? item, RenderBudget budget)
    {
        switch (container)
        {
            case string s:
                return item is string sub
                    ? s.Contains(sub, StringComparison.Ordinal)
                    : throw new TemplateException($"'in <string>' requires a string on the left, not '{TypeName(item)}'");
            case List<object?> or object?[]:
                foreach (var element in AsList(container))
                {
                    budget.Step();
                    if (Equal(element, item, budget))
                        return true;
                }
                return false;
            case JinjaDict dict:
                return dict.TryGet(item, out _);
            case Undefined:
                return false;
            default:
                throw new TemplateException($"Argument of type '{TypeName(container)}' is not iterable");
        }
    }

    /// <summary>The items a for loop over <paramref name="value"/> visits: elements, characters or dict keys.</summary>
    public static IReadOnlyList<object?> Iterate(object? value, RenderBudget budget)
    {
        switch (value)
        {
            case List<object?> list:
                return list;
            case object?[] tuple:
                return tuple;
            case JinjaDict dict:
                budget.ChargeItems(dict.Count);
                return [.. dict.Keys];
            case string s:
                budget.ChargeItems(s.Length);
                var chars = new object?[s.Length];
                for (int i = 0; i < s.Length; i++)
                    chars[i] = s[i].ToString();
                return chars;
            case Undefined:
                return [];
            default:
                throw new TemplateException($"'{TypeName(value)}' object is not iterable");
        }
    }

    /// <summary><c>obj.name</c>: Jinja looks for an attribute first and falls back to an item.</summary>
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined u:
                throw u.Error();
            case JinjaDict dict:
                if (Methods.IsDictMethod(name))
                    return new BoundMethod(dict, name);
                return dict.TryGetValue(name, out var value) ? value : Undefined.Attribute(target, name);
            case string s:
                return Methods.IsStringMethod(name) ? new BoundMethod(s, name) : Undefined.Attribute(target, name);
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out var attribute) ? attribute : Undefined.Attribute(target, name);
            case LoopContext loop:
                return loop.GetAttribute(name);
            default:
                return Undefined.Attribute(target, name);
        }
    }

    /// <summary><c>obj[key]</c>: Jinja looks for an item first and falls back to an attribute.</summary>
    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined u:
                throw u.Error();
            case JinjaDict dict:
                if (dict.TryGet(key, out var value))
                    return value;
                break;
            case List<object?> or object?[] when key is long or bool:
                var list = AsList(target);
                long index = ToLong(key);
                if (index < 0)
                    index += list.Count;
                return index >= 0 && index < list.Count
                    ? list[(int)index]
                    : new Undefined($"'{TypeName(target)} object' has no element {ToLong(key)}");
            case string s when key is long or bool:
                long at = ToLong(key);
                if (at < 0)
                    at += s.Length;
                return at >= 0 && at < s.Length ? s[(int)at].ToString() : new Undefined($"'str object' has no element {ToLong(key)}");
        }
        if (key is Undefined uk)
            throw uk.Error();
        return key is string name
            ? GetAttribute(target, name)
            : new Undefined($"'{TypeName(target)} object' has no element {PyText.Repr(key)}");
    }

    /// <summary>Python slicing, <c>value[start:stop:step]</c>, for lists, tuples and strings.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step, RenderBudget budget)
    {
        if (target is Undefined u)
            throw u.Error();
        int length = target switch
        {
            string s => s.Length,
            List<object?> or object?[] => AsList(target).Count,
            _ => throw new TemplateException($"'{TypeName(target)}' object cannot be sliced"),
        };
        long stride = SliceBound(step) ?? 1;
        if (stride == 0)
            throw new TemplateException("Slice step cannot be zero");
        long first = Clamp(SliceBound(start), length, stride, isStart: true);
        long last = Clamp(SliceBound(stop), length, stride, isStart: false);

        var indices = new List<int>();
        for (long i = first; stride > 0 ? i < last : i > last; i += stride)
            indices.Add((int)i);
        budget.ChargeItems(indices.Count);

        if (target is string text)
        {
            if (stride == 1)
                return text.Substring((int)first, indices.Count);
            return string.Concat(indices.Select(i => text[i]));
        }
        var items = AsList(target);
        var result = new List<object?>(indices.Count);
        foreach (int i in indices)
            result.Add(items[i]);
        return target is object?[] ? result.ToArray() : result;
    }

    private static long? SliceBound(object? value) => value switch
    {
        null => null,
        long l => l,
        bool b => b ? 1 : 0,
        Undefined u => throw u.Error(),
        _ => throw new TemplateException($"Slice indices must be integers or none, not '{TypeName(value)}'"),
    };

    private static long Clamp(long? bound, int length, long step, bool isStart)
    {
        if (bound is not long value)
            return isStart ? (step > 0 ? 0 : length - 1) : (step > 0 ? length : -1);
        if (value < 0)
            value += length;
        return step > 0
            ? Math.Clamp(value, 0, length)
            : Math.Clamp(value, -1, length - 1);
    }

    public static string FormatInteger(long value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Text;

// Filters are stored as FilterFunction delegates returning object?, so each keeps that return type rather than
// the narrower one CA1859 suggests (value-typed returns could not bind to the delegate at all).
#pragma warning disable CA1859

namespace Umbra.Inference.Templates.Jinja.Runtime;

internal static partial class Filters
{
    private static object? Length(object? value, CallArgs args, RenderBudget budget) => value switch
    {
        string s => (long)s.Length,
        List<object?> or object?[] => (long)PyOps.AsList(value).Count,
        JinjaDict dict => (long)dict.Count,
        Undefined => 0L,
        _ => throw new TemplateException($"Object of type '{PyOps.TypeName(value)}' has no length"),
    };

    private static object? First(object? value, CallArgs args, RenderBudget budget)
    {
        var items = PyOps.Iterate(value, budget);
        return items.Count > 0 ? items[0] : new Undefined("No first item, the sequence was empty");
    }

    private static object? Last(object? value, CallArgs args, RenderBudget budget)
    {
        var items = PyOps.Iterate(value, budget);
        return items.Count > 0 ? items[^1] : new Undefined("No last item, the sequence was empty");
    }

    private static object? Join(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("join", 2, "d", "attribute");
        string separator = args.GetString(0, "d", "")!;
        string? attribute = args.GetString(1, "attribute");
        var sb = new StringBuilder();
        bool first = true;
        foreach (var item in PyOps.Iterate(value, budget))
        {
            if (!first)
                sb.Append(separator);
            first = false;
            sb.Append(PyText.Str(attribute == null ? item : GetPath(item, attribute), budget));
            budget.ChargeString(sb.Length);
        }
        return sb.ToString();
    }

    private static object? Items(object? value, CallArgs args, RenderBudget budget) => value switch
    {
        JinjaDict dict => ItemTuples(dict, budget),
        Undefined => new List<object?>(),
        _ => throw new TemplateException($"The 'items' filter needs a mapping, not '{PyOps.TypeName(value)}'"),
    };

    private static List<object?> ItemTuples(JinjaDict dict, RenderBudget budget)
    {
        budget.ChargeItems(dict.Count);
        return dict.Select(e => (object?)new object?[] { e.Key, e.Value }).ToList();
    }

    private static object? DictSort(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("dictsort", 3, "case_sensitive", "by", "reverse");
        if (value is not JinjaDict dict)
            throw new TemplateException($"The 'dictsort' filter needs a mapping, not '{PyOps.TypeName(value)}'");
        bool caseSensitive = args.GetBool(0, "case_sensitive", false);
        int position = args.GetString(1, "by", "key") switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw new TemplateException("dictsort() 'by' must be 'key' or 'value'"),
        };
        var items = ItemTuples(dict, budget);
        return SortList(items, item => SortKey(((object?[])item!)[position], caseSensitive), args.GetBool(2, "reverse", false), budget);
    }

    // select/reject take a test name and its arguments; selectattr/rejectattr take an attribute first.
    // Without a test, an item is kept when it (or its attribute) is true.
    private static object? Select(object? value, CallArgs args, RenderBudget budget, bool attribute, bool keep)
    {
        if (!PyOps.IsTrue(value))
            return new List<object?>(); // Jinja yields nothing for a false value, so "none | selectattr(...)" is empty
        int next = 0;
        string? path = null;
        if (attribute)
            path = args.Positional.Count > 0 && args.Positional[0] is string p ? p : throw new TemplateException("selectattr/rejectattr need an attribute name");
        if (attribute)
            next = 1;
        string? test = args.Positional.Count > next ? args.Positional[next] as string ?? throw new TemplateException("The test name must be a string") : null;
        var testArgs = new CallArgs([.. args.Positional.Skip(next + 1)], null);

        var result = new List<object?>();
        foreach (var item in PyOps.Iterate(value, budget))
        {
            budget.Step();
            var subject = path == null ? item : GetPath(item, path);
            bool passes = test == null ? PyOps.IsTrue(subject) : JinjaTests.Apply(test, subject, testArgs, budget);
            if (passes == keep)
                result.Add(item);
        }
        return result;
    }

    private static object? Map(object? value, CallArgs args, RenderBudget budget)
    {
        var items = PyOps.IsTrue(value) ? PyOps.Iterate(value, budget) : []; // as select: a false value maps to nothing
        var result = new List<object?>(items.Count);
        if (args.Named.TryGetValue("attribute", out var attributeValue))
        {
            string path = attributeValue as string ?? throw new TemplateException("map() attribute must be a string");
            bool hasDefault = args.Named.TryGetValue("default", out var fallback);
            foreach (var item in items)
            {
                budget.Step();
                var mapped = GetPath(item, path);
                result.Add(mapped is Undefined && hasDefault ? fallback : mapped);
            }
            return result;
        }
        string filter = args.Positional.Count > 0 && args.Positional[0] is string name ? name : throw new TemplateException("map() needs a filter name or attribute=");
        var filterArgs = new CallArgs([.. args.Positional.Skip(1)], args.Named.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
        foreach (var item in items)
        {
            budget.Step();
            result.Add(Apply(filter, item, filterArgs, budget));
        }
        return result;
    }

    private static object? Unique(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("unique", 2, "case_sensitive", "attribute");
        bool caseSensitive = args.GetBool(0, "case_sensitive", false);
        string? attribute = args.GetString(1, "attribute");
        var result = new List<object?>();
        var seen = new List<object?>();
        foreach (var item in PyOps.Iterate(value, budget))
        {
            var key = SortKey(attribute == null ? item : GetPath(item, attribute), caseSensitive);
            budget.Step(seen.Count + 1);
            if (!seen.Any(s => PyOps.Equal(s, key, budget)))
            {
                seen.Add(key);
                result.Add(item);
            }
        }
        return result;
    }

    private static object? Reverse(object? value, CallArgs args, RenderBudget budget)
    {
        if (value is string s)
        {
            var chars = s.ToCharArray();
            Array.Reverse(chars);
            return new string(chars);
        }
        var items = new List<object?>(PyOps.Iterate(value, budget));
        items.Reverse();
        return items;
    }

    private static object? Sort(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("sort", 3, "reverse", "case_sensitive", "attribute");
        bool reverse = args.GetBool(0, "reverse", false);
        bool caseSensitive = args.GetBool(1, "case_sensitive", false);
        string? attribute = args.GetString(2, "attribute");
        var items = new List<object?>(PyOps.Iterate(value, budget));
        return SortList(items, item => SortKey(attribute == null ? item : GetPath(item, attribute), caseSensitive), reverse, budget);
    }

    private static List<object?> SortList(List<object?> items, Func<object?, object?> key, bool reverse, RenderBudget budget)
    {
        budget.ChargeItems(items.Count * (long)Math.Max(1, Math.Log2(Math.Max(2, items.Count))));
        var keyed = items.Select(item => (Key: key(item), Item: item)).ToList();
        // A stable sort, as Python's is; OrderBy is stable where List.Sort is not.
        var comparer = Comparer<object?>.Create((a, b) => PyOps.Compare(a, b, "<", budget));
        var sorted = reverse ? keyed.OrderByDescending(k => k.Key, comparer) : keyed.OrderBy(k => k.Key, comparer);
        return sorted.Select(k => k.Item).ToList();
    }

    private static object? Sum(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("sum", 2, "attribute", "start");
        string? attribute = args.GetString(0, "attribute");
        object? total = args.Get(1, "start", 0L);
        foreach (var item in PyOps.Iterate(value, budget))
            total = PyArithmetic.Binary("+", total, attribute == null ? item : GetPath(item, attribute), budget);
        return total;
    }

    private static object? Extreme(object? value, CallArgs args, RenderBudget budget, bool smallest)
    {
        args.Expect(smallest ? "min" : "max", 2, "case_sensitive", "attribute");
        bool caseSensitive = args.GetBool(0, "case_sensitive", false);
        string? attribute = args.GetString(1, "attribute");
        object? best = null;
        object? bestKey = null;
        bool any = false;
        foreach (var item in PyOps.Iterate(value, budget))
        {
            var key = SortKey(attribute == null ? item : GetPath(item, attribute), caseSensitive);
            int order = any ? PyOps.Compare(key, bestKey, "<", budget) : 0;
            if (!any || (smallest ? order < 0 : order > 0))
            {
                best = item;
                bestKey = key;
                any = true;
            }
        }
        return any ? best : new Undefined($"No {(smallest ? "smallest" : "largest")} item, the sequence was empty");
    }

    private static object? SortKey(object? value, bool caseSensitive) =>
        !caseSensitive && value is string s ? s.ToLowerInvariant() : value;

    /// <summary>Jinja's attribute getter for filters: a dotted path of item lookups, numeric parts as indexes.</summary>
    private static object? GetPath(object? item, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (item is Undefined)
                return item;
            item = long.TryParse(part, out long index) ? PyOps.GetItem(item, index) : PyOps.GetItem(item, part);
        }
        return item;
    }
}

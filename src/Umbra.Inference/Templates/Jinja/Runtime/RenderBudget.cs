using System.Runtime.CompilerServices;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>Counts the work one render does and stops it, with a clear error, when a limit is passed.</summary>
internal sealed class RenderBudget
{
    public const int CharactersPerStep = 8;

    // Strings that markupsafe would hold as Markup (results of |safe and |escape). Jinja's "+" escapes a plain
    // string added to one, and some published templates rely on it, so the mark travels with the instance.
    private readonly ConditionalWeakTable<string, object> _safe = [];
    private long _steps;

    public RenderBudget(TemplateLimits limits)
    {
        Limits = limits;
    }

    public TemplateLimits Limits { get; }

    public void Step(long units = 1)
    {
        _steps += units;
        if (_steps > Limits.MaxSteps)
            throw new TemplateException($"The chat template did more than {Limits.MaxSteps:N0} steps of work and was stopped; it may loop without end or build too much text");
    }

    /// <summary>
    /// Accounts for building a string of <paramref name="length"/> characters. One step per
    /// <see cref="CharactersPerStep"/> characters bounds everything a render can allocate, and so what it can
    /// keep alive, to a small multiple of <see cref="TemplateLimits.MaxSteps"/>.
    /// </summary>
    public void ChargeString(long length)
    {
        if (length > Limits.MaxOutputLength)
            throw new TemplateException($"The chat template built a string longer than {Limits.MaxOutputLength:N0} characters");
        Step(length / CharactersPerStep);
    }

    /// <summary>Accounts for a value a filter or method returned, whatever it built.</summary>
    public object? ChargeResult(object? value)
    {
        switch (value)
        {
            case string s:
                ChargeString(s.Length);
                break;
            case List<object?> list:
                ChargeItems(list.Count);
                break;
        }
        return value;
    }

    /// <summary>Accounts for building or walking a collection of <paramref name="count"/> items.</summary>
    public void ChargeItems(long count)
    {
        if (count > Limits.MaxItems)
            throw new TemplateException($"The chat template built a list longer than {Limits.MaxItems:N0} items");
        Step(count);
    }

    /// <summary>Marks a copy of <paramref name="text"/> as already escaped (markupsafe's Markup).</summary>
    public string MarkSafe(string text)
    {
        if (text.Length == 0)
            return text; // the empty string is shared; "" + x escapes nothing worth escaping anyway
        var copy = new string(text.AsSpan());
        _safe.AddOrUpdate(copy, this);
        return copy;
    }

    public bool IsSafe(string text) => text.Length > 0 && _safe.TryGetValue(text, out _);

    public void CheckValueDepth(int depth)
    {
        if (depth > Limits.MaxValueDepth)
            throw new TemplateException($"A value in the chat template nests more than {Limits.MaxValueDepth} levels deep");
    }
}

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>Evaluated arguments of a call, filter or test.</summary>
internal sealed class CallArgs
{
    // Declared before Empty: static fields initialise in order and Empty needs it.
    private static readonly Dictionary<string, object?> NoNamed = new(StringComparer.Ordinal);

    public static readonly CallArgs Empty = new([], null);

    public CallArgs(List<object?> positional, Dictionary<string, object?>? named)
    {
        Positional = positional;
        Named = named ?? NoNamed;
    }

    public IReadOnlyList<object?> Positional { get; }

    public IReadOnlyDictionary<string, object?> Named { get; }

    public bool Has(int index, string name) => index < Positional.Count || Named.ContainsKey(name);

    /// <summary>The argument at <paramref name="index"/>, else the keyword <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        if (index >= 0 && index < Positional.Count)
            return Positional[index];
        return Named.TryGetValue(name, out var value) ? value : fallback;
    }

    public string? GetString(int index, string name, string? fallback = null)
    {
        var value = Get(index, name);
        return value switch
        {
            null => fallback,
            Undefined => fallback,
            string s => s,
            _ => throw new TemplateException($"Argument '{name}' must be a string, not '{PyOps.TypeName(value)}'"),
        };
    }

    public bool GetBool(int index, string name, bool fallback) =>
        Has(index, name) ? PyOps.IsTrue(Get(index, name)) : fallback;

    public long? GetInteger(int index, string name)
    {
        var value = Get(index, name);
        return value switch
        {
            null or Undefined => null,
            long l => l,
            bool b => b ? 1 : 0,
            _ => throw new TemplateException($"Argument '{name}' must be an integer, not '{PyOps.TypeName(value)}'"),
        };
    }

    /// <summary>Rejects arguments a function does not take, so a typo in a template is reported rather than ignored.</summary>
    public CallArgs Expect(string function, int maxPositional, params string[] names)
    {
        if (Positional.Count > maxPositional)
            throw new TemplateException($"{function}() takes at most {maxPositional} positional argument(s) but {Positional.Count} were given");
        foreach (var name in Named.Keys)
        {
            if (Array.IndexOf(names, name) < 0)
                throw new TemplateException($"{function}() got an unexpected keyword argument '{name}'");
        }
        return this;
    }
}

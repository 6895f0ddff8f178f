namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>A global function such as <c>range</c> or <c>raise_exception</c>.</summary>
internal sealed record BuiltinFunction(string Name, Func<CallArgs, object?> Invoke);

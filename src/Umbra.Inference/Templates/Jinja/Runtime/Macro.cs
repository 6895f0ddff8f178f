using Umbra.Inference.Templates.Jinja.Syntax;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>A macro with the scope it was defined in, which its body can read.</summary>
internal sealed record Macro(MacroNode Definition, Scope Closure);

namespace Umbra.Inference.Templates.Jinja.Syntax;

// The statement tree, one short record per Jinja tag; kept together for the same reason as Expressions.cs.

internal abstract record Node(int Position);

internal sealed record TextNode(int Position, string Text) : Node(Position);

internal sealed record OutputNode(int Position, Expr Value) : Node(Position);

internal sealed record IfNode(int Position, Expr Test, IReadOnlyList<Node> Then, IReadOnlyList<Node> Otherwise) : Node(Position);

/// <summary><c>for Target in Iterable [if Filter]</c>, with the body and the <c>else</c> body run when nothing was iterated.</summary>
internal sealed record ForNode(int Position, Expr Target, Expr Iterable, Expr? Filter, IReadOnlyList<Node> Body, IReadOnlyList<Node> Otherwise) : Node(Position);

/// <summary><c>set Target = Value</c>; the target is a name, a tuple of names or <c>namespace.attribute</c>.</summary>
internal sealed record SetNode(int Position, Expr Target, Expr Value) : Node(Position);

/// <summary><c>{% set name %}body{% endset %}</c>: captures rendered output into a variable.</summary>
internal sealed record SetBlockNode(int Position, string Name, IReadOnlyList<Node> Body) : Node(Position);

internal sealed record MacroParameter(string Name, Expr? Default);

internal sealed record MacroNode(int Position, string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Node> Body) : Node(Position);

internal sealed record BreakNode(int Position) : Node(Position);

internal sealed record ContinueNode(int Position) : Node(Position);

/// <summary><c>{% filter name %}body{% endfilter %}</c>: the rendered body passed through a filter.</summary>
internal sealed record FilterBlockNode(int Position, string Filter, Arguments Args, IReadOnlyList<Node> Body) : Node(Position);

/// <summary><c>{% with a = 1 %}body{% endwith %}</c>: assignments visible only inside the body.</summary>
internal sealed record WithNode(int Position, IReadOnlyList<(string Name, Expr Value)> Assignments, IReadOnlyList<Node> Body) : Node(Position);

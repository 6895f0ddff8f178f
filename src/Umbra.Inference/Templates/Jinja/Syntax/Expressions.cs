namespace Umbra.Inference.Templates.Jinja.Syntax;

// The expression tree. These records are one line each and only make sense together, so they share a file
// rather than being scattered over a dozen: the grammar reads in one place. Position is the source offset of
// the construct, used to point errors at a line and column.

internal abstract record Expr(int Position);

internal sealed record LiteralExpr(int Position, object? Value) : Expr(Position);

internal sealed record NameExpr(int Position, string Name) : Expr(Position);

internal sealed record ListExpr(int Position, IReadOnlyList<Expr> Items) : Expr(Position);

internal sealed record TupleExpr(int Position, IReadOnlyList<Expr> Items) : Expr(Position);

internal sealed record DictExpr(int Position, IReadOnlyList<(Expr Key, Expr Value)> Items) : Expr(Position);

internal sealed record AttributeExpr(int Position, Expr Target, string Name) : Expr(Position);

internal sealed record ItemExpr(int Position, Expr Target, Expr Index) : Expr(Position);

internal sealed record SliceExpr(int Position, Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr(Position);

internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named)
{
    public static readonly Arguments None = new([], []);
}

internal sealed record CallExpr(int Position, Expr Callee, Arguments Args) : Expr(Position);

internal sealed record FilterExpr(int Position, Expr Value, string Name, Arguments Args) : Expr(Position);

internal sealed record TestExpr(int Position, Expr Value, string Name, Arguments Args, bool Negated) : Expr(Position);

internal sealed record UnaryExpr(int Position, string Operator, Expr Operand) : Expr(Position);

/// <summary>Arithmetic, <c>~</c>, <c>and</c> and <c>or</c>.</summary>
internal sealed record BinaryExpr(int Position, string Operator, Expr Left, Expr Right) : Expr(Position);

/// <summary>A comparison chain such as <c>a &lt; b &lt;= c</c>; operators include <c>in</c> and <c>not in</c>.</summary>
internal sealed record CompareExpr(int Position, Expr First, IReadOnlyList<(string Operator, Expr Operand)> Rest) : Expr(Position);

/// <summary><c>then if test else otherwise</c>; without <c>else</c> the result is undefined.</summary>
internal sealed record ConditionalExpr(int Position, Expr Test, Expr Then, Expr? Otherwise) : Expr(Position);

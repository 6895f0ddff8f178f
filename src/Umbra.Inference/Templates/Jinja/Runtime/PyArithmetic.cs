namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>Python's arithmetic operators, with integer overflow and oversized results reported as template errors.</summary>
internal static class PyArithmetic
{
    public static object? Binary(string op, object? left, object? right, RenderBudget budget)
    {
        if (left is Undefined ul)
            throw ul.Error();
        if (right is Undefined ur)
            throw ur.Error();
        try
        {
            return op switch
            {
                "+" => Add(left, right, budget),
                "-" => Numeric(op, left, right, (a, b) => checked(a - b), (a, b) => a - b),
                "*" => Multiply(left, right, budget),
                "/" => Divide(left, right),
                "//" => Numeric(op, left, right, FloorDivide, (a, b) => Math.Floor(a / NonZero(b))),
                "%" => left is string format ? Printf.Format(format, right, budget) : Numeric(op, left, right, Modulo, Modulo),
                "**" => Power(left, right),
                _ => throw new TemplateException($"Unknown operator '{op}'"),
            };
        }
        catch (OverflowException)
        {
            throw new TemplateException($"Integer overflow in '{op}'");
        }
    }

    // The casts keep each arm an object: a switch over long and double arms would otherwise widen ints to double.
    public static object? Negate(object? value) => value switch
    {
        long l => (object)checked(-l),
        double d => (object)(-d),
        bool b => b ? -1L : 0L,
        Undefined u => throw u.Error(),
        _ => throw new TemplateException($"Bad operand type for unary -: '{PyOps.TypeName(value)}'"),
    };

    public static object? Plus(object? value) => value switch
    {
        long or double => value,
        bool b => b ? 1L : 0L,
        Undefined u => throw u.Error(),
        _ => throw new TemplateException($"Bad operand type for unary +: '{PyOps.TypeName(value)}'"),
    };

    private static object? Add(object? left, object? right, RenderBudget budget)
    {
        switch (left, right)
        {
            case (string a, string b) when budget.IsSafe(a) || budget.IsSafe(b):
                // Markup + str escapes the plain side and stays Markup, as markupsafe does.
                string safeA = budget.IsSafe(a) ? a : Filters.Escape(a);
                string safeB = budget.IsSafe(b) ? b : Filters.Escape(b);
                budget.ChargeString((long)safeA.Length + safeB.Length);
                return budget.MarkSafe(safeA + safeB);
            case (string a, string b):
                budget.ChargeString((long)a.Length + b.Length);
                return a + b;
            case (List<object?> a, List<object?> b):
                budget.ChargeItems((long)a.Count + b.Count);
                return new List<object?>([.. a, .. b]);
            case (object?[] a, object?[] b):
                budget.ChargeItems((long)a.Length + b.Length);
                return (object?[])[.. a, .. b];
            default:
                return Numeric("+", left, right, (a, b) => checked(a + b), (a, b) => a + b);
        }
    }

    private static object? Multiply(object? left, object? right, RenderBudget budget)
    {
        if (left is long or bool && right is string or List<object?> or object?[])
            (left, right) = (right, left);
        if (right is long or bool && left is string or List<object?> or object?[])
        {
            long count = Math.Max(0, right is bool b ? (b ? 1 : 0) : (long)right);
            if (!PyOps.IsTrue(left))
                count = 0; // an empty operand stays empty however large the count
            switch (left)
            {
                case string s:
                    budget.ChargeString(s.Length * count);
                    return count == 0 ? "" : new System.Text.StringBuilder(s.Length * (int)count).Insert(0, s, (int)count).ToString();
                default:
                    var items = PyOps.AsList(left);
                    budget.ChargeItems(items.Count * count);
                    var result = new List<object?>(items.Count * (int)count);
                    for (long i = 0; i < count; i++)
                        result.AddRange(items);
                    return left is object?[] ? result.ToArray() : result;
            }
        }
        return Numeric("*", left, right, (a, b) => checked(a * b), (a, b) => a * b);
    }

    private static object Divide(object? left, object? right)
    {
        RequireNumbers("/", left, right);
        double divisor = PyOps.ToDouble(right);
        if (divisor == 0)
            throw new TemplateException("Division by zero");
        return PyOps.ToDouble(left) / divisor;
    }

    private static object Power(object? left, object? right)
    {
        RequireNumbers("**", left, right);
        if (left is long or bool && right is long or bool)
        {
            long exponent = right is bool e ? (e ? 1 : 0) : (long)right;
            long value = left is bool v ? (v ? 1 : 0) : (long)left;
            if (exponent < 0)
                return Math.Pow(value, exponent);
            long result = 1;
            while (exponent > 0)
            {
                if ((exponent & 1) != 0)
                    result = checked(result * value);
                exponent >>= 1;
                if (exponent > 0)
                    value = checked(value * value);
            }
            return result;
        }
        return Math.Pow(PyOps.ToDouble(left), PyOps.ToDouble(right));
    }

    private static long FloorDivide(long a, long b)
    {
        NonZero(b);
        long quotient = a / b;
        return (a % b != 0) && ((a < 0) != (b < 0)) ? quotient - 1 : quotient;
    }

    private static long Modulo(long a, long b)
    {
        NonZero(b);
        long remainder = a % b;
        return remainder != 0 && ((remainder < 0) != (b < 0)) ? remainder + b : remainder;
    }

    private static double Modulo(double a, double b)
    {
        NonZero(b);
        double remainder = a % b;
        return remainder != 0 && ((remainder < 0) != (b < 0)) ? remainder + b : remainder;
    }

    private static double NonZero(double divisor) =>
        divisor == 0 ? throw new TemplateException("Division by zero") : divisor;

    private static object Numeric(string op, object? left, object? right, Func<long, long, long> integer, Func<double, double, double> real)
    {
        RequireNumbers(op, left, right);
        if (left is long or bool && right is long or bool)
            return integer(left is bool a ? (a ? 1 : 0) : (long)left, right is bool b ? (b ? 1 : 0) : (long)right);
        return real(PyOps.ToDouble(left), PyOps.ToDouble(right));
    }

    private static void RequireNumbers(string op, object? left, object? right)
    {
        if (!PyOps.IsNumber(left) || !PyOps.IsNumber(right))
            throw new TemplateException($"Unsupported operand types for {op}: '{PyOps.TypeName(left)}' and '{PyOps.TypeName(right)}'");
    }
}

using System.Globalization;
using System.Numerics;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// Python's <c>round(x, n)</c> for floats: rounds the exact binary value half to even, so
/// <c>round(2.675, 2)</c> is 2.67 (2.675 is stored as 2.67499...) and <c>round(0.125, 2)</c> is 0.12.
/// </summary>
internal static class PyRound
{
    public static double Round(double value, int digits)
    {
        if (!double.IsFinite(value) || value == 0)
            return value;
        long bits = BitConverter.DoubleToInt64Bits(value);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
            exponent = 1; // subnormal
        else
            mantissa |= 1L << 52;
        exponent -= 1075; // value = ±mantissa * 2^exponent
        if (exponent >= 0)
            return value; // an integer, already exact at any number of decimals

        var scaled = new BigInteger(mantissa) * BigInteger.Pow(10, digits);
        var denominator = BigInteger.One << -exponent;
        var quotient = BigInteger.DivRem(scaled, denominator, out var remainder);
        int half = (remainder * 2).CompareTo(denominator);
        if (half > 0 || (half == 0 && !quotient.IsEven))
            quotient += 1;
        double rounded = double.Parse(quotient.ToString(CultureInfo.InvariantCulture) + "E-" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return value < 0 ? -rounded : rounded;
    }
}

using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>Each byte string has exactly one accepted encoding.</summary>
public sealed class Base64UrlStrictTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("AA", "00")]
    [InlineData("AAE", "0001")]
    [InlineData("AAEC", "000102")]
    [InlineData("-_8", "fbff")]
    public void Canonical_unpadded_text_decodes(string text, string hex)
    {
        Assert.True(Base64UrlStrict.TryDecode(text, out var bytes, out var problem));
        Assert.Null(problem);
        Assert.Equal(hex, Convert.ToHexStringLower(bytes));
        Assert.Equal(text, Base64UrlStrict.Encode(bytes));
    }

    [Theory]
    [InlineData("AA==", "padding")]
    [InlineData("AAE=", "padding")]
    [InlineData("AA+B", "U+002B")]
    [InlineData("AA/B", "U+002F")]
    [InlineData("AA B", "U+0020")]
    [InlineData("AA\nB", "U+000A")]
    [InlineData("AAAAA", "5 characters long")]
    [InlineData("AB", "unused bits")]
    [InlineData("AAF", "unused bits")]
    [InlineData("AAé", "U+00E9")]
    public void Padding_foreign_characters_impossible_lengths_and_stray_bits_are_refused(string text, string expected)
    {
        Assert.False(Base64UrlStrict.TryDecode(text, out var bytes, out var problem));
        Assert.Null(bytes);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}

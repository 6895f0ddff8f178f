using System.Text;
using Umbra.Inference.Gguf;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Gguf;

/// <summary>
/// One test per kind of malformed GGUF. Each builds a good file, breaks one field, and checks that the reader
/// answers with a <see cref="GgufFormatException"/> that names the problem and the byte offset of the bad field.
/// </summary>
public class GgufHostileInputTests
{
    private const uint ArrayType = (uint)GgufValueType.Array;

    // alpha: F32 [8] at data offset 0 (32 bytes); omega: F32 [8, 2] at data offset 32 (64 bytes).
    private static byte[] TwoTensors(GgufWriter? writer = null) => GgufBytes.Write((writer ?? new GgufWriter())
        .Add("general.architecture", "llama")
        .AddTensor("tensor.alpha", GgmlType.F32, [8], new byte[32])
        .AddTensor("tensor.omega", GgmlType.F32, [8, 2], new byte[64]));

    [Fact]
    public void The_unbroken_file_parses()
    {
        var bytes = TwoTensors();
        var header = GgufBytes.Parse(bytes);
        Assert.Equal(2, header.Tensors.Count);
        Assert.Equal(32, header.Tensors[1].Offset);
        Assert.Equal(header.DataOffset + 32, header.Tensors[1].FileOffset);
        Assert.Equal(bytes.Length, header.DataOffset + 96);
    }

    [Fact]
    public void Bad_magic()
    {
        var bytes = TwoTensors();
        bytes[0] = (byte)'X';
        GgufBytes.AssertRejected(bytes, "magic", 0);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(4u)]
    [InlineData(0x03000000u)]
    [InlineData(uint.MaxValue)]
    public void Unsupported_version(uint version)
    {
        var bytes = TwoTensors();
        GgufBytes.PutUInt32(bytes, 4, version);
        GgufBytes.AssertRejected(bytes, "version", 4);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void File_too_short_to_hold_the_magic(int length) =>
        GgufBytes.AssertRejected(TwoTensors().AsSpan(0, length), "too short", 0);

    [Theory]
    [InlineData(5, 4)]
    [InlineData(12, 8)]
    [InlineData(20, 16)]
    public void Truncated_in_the_fixed_header(int length, long offset) =>
        GgufBytes.AssertRejected(TwoTensors().AsSpan(0, length), "end of file", offset);

    [Fact]
    public void Truncated_inside_a_string_value()
    {
        var raw = RawGguf.Header(0, 1).Str("general.name").U32((uint)GgufValueType.String);
        int valueAt = raw.Length;
        var bytes = raw.Str("a name of some length").ToArray();
        GgufBytes.AssertRejected(bytes.AsSpan(0, valueAt + 8 + 5), "past the end", valueAt);
    }

    [Fact]
    public void Truncated_inside_a_tensor_info()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.AssertRejected(bytes.AsSpan(0, omega.Type + 2), "end of file", omega.Type);
    }

    [Fact]
    public void Truncated_in_the_tensor_data()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        var ex = GgufBytes.AssertRejected(bytes.AsSpan(0, bytes.Length - 1), "past the end", omega.Offset);
        Assert.Contains("tensor.omega", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_section_starting_past_the_end_of_the_file()
    {
        var bytes = TwoTensors();
        int headerEnd = GgufBytes.Tensor(bytes, "tensor.omega").Offset + 8;
        Assert.NotEqual(0, headerEnd % 32); // the padding to the data section must be cut for this test
        GgufBytes.AssertRejected(bytes.AsSpan(0, headerEnd), "data section starts beyond the end", headerEnd);
    }

    [Theory]
    [InlineData(ulong.MaxValue, "exceeds the limit")]
    [InlineData((ulong)int.MaxValue + 1, "exceeds the limit")]
    [InlineData((1UL << 20) + 1, "exceeds the limit")]
    [InlineData(100UL, "cannot fit")]
    public void Absurd_tensor_count(ulong count, string problem)
    {
        var bytes = TwoTensors();
        GgufBytes.PutUInt64(bytes, 8, count);
        var ex = GgufBytes.AssertRejected(bytes, problem, 8);
        Assert.Contains("tensor count", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(ulong.MaxValue, "exceeds the limit")]
    [InlineData((ulong)int.MaxValue + 1, "exceeds the limit")]
    [InlineData((1UL << 20) + 1, "exceeds the limit")]
    [InlineData(100UL, "cannot fit")]
    public void Absurd_metadata_count(ulong count, string problem)
    {
        var bytes = TwoTensors();
        GgufBytes.PutUInt64(bytes, 16, count);
        var ex = GgufBytes.AssertRejected(bytes, problem, 16);
        Assert.Contains("metadata count", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(ulong.MaxValue, "exceeds the limit")]
    [InlineData(1UL << 63, "exceeds the limit")]
    [InlineData((64UL << 20) + 1, "exceeds the limit")]
    [InlineData(64UL << 20, "past the end")]
    [InlineData(1000UL, "past the end")]
    public void Absurd_string_length(ulong length, string problem)
    {
        var bytes = TwoTensors();
        var arch = GgufBytes.Key(bytes, "general.architecture");
        GgufBytes.PutUInt64(bytes, arch.Entry, length);
        GgufBytes.AssertRejected(bytes, problem, arch.Entry);
    }

    [Theory]
    [InlineData(ulong.MaxValue, "exceeds the limit")]
    [InlineData((ulong)int.MaxValue + 1, "exceeds the limit")]
    [InlineData((1UL << 24) + 1, "exceeds the limit")]
    [InlineData(1000UL, "cannot fit")]
    public void Absurd_array_count(ulong count, string problem)
    {
        var bytes = TwoTensors(new GgufWriter().Add("list", new[] { 1, 2, 3 }));
        var list = GgufBytes.Key(bytes, "list");
        int countAt = list.Value + 4;
        Assert.Equal(3UL, GgufBytes.GetUInt64(bytes, countAt));
        GgufBytes.PutUInt64(bytes, countAt, count);
        GgufBytes.AssertRejected(bytes, problem, countAt);
    }

    [Fact]
    public void Absurd_array_of_strings_count()
    {
        var bytes = TwoTensors(new GgufWriter().Add("words", ["a", "b"]));
        int countAt = GgufBytes.Key(bytes, "words").Value + 4;
        // Two empty strings take 16 bytes; claim one for every 8 bytes of the rest of the file plus one.
        GgufBytes.PutUInt64(bytes, countAt, (ulong)((bytes.Length - countAt) / 8) + 1);
        GgufBytes.AssertRejected(bytes, "cannot fit", countAt);
    }

    [Fact]
    public void Duplicate_metadata_key()
    {
        var bytes = TwoTensors(new GgufWriter().Add("dup.key1", 1).Add("dup.key2", 2));
        var second = GgufBytes.Key(bytes, "dup.key2");
        bytes[second.Type - 1] = (byte)'1';
        var ex = GgufBytes.AssertRejected(bytes, "duplicate metadata key", second.Entry);
        Assert.Contains("dup.key1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_tensor_name()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        Encoding.ASCII.GetBytes("tensor.alpha").CopyTo(bytes, omega.Entry + 8);
        var ex = GgufBytes.AssertRejected(bytes, "duplicate tensor name", omega.Entry);
        Assert.Contains("tensor.alpha", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_metadata_key()
    {
        var bytes = TwoTensors();
        var arch = GgufBytes.Key(bytes, "general.architecture");
        GgufBytes.PutUInt64(bytes, arch.Entry, 0);
        GgufBytes.AssertRejected(bytes, "empty key", arch.Entry);
    }

    [Fact]
    public void Empty_tensor_name()
    {
        var bytes = TwoTensors();
        var alpha = GgufBytes.Tensor(bytes, "tensor.alpha");
        GgufBytes.PutUInt64(bytes, alpha.Entry, 0);
        GgufBytes.AssertRejected(bytes, "empty name", alpha.Entry);
    }

    [Theory]
    [InlineData(4u)] // Q4_2, withdrawn from ggml
    [InlineData(5u)] // Q4_3, withdrawn
    [InlineData(31u)]
    [InlineData(1000u)]
    [InlineData(uint.MaxValue)]
    public void Unknown_tensor_type(uint type)
    {
        var bytes = TwoTensors();
        var alpha = GgufBytes.Tensor(bytes, "tensor.alpha");
        GgufBytes.PutUInt32(bytes, alpha.Type, type);
        GgufBytes.AssertRejected(bytes, $"unknown type id {type}", alpha.Type);
    }

    [Theory]
    [InlineData(13u)]
    [InlineData(uint.MaxValue)]
    public void Unknown_metadata_value_type(uint type)
    {
        var bytes = TwoTensors();
        var arch = GgufBytes.Key(bytes, "general.architecture");
        GgufBytes.PutUInt32(bytes, arch.Type, type);
        GgufBytes.AssertRejected(bytes, $"unknown metadata value type {type}", arch.Type);
    }

    [Theory]
    [InlineData(13u)]
    [InlineData(uint.MaxValue)]
    public void Unknown_array_element_type(uint type)
    {
        var bytes = TwoTensors(new GgufWriter().Add("list", new[] { 1, 2, 3 }));
        var list = GgufBytes.Key(bytes, "list");
        GgufBytes.PutUInt32(bytes, list.Value, type);
        GgufBytes.AssertRejected(bytes, $"unknown array element type {type}", list.Value);
    }

    [Fact]
    public void Bool_that_is_neither_0_nor_1()
    {
        var bytes = TwoTensors(new GgufWriter().Add("flag", true));
        var flag = GgufBytes.Key(bytes, "flag");
        bytes[flag.Value] = 2;
        GgufBytes.AssertRejected(bytes, "neither 0 nor 1", flag.Value);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(48u)]
    [InlineData(1u << 21)]
    [InlineData(uint.MaxValue)]
    public void Alignment_that_is_not_a_power_of_two_up_to_1_MiB(uint alignment)
    {
        var bytes = TwoTensors(new GgufWriter(64));
        var align = GgufBytes.Key(bytes, "general.alignment");
        GgufBytes.PutUInt32(bytes, align.Value, alignment);
        GgufBytes.AssertRejected(bytes, "alignment", align.Value);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 63)]
    [InlineData(0UL)]
    public void Alignment_as_a_64_bit_value_out_of_range(ulong alignment)
    {
        var bytes = TwoTensors(new GgufWriter().Add("general.alignment", new GgufValue(GgufValueType.UInt64, alignment)));
        var align = GgufBytes.Key(bytes, "general.alignment");
        GgufBytes.AssertRejected(bytes, "alignment", align.Value);
    }

    [Fact]
    public void Alignment_that_is_not_an_integer()
    {
        var bytes = TwoTensors(new GgufWriter().Add("general.alignment", "32"));
        var align = GgufBytes.Key(bytes, "general.alignment");
        GgufBytes.AssertRejected(bytes, "alignment", align.Value);
    }

    [Fact]
    public void Tensor_offset_not_a_multiple_of_the_alignment()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.PutUInt64(bytes, omega.Offset, 33);
        GgufBytes.AssertRejected(bytes, "not a multiple of the alignment", omega.Offset);
    }

    [Theory]
    [InlineData(ulong.MaxValue - 31, "beyond the end")]
    [InlineData(1UL << 63, "beyond the end")]
    [InlineData(1UL << 20, "beyond the end")]
    [InlineData(64UL, "past the end")]
    public void Tensor_data_out_of_bounds(ulong offset, string problem)
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.PutUInt64(bytes, omega.Offset, offset);
        GgufBytes.AssertRejected(bytes, problem, omega.Offset);
    }

    [Fact]
    public void Tensor_data_overlapping_another_tensor_at_the_same_offset()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.PutUInt64(bytes, omega.Offset, 0);
        var ex = GgufBytes.AssertRejected(bytes, "overlaps", omega.Offset);
        Assert.Contains("tensor.alpha", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensor_data_overlapping_the_middle_of_another_tensor()
    {
        // alpha [0, 32) moved into the middle of omega [32, 96): the later info reports the clash.
        var bytes = TwoTensors();
        var alpha = GgufBytes.Tensor(bytes, "tensor.alpha");
        GgufBytes.PutUInt64(bytes, alpha.Offset, 64);
        var ex = GgufBytes.AssertRejected(bytes, "overlaps", alpha.Offset);
        Assert.Contains("tensor.omega", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(5u)]
    [InlineData(uint.MaxValue)]
    public void Tensor_with_an_invalid_number_of_dimensions(uint nDims)
    {
        var bytes = TwoTensors();
        var alpha = GgufBytes.Tensor(bytes, "tensor.alpha");
        GgufBytes.PutUInt32(bytes, alpha.NDims, nDims);
        GgufBytes.AssertRejected(bytes, "dimensions", alpha.NDims);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL << 63)]
    [InlineData(ulong.MaxValue)]
    public void Tensor_dimension_zero_or_negative(ulong dim)
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.PutUInt64(bytes, omega.Dim(1), dim);
        GgufBytes.AssertRejected(bytes, "dimension 1", omega.Dim(1));
    }

    [Fact]
    public void Tensor_element_count_overflowing()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.PutUInt64(bytes, omega.Dim(0), 1UL << 40);
        GgufBytes.PutUInt64(bytes, omega.Dim(1), 1UL << 40);
        GgufBytes.AssertRejected(bytes, "element count overflows", omega.Dim(1));
    }

    [Fact]
    public void Tensor_byte_size_overflowing()
    {
        // 2^62 F32 elements: the count fits in a long, the 2^64 bytes do not.
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.PutUInt64(bytes, omega.Dim(0), 1UL << 31);
        GgufBytes.PutUInt64(bytes, omega.Dim(1), 1UL << 31);
        GgufBytes.AssertRejected(bytes, "byte size overflows", omega.NDims);
    }

    [Fact]
    public void Tensor_far_larger_than_the_file()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.PutUInt64(bytes, omega.Dim(0), 1UL << 20);
        GgufBytes.PutUInt64(bytes, omega.Dim(1), 1UL << 20);
        GgufBytes.AssertRejected(bytes, "past the end", omega.Offset);
    }

    [Fact]
    public void Tensor_row_not_a_whole_number_of_blocks()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        GgufBytes.PutUInt32(bytes, omega.Type, (uint)GgmlType.Q8_0);
        GgufBytes.AssertRejected(bytes, "block size", omega.NDims);
    }

    public static TheoryData<byte[]> BadUtf8 => new()
    {
        new byte[] { 0xFF },
        new byte[] { 0x80 },
        new byte[] { 0xC0, 0x80 }, // overlong NUL
        new byte[] { 0xED, 0xA0, 0x80 }, // UTF-16 surrogate
        new byte[] { 0xF4, 0x90, 0x80, 0x80 }, // above U+10FFFF
        new byte[] { 0xE2, 0x82 }, // sequence cut by the end of the string
    };

    [Theory]
    [MemberData(nameof(BadUtf8))]
    public void Invalid_utf8_in_a_metadata_key(byte[] bad)
    {
        byte[] key = [.. "abc"u8, .. bad];
        var raw = RawGguf.Header(0, 1);
        int badAt = raw.Length + 8 + 3;
        var bytes = raw.Str(key).U32((uint)GgufValueType.UInt8).U8(1).ToArray();
        GgufBytes.AssertRejected(bytes, "UTF-8", badAt);
    }

    [Theory]
    [MemberData(nameof(BadUtf8))]
    public void Invalid_utf8_in_a_string_value(byte[] bad)
    {
        byte[] value = [.. "hello "u8, .. bad, .. "!"u8];
        var raw = RawGguf.Header(0, 1).Str("general.name").U32((uint)GgufValueType.String);
        int badAt = raw.Length + 8 + 6;
        var bytes = raw.Str(value).ToArray();
        GgufBytes.AssertRejected(bytes, "UTF-8", badAt);
    }

    [Fact]
    public void Invalid_utf8_in_a_tensor_name()
    {
        var bytes = TwoTensors();
        var omega = GgufBytes.Tensor(bytes, "tensor.omega");
        int badAt = omega.Entry + 8 + 7;
        bytes[badAt] = 0xC3; // a lead byte followed by the ASCII 'm'
        GgufBytes.AssertRejected(bytes, "UTF-8", badAt);
    }

    [Fact]
    public void Arrays_nested_four_deep_are_accepted()
    {
        var header = GgufBytes.Parse(NestedArrays(4, out _));
        var value = header.Metadata["nested"];
        for (int level = 1; level < 4; level++)
            value = Assert.Single((GgufValue[])value.Value);
        Assert.Equal([7], (int[])value.Value);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(100_000)]
    public void Arrays_nested_too_deep(int levels)
    {
        var bytes = NestedArrays(levels, out int fifthAt);
        GgufBytes.AssertRejected(bytes, "nested deeper", fifthAt);
    }

    /// <summary>A metadata value of <paramref name="levels"/> arrays, each holding the next, the innermost one int32 7.</summary>
    private static byte[] NestedArrays(int levels, out int fifthAt)
    {
        var raw = RawGguf.Header(0, 1).Str("nested").U32(ArrayType);
        fifthAt = -1;
        for (int level = 1; level < levels; level++)
        {
            if (level == 5) fifthAt = raw.Length;
            raw.U32(ArrayType).U64(1);
        }
        if (levels == 5) fifthAt = raw.Length;
        return raw.U32((uint)GgufValueType.Int32).U64(1).U32(7).ToArray();
    }
}

using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>Malformed calls fail with an ArgumentException that names the problem.</summary>
public unsafe class ArgumentTests
{
    [Fact]
    public void Dequantize_rejects_counts_that_are_not_whole_blocks()
    {
        var e = Assert.Throws<ArgumentException>(() => Quantization.Dequantize(GgmlType.Q4_K, new byte[144], new float[255]));
        Assert.Contains("256", e.Message);
        Assert.Equal("dst", e.ParamName);
    }

    [Fact]
    public void Dequantize_rejects_a_source_of_the_wrong_length()
    {
        var e = Assert.Throws<ArgumentException>(() => Quantization.Dequantize(GgmlType.Q8_0, new byte[33], new float[32]));
        Assert.Contains("34 bytes", e.Message);
        Assert.Equal("src", e.ParamName);
        Assert.Throws<ArgumentException>(() => Quantization.Dequantize(GgmlType.F16, new byte[10], new float[4]));
    }

    [Fact]
    public void Quantize_rejects_wrong_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => Quantization.Quantize(GgmlType.Q4_0, new float[48], new byte[27]));
        Assert.Equal("src", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Quantization.Quantize(GgmlType.Q6_K, new float[256], new byte[209]));
        Assert.Equal("dst", e.ParamName);
        Assert.Contains("210 bytes", e.Message);
    }

    [Theory]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.IQ2_XXS)]
    [InlineData((GgmlType)4)]
    public void Unsupported_types_are_refused_everywhere(GgmlType type)
    {
        Assert.False(Quantization.CanQuantize(type));
        var e = Assert.Throws<ArgumentException>(() => Quantization.Quantize(type, new float[256], new byte[256]));
        Assert.Contains("supported", e.Message);
        Assert.Throws<ArgumentException>(() => Quantization.Dequantize(type, new byte[256], new float[256]));
        var x = new float[256];
        var w = new byte[256];
        fixed (float* xp = x)
        fixed (byte* wp = w)
        {
            float* xq = xp;
            byte* wq = wp;
            Assert.Throws<ArgumentException>(() => DotKernels.Dot(type, wq, xq, 256));
            Assert.Throws<ArgumentException>(() => DotKernels.MatVec(type, wq, 256, xq, 256, xq, 0, 1));
        }
    }

    [Fact]
    public void Every_supported_weight_type_can_be_quantized()
    {
        foreach (var type in TestVectors.Types)
            Assert.True(Quantization.CanQuantize(type), type.ToString());
    }

    [Fact]
    public void Kernels_reject_bad_sizes_strides_and_ranges()
    {
        var x = new float[512];
        var w = new byte[4096];
        var y = new float[4];
        fixed (float* xp0 = x)
        fixed (byte* wp0 = w)
        fixed (float* yp0 = y)
        {
            float* xp = xp0, yp = yp0;
            byte* wp = wp0;
            var e = Assert.Throws<ArgumentException>(() => DotKernels.Dot(GgmlType.Q8_0, wp, xp, 48));
            Assert.Contains("block size 32", e.Message);
            Assert.Throws<ArgumentException>(() => DotKernels.Dot(GgmlType.F32, wp, xp, -1));
            Assert.Throws<ArgumentNullException>(() => DotKernels.Dot(GgmlType.F32, null, xp, 4));
            Assert.Equal(0f, DotKernels.Dot(GgmlType.F32, null, null, 0));

            var s = Assert.Throws<ArgumentOutOfRangeException>(() => DotKernels.MatVec(GgmlType.Q4_K, wp, 143, xp, 256, yp, 0, 2));
            Assert.Equal("rowBytes", s.ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => DotKernels.MatVec(GgmlType.F32, wp, 16, xp, 4, yp, 3, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => DotKernels.MatVec(GgmlType.F32, wp, 16, xp, 4, yp, -1, 2));
            Assert.Throws<ArgumentException>(() => DotKernels.MatVec(GgmlType.Q6_K, wp, 210, xp, 100, yp, 0, 2));
            Assert.Throws<ArgumentNullException>(() => DotKernels.MatVec(GgmlType.F32, wp, 16, xp, 4, null, 0, 2));
        }
    }
}

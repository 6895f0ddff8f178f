using Umbra.Inference.Gguf;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Gguf;

public class GgufFileTests
{
    [Fact]
    public void Reads_the_real_stories260K_model()
    {
        using var file = GgufFile.Open(TestData.Stories260K);
        Assert.Equal("llama", file.Architecture);
        Assert.Equal("llama", file.GetString("tokenizer.ggml.model"));
        Assert.Equal(512, file.GetArray<string>("tokenizer.ggml.tokens")!.Length);
        Assert.Equal(5, file.GetInteger("llama.block_count"));
        Assert.Equal(64, file.GetInteger("llama.embedding_length"));
        var emb = file.GetTensor("token_embd.weight");
        Assert.Equal(new long[] { 64, 512 }, emb.Shape);
        Assert.True(file.GetTensorData(emb).Length == emb.ByteSize);
    }

    [Theory]
    [InlineData("llama-spm", "llama")]
    [InlineData("gpt-2", "gpt2")]
    [InlineData("deepseek-coder", "gpt2")]
    [InlineData("phi-3", "llama")]
    public void Reads_vocabulary_only_files(string name, string model)
    {
        using var file = GgufFile.Open(TestData.Vocab(name));
        Assert.Equal(model, file.GetString("tokenizer.ggml.model"));
        Assert.Empty(file.Tensors);
    }

    [Fact]
    public void Writer_round_trips_every_value_type_and_tensor_data()
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            var data = Enumerable.Range(0, 8 * 3).Select(i => (float)i).ToArray();
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
            new GgufWriter()
                .Add("general.architecture", "llama")
                .Add("u8", new GgufValue(GgufValueType.UInt8, (byte)7))
                .Add("i8", new GgufValue(GgufValueType.Int8, (sbyte)-7))
                .Add("u16", new GgufValue(GgufValueType.UInt16, (ushort)65000))
                .Add("i16", new GgufValue(GgufValueType.Int16, (short)-300))
                .Add("u32", 4_000_000_000u)
                .Add("i32", -5)
                .Add("f32", 1.5f)
                .Add("bool", true)
                .Add("u64", new GgufValue(GgufValueType.UInt64, ulong.MaxValue))
                .Add("i64", new GgufValue(GgufValueType.Int64, long.MinValue))
                .Add("f64", new GgufValue(GgufValueType.Float64, Math.PI))
                .Add("strings", ["a", "β", ""])
                .Add("nested", new GgufValue(GgufValueType.Array, new[]
                {
                    new GgufValue(GgufValueType.Array, new[] { 1, 2 }, GgufValueType.Int32),
                    new GgufValue(GgufValueType.Array, new[] { 3 }, GgufValueType.Int32),
                }, GgufValueType.Array))
                .AddTensor("a", GgmlType.F32, [8, 3], bytes)
                .AddTensor("b", GgmlType.F32, [8], bytes.AsMemory(0, 32))
                .WriteTo(path);

            using var file = GgufFile.Open(path);
            Assert.Equal(3, file.Version);
            Assert.Equal((byte)7, file.Metadata["u8"].Value);
            Assert.Equal((sbyte)-7, file.Metadata["i8"].Value);
            Assert.Equal((ushort)65000, file.Metadata["u16"].Value);
            Assert.Equal((short)-300, file.Metadata["i16"].Value);
            Assert.Equal(4_000_000_000L, file.GetInteger("u32"));
            Assert.Equal(-5, file.GetInteger("i32"));
            Assert.Equal(1.5, file.GetNumber("f32"));
            Assert.True(file.GetBool("bool"));
            Assert.Equal(ulong.MaxValue, file.Metadata["u64"].Value);
            Assert.Equal(long.MinValue, file.GetInteger("i64"));
            Assert.Equal(Math.PI, file.GetNumber("f64"));
            Assert.Equal(["a", "β", ""], file.GetArray<string>("strings")!);
            var nested = file.GetArray<GgufValue>("nested")!;
            Assert.Equal([1, 2], (int[])nested[0].Value);
            Assert.Equal(bytes, file.GetTensorData(file.GetTensor("a")).ToArray());
            Assert.Equal(bytes.AsSpan(0, 32).ToArray(), file.GetTensorData(file.GetTensor("b")).ToArray());
            Assert.Equal(0, file.GetTensor("b").FileOffset % 32);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

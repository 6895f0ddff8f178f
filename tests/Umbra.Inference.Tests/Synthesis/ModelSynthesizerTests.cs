using Umbra.Inference.Gguf;
using Umbra.Inference.Model;
using Umbra.Inference.Synthesis;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Synthesis;

public class ModelSynthesizerTests
{
    [Theory]
    [InlineData("tinyllama-1.1b", 1.100e9)]
    [InlineData("llama-3.2-1b", 1.236e9)]
    [InlineData("qwen2.5-0.5b", 0.494e9)]
    [InlineData("mistral-7b", 7.242e9)]
    public void Named_shapes_have_the_published_parameter_counts(string name, double published)
    {
        var shape = ModelShape.Named[name];
        Assert.InRange(shape.ParameterCount, published * 0.98, published * 1.02);
    }

    [Theory]
    [InlineData("llama", GgmlType.Q4_K)]
    [InlineData("qwen2", GgmlType.Q6_K)]
    [InlineData("mistral", GgmlType.BF16)]
    public void A_synthesized_model_loads_with_the_shape_it_was_given(string arch, GgmlType type)
    {
        var shape = Model.ReferenceForwardTests.SmallShape(arch) with { ContextLength = 128, HeadCountKv = 4 };
        using var tmp = new TempFile();
        ModelSynthesizer.Write(tmp.Path, new SynthesisOptions { Shape = shape, WeightType = type, Seed = 11 });
        using var model = LlamaModel.Load(tmp.Path);
        var c = model.Config;
        Assert.Equal((arch, 256, 2, 512, 8, 4, 320, 128), (c.Architecture, c.EmbeddingLength, c.BlockCount, c.FeedForwardLength, c.HeadCount, c.HeadCountKv, c.VocabSize, c.ContextLength));
        Assert.Equal(type, model.Weights.Layers[0].Query.Type);
        Assert.Equal(arch == "qwen2", model.Weights.Layers[0].QueryBias != null);
        Assert.True(model.HasOwnChatTemplate);
        Assert.Equal(arch == "qwen2" ? RopeStyle.NeoX : RopeStyle.Interleaved, c.RopeStyle);
    }

    [Fact]
    public void Rows_that_do_not_fit_a_k_quant_block_fall_back_to_q8_0()
    {
        var shape = Model.ReferenceForwardTests.SmallShape("llama") with { EmbeddingLength = 96, HeadCount = 4, HeadCountKv = 2, FeedForwardLength = 256 };
        using var tmp = new TempFile();
        ModelSynthesizer.Write(tmp.Path, new SynthesisOptions { Shape = shape, WeightType = GgmlType.Q4_K });
        using var file = GgufFile.Open(tmp.Path);
        Assert.Equal(GgmlType.Q8_0, file.GetTensor("blk.0.attn_q.weight").Type);      // rows of 96
        Assert.Equal(GgmlType.Q4_K, file.GetTensor("blk.0.ffn_down.weight").Type);    // rows of 256
    }

    [Fact]
    public void The_same_seed_writes_the_same_bytes_and_another_seed_does_not()
    {
        var shape = ModelShape.Named["tiny"];
        using var a = new TempFile();
        using var b = new TempFile();
        using var c = new TempFile();
        ModelSynthesizer.Write(a.Path, new SynthesisOptions { Shape = shape, WeightType = GgmlType.Q8_0, Seed = 5 });
        ModelSynthesizer.Write(b.Path, new SynthesisOptions { Shape = shape, WeightType = GgmlType.Q8_0, Seed = 5 });
        ModelSynthesizer.Write(c.Path, new SynthesisOptions { Shape = shape, WeightType = GgmlType.Q8_0, Seed = 6 });
        Assert.Equal(File.ReadAllBytes(a.Path), File.ReadAllBytes(b.Path));
        Assert.NotEqual(File.ReadAllBytes(a.Path), File.ReadAllBytes(c.Path));
    }

    [Fact]
    public void Given_weights_are_written_exactly()
    {
        var shape = ModelShape.Named["tiny"];
        var norm = Enumerable.Range(0, shape.EmbeddingLength).Select(i => i * 0.5f).ToArray();
        using var tmp = new TempFile();
        ModelSynthesizer.Write(tmp.Path, new SynthesisOptions
        {
            Shape = shape,
            WeightType = GgmlType.F32,
            Weights = (name, _) => name == "output_norm.weight" ? norm : null,
        });
        using var model = LlamaModel.Load(tmp.Path);
        Assert.Equal(norm, model.Weights.OutputNorm);
    }

    [Fact]
    public void Llama3_frequency_factors_follow_the_published_rule()
    {
        var f = ModelSynthesizer.Llama3FrequencyFactors(ModelShape.Named["llama-3.2-1b"]);
        Assert.Equal(32, f.Length);
        Assert.Equal(1f, f[0]);       // high frequencies are kept
        Assert.Equal(32f, f[^1]);     // low frequencies are divided by the factor
        Assert.True(f.Zip(f.Skip(1)).All(p => p.First <= p.Second));
    }

    [Fact]
    public void A_version_2_file_reads_like_version_3()
    {
        using var tmp = new TempFile();
        ModelSynthesizer.Write(tmp.Path, new SynthesisOptions { Shape = ModelShape.Named["tiny"], WeightType = GgmlType.F16 });
        var bytes = File.ReadAllBytes(tmp.Path);
        bytes[4] = 2; // v2 and v3 share the little-endian layout; only the version field differs
        File.WriteAllBytes(tmp.Path, bytes);
        using var model = LlamaModel.Load(tmp.Path);
        Assert.Equal(2, model.File.Version);
        Assert.Equal(ModelShape.Named["tiny"].VocabSize, model.Config.VocabSize);
    }
}

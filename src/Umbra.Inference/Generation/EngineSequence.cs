using Umbra.Inference.Model;
using Umbra.Inference.Sampling;

namespace Umbra.Inference.Generation;

/// <summary>One request inside the <see cref="BatchEngine"/>: its prompt, progress, sampler and cache blocks.</summary>
internal sealed class EngineSequence
{
    public EngineSequence(int[] prompt, int maxTokens, Sampler sampler, bool ignoreEndOfGeneration, ISequenceSink sink, CancellationToken cancellationToken)
    {
        Prompt = prompt;
        MaxTokens = maxTokens;
        Sampler = sampler;
        IgnoreEndOfGeneration = ignoreEndOfGeneration;
        Sink = sink;
        CancellationToken = cancellationToken;
    }

    public int[] Prompt { get; }
    public int MaxTokens { get; }
    public Sampler Sampler { get; }
    public bool IgnoreEndOfGeneration { get; }
    public ISequenceSink Sink { get; }
    public CancellationToken CancellationToken { get; }

    /// <summary>Completes once the engine is done with the sequence and its blocks are back (or retained).</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal KvSequence? Kv { get; set; }

    /// <summary>Prompt tokens whose keys and values are in the cache.</summary>
    internal int Prefilled { get; set; }

    internal int Generated { get; set; }

    /// <summary>The last sampled token, to be evaluated next step; −1 while prefilling.</summary>
    internal int Pending { get; set; } = -1;

    internal CancellationTokenRegistration Registration { get; set; }

    internal bool IsPrefilling => Prefilled < Prompt.Length;
}

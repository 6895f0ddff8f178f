namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>How the test provider answers a request.</summary>
internal enum ProviderBehavior
{
    /// <summary>A complete answer: several chunks for a stream, one for a whole response.</summary>
    Answer,

    /// <summary>One chunk, then nothing until the request is cancelled.</summary>
    StallAfterFirstChunk,

    /// <summary>Takes the request and never answers, until it is cancelled.</summary>
    Silent,

    /// <summary>An error before any content.</summary>
    FailBeforeContent,

    /// <summary>Refuses as a draining provider does: nothing started, safe to send elsewhere.</summary>
    Draining,
}

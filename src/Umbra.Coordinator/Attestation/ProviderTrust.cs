using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Attestation;

/// <summary>
/// What the coordinator knows of one connected provider's attestation: the last bundle that verified, the
/// trust level it earned, the posture it started with, and the last challenge. A provider is routable only
/// while its last challenge passed at or above the operator's minimum trust level.
/// </summary>
internal sealed class ProviderTrust : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private PendingChallenge? _pending;

    /// <summary>The verified bundle as the provider sent it; null until a challenge passes.</summary>
    public SignedBlob? Bundle { get; private set; }

    public string? BundleHash { get; private set; }

    /// <summary>The trust level the coordinator computed from the last verified bundle.</summary>
    public TrustLevel Level { get; private set; } = TrustLevel.None;

    public AttestationClaims? Claims { get; private set; }

    /// <summary>The platform evidence kind of the verified bundle (none, tpm2, apple-secure-enclave).</summary>
    public string? EvidenceKind { get; private set; }

    /// <summary>The posture of the first bundle that verified on this connection: a later one may not be worse.</summary>
    public Posture? Baseline { get; private set; }

    public ChallengeRecord? LastChallenge { get; private set; }

    public bool Passing => LastChallenge?.Passed == true;

    /// <summary>Starts a challenge with <paramref name="nonce"/>; the task completes with the provider's answer.</summary>
    public Task<SignedBlob> Begin(byte[] nonce)
    {
        var pending = new PendingChallenge(nonce);
        lock (_gate)
        {
            _pending?.Answer.TrySetCanceled();
            _pending = pending;
        }
        return pending.Answer.Task;
    }

    /// <summary>
    /// An attestation message from the provider: the answer to the pending challenge when the nonce matches it,
    /// or (empty nonce) a request to be challenged now because something changed (a rotated key).
    /// </summary>
    public void OnAttestation(AttestationMessage message)
    {
        if (message.Nonce.Length == 0)
        {
            RequestChallenge();
            return;
        }
        lock (_gate)
        {
            if (_pending != null && string.Equals(_pending.NonceText, message.Nonce, StringComparison.Ordinal))
            {
                _pending.Answer.TrySetResult(message.Bundle);
                _pending = null;
            }
        }
    }

    /// <summary>Wakes the challenge loop early.</summary>
    public void RequestChallenge()
    {
        try
        {
            if (_wake.CurrentCount == 0)
                _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    /// <summary>Waits for the next challenge: the interval, or an early wake-up.</summary>
    public async Task WaitForNextAsync(TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(interval, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _wake.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The interval passed.
        }
    }

    public void Pass(SignedBlob bundle, string hash, TrustLevel level, AttestationClaims claims, string evidenceKind, ChallengeRecord record)
    {
        lock (_gate)
        {
            EvidenceKind = evidenceKind;
            Bundle = bundle;
            BundleHash = hash;
            Level = level;
            Claims = claims;
            Baseline ??= claims.Posture;
            LastChallenge = record;
        }
    }

    public void Fail(ChallengeRecord record)
    {
        lock (_gate)
            LastChallenge = record;
    }

    public void Dispose() => _wake.Dispose();

    private sealed class PendingChallenge(byte[] nonce)
    {
        public string NonceText { get; } = System.Buffers.Text.Base64Url.EncodeToString(nonce);

        public TaskCompletionSource<SignedBlob> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

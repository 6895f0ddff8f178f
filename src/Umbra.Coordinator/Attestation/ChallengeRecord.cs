namespace Umbra.Coordinator.Attestation;

/// <summary>The outcome of one liveness challenge: when it was answered (or given up on), whether it passed, and why not.</summary>
internal sealed record ChallengeRecord(DateTimeOffset At, bool Passed, string Detail, double RoundTripMs);

namespace Umbra.Protocol.Attestation;

/// <summary>Collects steps as a verifier runs; the first failure ends it.</summary>
internal sealed class StepLog
{
    private readonly List<VerificationStep> _steps = [];

    public IReadOnlyList<VerificationStep> Steps => _steps;

    public string? FailureReason { get; private set; }

    public bool Failed => FailureReason is not null;

    public void Pass(string name, string detail) => _steps.Add(new VerificationStep(name, true, detail));

    /// <summary>Records a failing step; returns false so a check can end with <c>return log.Fail(...)</c>.</summary>
    public bool Fail(string name, string detail)
    {
        _steps.Add(new VerificationStep(name, false, detail));
        FailureReason ??= $"{name}: {detail}";
        return false;
    }

    public bool Record(string name, bool passed, string detail) => passed ? Passed(name, detail) : Fail(name, detail);

    private bool Passed(string name, string detail)
    {
        Pass(name, detail);
        return true;
    }
}

using System.CommandLine;
using System.Globalization;
using Umbra.Client.Verification;

namespace Umbra.Cli.Commands;

/// <summary>
/// `umbra verify`: checks a saved attestation bundle (and optionally a receipt and its MACs) offline, under the
/// user's own policy, printing every step. Exit code 0 when everything holds, 1 when something does not, 2 when
/// the command line or a named file is wrong.
/// </summary>
internal static class VerifyCommand
{
    public const int Valid = 0;
    public const int Invalid = 1;
    public const int Usage = 2;

    public static Command Create()
    {
        // Every option is a string checked here, so that a wrong value is a usage error (2), never a verdict.
        var bundle = Text("--bundle", "A bundle {\"body\",\"signature\"}, an entry of /v1/providers/attestation, or the whole list (with --provider)");
        var provider = Text("--provider", "The provider id to take from a list");
        var nonce = Text("--nonce", "The challenge (hex) the bundle must carry");
        var maxAge = Text("--max-age", "How old the bundle may be, in minutes (default 15)");
        var now = Text("--now", "Judge freshness as of this instant (ISO 8601), e.g. when the bundle was saved");
        var tpmRoots = Many("--tpm-root", "A TPM manufacturer root certificate (PEM); repeatable");
        var appleRoots = Many("--apple-root", "An Apple attestation root certificate (PEM); repeatable");
        var receipt = Text("--receipt", "A receipt: a file or the text itself, as JSON or the base64url token of X-Umbra-Receipt");
        var receiptKey = Text("--receipt-key", "The receipt MAC key (64 hex digits), e.g. from X-Umbra-Receipt-Key");
        var request = Text("--request", "The exact request body that was sealed (file), to recompute the request MAC");
        var response = Text("--response", "The opened response payloads concatenated in order (file), to recompute the response MAC");

        var cmd = new Command("verify", "Check a provider's attestation bundle, and a receipt, offline, explaining each step")
        {
            bundle, provider, nonce, maxAge, now, tpmRoots, appleRoots, receipt, receiptKey, request, response,
        };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction((r, ct) =>
        {
            OfflineCheck check;
            try
            {
                if (r.UnmatchedTokens.Count > 0)
                    throw new ArgumentException($"unexpected argument(s): {string.Join(' ', r.UnmatchedTokens)}. See umbra verify --help.");
                check = new OfflineCheck
                {
                    BundleDocument = ReadFile(r.GetValue(bundle) ?? throw new ArgumentException("--bundle FILE is required."), "--bundle"),
                    ProviderId = r.GetValue(provider),
                    ExpectedNonce = r.GetValue(nonce) is { } n ? Hex(n, "--nonce") : null,
                    MaxAge = r.GetValue(maxAge) is { } m ? Minutes(m) : TimeSpan.FromMinutes(15),
                    Now = r.GetValue(now) is { } t ? Instant(t) : null,
                    TpmRoots = PemRoots.Load(r.GetValue(tpmRoots), "--tpm-root"),
                    AppleRoots = PemRoots.Load(r.GetValue(appleRoots), "--apple-root"),
                    Receipt = r.GetValue(receipt) is { } rc ? (File.Exists(rc) ? File.ReadAllText(rc) : rc) : null,
                    ReceiptKey = r.GetValue(receiptKey) is { } k ? Hex(k, "--receipt-key") : null,
                    Request = r.GetValue(request) is { } rq ? ReadFile(rq, "--request") : null,
                    Response = r.GetValue(response) is { } rs ? ReadFile(rs, "--response") : null,
                };
                var report = OfflineVerifier.Run(check);
                Print(report);
                return Task.FromResult(report.Valid ? Valid : Invalid);
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
                return Task.FromResult(Usage);
            }
        });
        return cmd;
    }

    private static void Print(OfflineReport report)
    {
        foreach (var step in report.Steps)
            Console.WriteLine($"{(step.Passed ? "✓" : "✗")} {step.Name}: {step.Detail}");
        Console.WriteLine();
        Console.WriteLine(report.Verdict);
    }

    private static Option<string?> Text(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.ZeroOrOne };

    private static Option<string[]> Many(string name, string description) =>
        new(name) { Description = description, AllowMultipleArgumentsPerToken = false };

    private static byte[] ReadFile(string path, string option) =>
        File.Exists(path) ? File.ReadAllBytes(path) : throw new ArgumentException($"{option}: the file {path} does not exist.");

    private static byte[] Hex(string text, string option)
    {
        try
        {
            return Convert.FromHexString(text.Trim());
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{option} must be hex digits (an even number of 0-9, a-f); got '{text}'.");
        }
    }

    private static TimeSpan Minutes(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0 && minutes <= TimeSpan.MaxValue.TotalMinutes / 2
            ? TimeSpan.FromMinutes(minutes)
            : throw new ArgumentException($"--max-age must be a positive number of minutes; got '{text}'.");

    private static DateTimeOffset Instant(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new ArgumentException($"--now must be an ISO 8601 instant such as 2026-01-31T12:00:00Z; got '{text}'.");
}

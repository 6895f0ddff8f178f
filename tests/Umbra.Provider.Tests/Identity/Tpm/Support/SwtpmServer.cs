using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Umbra.Provider.Identity.Tpm;

namespace Umbra.Provider.Tests.Identity.Tpm.Support;

/// <summary>
/// A real software TPM for the tests: a fresh state directory provisioned by swtpm_setup (EK plus EK and
/// platform certificates from swtpm's local CA, configured inside the directory so nothing under /etc or
/// /var is touched), then `swtpm socket` on free loopback ports. Stopped and deleted on dispose.
/// Without swtpm the tests are skipped, except under CI=true, where they fail and say why.
/// </summary>
public sealed class SwtpmServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string? _directory;
    private readonly Process? _process;

    public SwtpmServer()
    {
        // Skipped tests still construct their collection's fixture: start nothing then.
        if (SkipReason is not null)
        {
            SetupLog = "";
            return;
        }
        if (FindTool("swtpm") is not { } swtpm || FindTool("swtpm_setup") is not { } setup)
            throw new InvalidOperationException(
                "swtpm is not installed, and with CI=true the TPM tests must run, not be skipped: install Debian's swtpm and swtpm-tools packages (.ci/run does).");
        _directory = Directory.CreateTempSubdirectory("umbra-swtpm-").FullName;
        string state = Path.Combine(_directory, "state");
        Directory.CreateDirectory(state);
        SetupLog = Provision(setup, state);
        _process = Start(swtpm, state);
    }

    public static bool IsInstalled => FindTool("swtpm") is not null && FindTool("swtpm_setup") is not null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when the swtpm tests should run (and, under CI, fail loudly if they cannot).</summary>
    public static string? SkipReason => !IsInstalled && !IsCi
        ? "The TPM tests need swtpm and swtpm_setup on PATH (Debian: apt-get install swtpm swtpm-tools; .ci/run installs them)."
        : null;

    /// <summary>The data socket, host:port.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Whether swtpm_setup wrote the EK certificate into NV (it falls back to an EK without one).</summary>
    public bool EkCertificateProvisioned { get; private set; }

    /// <summary>The local CA's root certificate (PEM), when provisioned.</summary>
    public string? LocalCaRootPem { get; private set; }

    /// <summary>The local CA's intermediate that signed the EK certificate (PEM), when provisioned.</summary>
    public string? LocalCaIssuerPem { get; private set; }

    public string SetupLog { get; }

    public TpmOptions Options(IReadOnlyList<int>? pcrs = null) =>
        new() { SwtpmEndpoint = Endpoint, Pcrs = pcrs ?? [0, 1, 2, 3, 4, 5, 6, 7] };

    private string Provision(string setup, string state)
    {
        // swtpm_localca reads its CA locations from a config file; point it at a CA inside the test directory.
        string ca = Path.Combine(_directory!, "ca");
        Directory.CreateDirectory(ca);
        string localcaConf = Path.Combine(ca, "swtpm-localca.conf");
        string localcaOptions = Path.Combine(ca, "swtpm-localca.options");
        string setupConf = Path.Combine(ca, "swtpm_setup.conf");
        File.WriteAllText(localcaConf,
            $"statedir = {ca}\nsigningkey = {ca}/signkey.pem\nissuercert = {ca}/issuercert.pem\ncertserial = {ca}/certserial\n");
        File.WriteAllText(localcaOptions, "--platform-manufacturer Umbra\n--platform-version 2.1\n--platform-model swtpm\n");
        string? localca = FindTool("swtpm_localca");
        File.WriteAllText(setupConf,
            $"create_certs_tool = {localca ?? "/usr/bin/swtpm_localca"}\ncreate_certs_tool_config = {localcaConf}\n" +
            $"create_certs_tool_options = {localcaOptions}\nactive_pcr_banks = sha256\n");

        var (code, log) = Run(setup, ["--tpm2", "--tpmstate", state, "--create-ek-cert", "--create-platform-cert",
            "--overwrite", "--config", setupConf]);
        if (code == 0)
        {
            EkCertificateProvisioned = true;
            string root = Path.Combine(ca, "swtpm-localca-rootca-cert.pem");
            LocalCaRootPem = File.Exists(root) ? File.ReadAllText(root) : null;
            string issuer = Path.Combine(ca, "issuercert.pem");
            LocalCaIssuerPem = File.Exists(issuer) ? File.ReadAllText(issuer) : null;
            return log;
        }
        // Certificates are a nicety for these tests: provision the EK alone rather than give up.
        var (plainCode, plainLog) = Run(setup, ["--tpm2", "--tpmstate", state, "--createek", "--overwrite", "--config", setupConf]);
        if (plainCode != 0)
            throw new InvalidOperationException($"swtpm_setup failed:\n{log}\n{plainLog}");
        return log + plainLog;
    }

    private Process Start(string swtpm, string state)
    {
        string lastLog = "";
        for (int attempt = 0; attempt < 5; attempt++)
        {
            int port = FreePort(), control = FreePort();
            var info = new ProcessStartInfo(swtpm)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[]
            {
                "socket", "--tpm2",
                "--server", $"type=tcp,port={port},bindaddr=127.0.0.1",
                "--ctrl", $"type=tcp,port={control},bindaddr=127.0.0.1",
                "--tpmstate", $"dir={state}",
                "--flags", "not-need-init,startup-clear",
            })
            {
                info.ArgumentList.Add(arg);
            }
            var process = Process.Start(info)!;
            var output = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow + StartTimeout;
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                if (Accepts(port))
                {
                    Endpoint = $"127.0.0.1:{port}";
                    return process;
                }
                Thread.Sleep(50);
            }
            // Most likely another process took a port between FreePort and the bind: try others.
            if (!process.HasExited)
                process.Kill();
            process.WaitForExit();
            lock (output)
                lastLog = output.ToString();
            process.Dispose();
        }
        throw new InvalidOperationException($"swtpm did not start listening:\n{lastLog}");
    }

    private static bool Accepts(int port)
    {
        // swtpm serves one data connection at a time; this probe closes at once, freeing the slot.
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static (int Code, string Output) Run(string tool, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} did not finish within 120 s.");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }

    private static string? FindTool(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin"]))
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path))
                return path;
        }
        return null;
    }

    public void Dispose()
    {
        if (_process is null)
            return;
        try
        {
            if (!_process.HasExited)
                _process.Kill();
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One swtpm for all the TPM tests, which run one after another (swtpm serves one connection at a time).</summary>
[CollectionDefinition(Name)]
public sealed class SwtpmCollection : ICollectionFixture<SwtpmServer>
{
    public const string Name = "swtpm";
}

/// <summary>A test that needs swtpm: skipped without it, unless CI=true (xunit 2 decides skips at discovery).</summary>
public sealed class SwtpmFactAttribute : FactAttribute
{
    public SwtpmFactAttribute() => Skip = SwtpmServer.SkipReason;
}

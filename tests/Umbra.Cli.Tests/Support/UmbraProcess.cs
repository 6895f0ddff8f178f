using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Umbra.Cli.Tests.Support;

/// <summary>
/// A running `umbra` child process. Both output streams are drained as they come (a full pipe would stall the
/// child) and kept whole; stdout is also offered line by line, to wait for a server's start-up line. Disposing
/// kills the whole process tree if it is still running, so a failed test never leaves a server behind.
/// </summary>
internal sealed class UmbraProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<string> _stdoutLines = Channel.CreateUnbounded<string>();
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly Task _pumps;

    private UmbraProcess(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput, _stdout, _stdoutLines.Writer),
            PumpAsync(process.StandardError, _stderr, null));
    }

    public static UmbraProcess Start(TempDirectory home, params string[] args)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (PosixSignals.InterruptIgnoredHere() && File.Exists("/usr/bin/env"))
        {
            // Undo an inherited "ignore SIGINT" (see PosixSignals) in the child only; env then execs dotnet in place.
            start.FileName = "/usr/bin/env";
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(UmbraExecutable.DotnetHost);
        }
        else
        {
            start.FileName = UmbraExecutable.DotnetHost;
        }
        start.ArgumentList.Add(UmbraExecutable.Path);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["UMBRA_HOME"] = home.Path;

        var process = Process.Start(start) ?? throw new InvalidOperationException("umbra did not start.");
        // Nothing is ever typed into it: a closed stdin makes a command that waited for input fail instead of hang.
        process.StandardInput.Close();
        return new UmbraProcess(process);
    }

    /// <summary>Reads stdout lines until one matches; fails with everything the process wrote if it exits or times out first.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _stdoutLines.Reader.ReadAllAsync(cts.Token))
            {
                var match = pattern.Match(line);
                if (match.Success) return match;
            }
            // Stdout closed: the process is exiting; wait for it so the failure shows its exit code and all its output.
            await _process.WaitForExitAsync(cts.Token);
            await _pumps.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Kill();
            throw new TimeoutException($"No stdout line matched /{pattern}/ within {timeout.TotalSeconds} s.\n{Snapshot()}");
        }
        throw new InvalidOperationException($"umbra exited with {_process.ExitCode} before printing a line that matched /{pattern}/.\n{Snapshot()}");
    }

    public void Signal(int signal) => PosixSignals.Send(_process.Id, signal);

    public bool HasExited => _process.HasExited;

    /// <summary>Everything written to stdout so far (lines a test waited for included).</summary>
    public string Stdout
    {
        get
        {
            lock (_lock)
                return _stdout.ToString();
        }
    }

    /// <summary>Waits for the process to exit and for its output to be read to the end; kills it on timeout.</summary>
    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await _pumps.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Kill();
            throw new TimeoutException($"umbra did not exit within {timeout.TotalSeconds} s and was killed.\n{Snapshot()}");
        }
        lock (_lock)
            return new CliResult(_process.ExitCode, _stdout.ToString(), _stderr.ToString(), _watch.Elapsed);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited in between.
        }
    }

    private string Snapshot()
    {
        lock (_lock)
            return $"--- stdout ---\n{_stdout}\n--- stderr ---\n{_stderr}";
    }

    private async Task PumpAsync(StreamReader reader, StringBuilder all, ChannelWriter<string>? lines)
    {
        var buffer = new char[4096];
        var line = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_lock) all.Append(buffer, 0, read);
            if (lines is null) continue;
            foreach (char c in buffer.AsSpan(0, read))
            {
                if (c == '\n')
                {
                    lines.TryWrite(line.ToString());
                    line.Clear();
                }
                else if (c != '\r')
                {
                    line.Append(c);
                }
            }
        }
        if (line.Length > 0) lines?.TryWrite(line.ToString());
        lines?.TryComplete();
    }
}

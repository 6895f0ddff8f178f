using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Umbra.Protocol.Tests.Interop;

/// <summary>
/// Drives @hpke/core, an HPKE implementation no one on this project wrote, through tests/interop/hpke.mjs:
/// one JSON command in on stdin, one JSON result out. `.ci/run` installs it with `npm ci --prefix tests/interop`.
/// </summary>
internal static class NodeHpke
{
    private static readonly Lazy<string> Script = new(FindScript);

    public static JsonObject Run(JsonObject command)
    {
        var start = new ProcessStartInfo("node", [Script.Value])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Script.Value)!,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        process.StandardInput.Write(command.ToJsonString());
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("node did not answer within 30 s.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"@hpke/core failed ({process.ExitCode}): {stderr.Result}");
        return JsonNode.Parse(stdout.Result)!.AsObject();
    }

    public static string B64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes);

    public static byte[] Bytes(JsonObject o, string name) => Convert.FromBase64String(o[name]!.GetValue<string>());

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Umbra.slnx"))) continue;
            var interop = Path.Combine(dir.FullName, "tests", "interop");
            if (!Directory.Exists(Path.Combine(interop, "node_modules", "@hpke", "core")))
                throw new InvalidOperationException($"@hpke/core is not installed: run `npm ci --prefix tests/interop` in the repository root ({interop}).");
            return Path.Combine(interop, "hpke.mjs");
        }
        throw new DirectoryNotFoundException("Repository root (Umbra.slnx) not found.");
    }
}

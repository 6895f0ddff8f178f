using Umbra.Protocol.Attestation;
using Umbra.Provider.Hardening;

namespace Umbra.Provider.Tests.Hardening;

public class PostureTests
{
    [Fact]
    public void Every_reading_uses_the_spec_vocabulary_sorted_by_name()
    {
        var posture = PostureProbe.Read();
        Assert.Equal(PostureVocabulary.Names, posture.Select(p => p.Name));
        Assert.All(posture, p => Assert.True(PostureVocabulary.IsKnown(p.Name, p.Value), p.ToString()));
    }

    [Fact]
    public void Reading_twice_gives_the_same_posture()
    {
        Assert.Equal(PostureProbe.Read(), PostureProbe.Read());
    }

    [Fact]
    public void The_summary_names_every_item()
    {
        var posture = PostureProbe.Read();
        string summary = PostureProbe.Summarize(posture);
        Assert.All(posture, p => Assert.Contains($"{p.Name}={p.Value}", summary, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Name:\tdotnet\nState:\tS (sleeping)\nTracerPid:\t0\nUid:\t0\t0\t0\t0\n", 0)]
    [InlineData("Name:\tdotnet\nTracerPid:\t4242\n", 4242)]
    [InlineData("TracerPid:   17  \n", 17)]
    [InlineData("Name:\tdotnet\nState:\tS\n", null)]
    [InlineData("TracerPid:\tx\n", null)]
    [InlineData("TracerPid:\t-1\n", null)]
    public void TracerPid_is_parsed_from_status_text(string status, int? expected)
    {
        Assert.Equal(expected, PostureProbe.ParseTracerPid(status));
    }

    [Theory]
    [InlineData("[none] integrity confidentiality\n", "none")]
    [InlineData("none [integrity] confidentiality\n", "integrity")]
    [InlineData("none integrity [confidentiality]\n", "confidentiality")]
    [InlineData("none integrity confidentiality\n", "unknown")]
    [InlineData("[something-new]\n", "unknown")]
    [InlineData("", "unknown")]
    [InlineData(null, "unknown")]
    public void Lockdown_is_the_bracketed_word(string? text, string expected)
    {
        Assert.Equal(expected, PostureProbe.ParseLockdown(text));
    }

    [Theory]
    [InlineData(new byte[] { 0x06, 0, 0, 0, 1 }, "enabled")]
    [InlineData(new byte[] { 0x06, 0, 0, 0, 0 }, "disabled")]
    [InlineData(new byte[] { 0x06, 0, 0, 0, 7 }, "unknown")]
    [InlineData(new byte[] { 0x06, 0, 0, 0 }, "unknown")]
    [InlineData(new byte[0], "unknown")]
    [InlineData(null, "unknown")]
    public void Secure_boot_is_the_byte_after_the_attributes(byte[]? variable, string expected)
    {
        Assert.Equal(expected, PostureProbe.ParseSecureBoot(variable));
    }

    [Fact]
    public void A_missing_file_reads_as_unknown()
    {
        string missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "lockdown");
        Assert.Equal("unknown", PostureProbe.ParseLockdown(PostureProbe.TryReadText(missing)));
    }

    [Fact]
    public void Environment_is_dirty_scrubbed_or_clean()
    {
        Assert.Equal("dirty", PostureProbe.ClassifyEnvironment(new Dictionary<string, string> { ["LD_PRELOAD"] = "x", [DangerousEnvironment.MarkerVariable] = "7" }, 7));
        Assert.Equal("scrubbed", PostureProbe.ClassifyEnvironment(new Dictionary<string, string> { [DangerousEnvironment.MarkerVariable] = "7" }, 7));
        Assert.Equal("clean", PostureProbe.ClassifyEnvironment(new Dictionary<string, string> { [DangerousEnvironment.MarkerVariable] = "8" }, 7));
        Assert.Equal("clean", PostureProbe.ClassifyEnvironment(new Dictionary<string, string> { ["PATH"] = "/bin" }, 7));
    }

    [Fact]
    public void Diagnostics_are_off_with_the_master_switch_or_all_three_net8_switches()
    {
        Assert.True(DangerousEnvironment.DiagnosticsDisabled(new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" }));
        Assert.False(DangerousEnvironment.DiagnosticsDisabled(new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "1", ["COMPlus_EnableDiagnostics"] = "0" }));
        Assert.True(DangerousEnvironment.DiagnosticsDisabled(new Dictionary<string, string> { ["COMPlus_EnableDiagnostics"] = "0" }));
        Assert.True(DangerousEnvironment.DiagnosticsDisabled(new Dictionary<string, string>
        {
            ["DOTNET_EnableDiagnostics_IPC"] = "0", ["DOTNET_EnableDiagnostics_Debugger"] = "0", ["DOTNET_EnableDiagnostics_Profiler"] = "0",
        }));
        Assert.False(DangerousEnvironment.DiagnosticsDisabled(new Dictionary<string, string> { ["DOTNET_EnableDiagnostics_IPC"] = "0" }));
        Assert.False(DangerousEnvironment.DiagnosticsDisabled(new Dictionary<string, string>()));
    }
}

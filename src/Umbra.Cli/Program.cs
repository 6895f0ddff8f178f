using System.CommandLine;
using Umbra.Cli.Commands;
using Umbra.Provider.Hardening;

// A provider holds keys that open consumers' prompts: before anything else runs, drop a dangerous environment
// (LD_PRELOAD, startup hooks, profilers) by re-executing without it, then turn off core dumps and ptrace.
if (args.Length > 0 && args[0] is "provider" or "up")
{
    ProcessHardening.ReexecIfNeeded(args);
    ProcessHardening.Apply();
}

var root = new RootCommand("Umbra: private inference on open-weight models.")
{
    RunCommand.Create(),
    ServeCommand.Create(),
    ProviderCommand.Create(),
    ModelCommands.Create(),
    BenchCommand.Create(),
    ProxyCommand.Create(),
    CoordinatorCommand.Create(),
    KeysCommand.Create(),
    VerifyCommand.Create(),
    UpCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

using System.CommandLine;
using Umbra.Cli.Commands;

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
    UpCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

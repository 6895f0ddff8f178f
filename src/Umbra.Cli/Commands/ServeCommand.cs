using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Umbra.Inference.Model;
using Umbra.Serving.Hosting;

namespace Umbra.Cli.Commands;

/// <summary>`umbra serve`: an OpenAI-compatible server for one model, on loopback unless told otherwise.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo?>("--model", "-m") { Description = "Path to a GGUF model (default: a small random-weight demo model, made on first use)" };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one)", DefaultValueFactory = _ => 8080 };
        var id = new Option<string?>("--model-id") { Description = "Model name clients use (default: the file name)" };
        var ctx = new Option<int?>("--ctx-size") { Description = "Context length (default: the model's, at most 4096)" };
        var verbose = new Option<bool>("--verbose") { Description = "Log requests (never their content)" };
        var noWarmUp = WarmUp.NoWarmUpOption();

        var cmd = new Command("serve", "Serve a model with an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models)")
        {
            model, host, port, id, ctx, verbose, noWarmUp,
        };
        cmd.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            var address = CommandHost.ParseHost(r.GetValue(host));
            if (r.GetValue(port) is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
                throw new ArgumentException($"--port must be between {IPEndPoint.MinPort} and {IPEndPoint.MaxPort}; got {r.GetValue(port)}.");
            string path = r.GetValue(model)?.FullName ?? DemoModel.EnsureExists();
            using var m = LlamaModel.Load(path);
            using var served = new ServedModel(m, r.GetValue(id), r.GetValue(ctx) ?? Math.Min(m.Config.ContextLength, 4096));
            if (!r.GetValue(noWarmUp))
                WarmUp.Print(await served.Generator.WarmUpAsync(ct).ConfigureAwait(false), served.Id);
            var app = LocalServer.Build(served, address, r.GetValue(port), r.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning);
            await app.StartAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"Serving '{served.Id}' ({m.Config.Architecture}, context {served.Generator.ContextLength}) at {LocalServer.BaseAddress(app)}v1");
            Console.WriteLine("Press Ctrl+C to stop.");
            await CommandHost.WaitForShutdownAsync(ct).ConfigureAwait(false);
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            return 0;
        }));
        return cmd;
    }
}

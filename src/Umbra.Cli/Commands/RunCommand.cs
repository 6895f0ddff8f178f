using System.CommandLine;
using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Templates;

namespace Umbra.Cli.Commands;

/// <summary>`umbra run`: generate from a prompt and stream the text to the terminal.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "Path to a GGUF model", Required = true };
        var prompt = new Option<string>("--prompt", "-p") { Description = "The prompt", Required = true };
        var chat = new Option<bool>("--chat") { Description = "Wrap the prompt as a user message in the model's chat template" };
        var system = new Option<string?>("--system") { Description = "System message (with --chat)" };
        var maxTokens = new Option<int?>("--max-tokens", "-n") { Description = "Most tokens to generate (default 256)" };
        var stop = new Option<string[]>("--stop") { Description = "Stop sequence (repeatable, up to 4)", AllowMultipleArgumentsPerToken = false };
        var ctx = new Option<int?>("--ctx-size") { Description = "Context length (default: the model's, at most 4096)" };
        var sampling = new SamplingArguments();

        var cmd = new Command("run", "Generate text from a prompt and stream it to the terminal") { model, prompt, chat, system, maxTokens, stop, ctx };
        sampling.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            if (r.GetValue(maxTokens) is int n) CliErrors.AtLeastOne(n, "--max-tokens");
            using var m = LlamaModel.Load(r.GetValue(model)!.FullName);
            using var generator = new TextGenerator(m, r.GetValue(ctx) ?? Math.Min(m.Config.ContextLength, 4096));
            string text = r.GetValue(prompt)!;
            int[] tokens;
            if (r.GetValue(chat))
            {
                var messages = new List<ChatMessage>();
                if (r.GetValue(system) is string s) messages.Add(new ChatMessage("system", s));
                messages.Add(new ChatMessage("user", text));
                tokens = PromptBuilder.ForChat(m, messages);
            }
            else
            {
                tokens = PromptBuilder.ForCompletion(m, text);
            }
            var request = new GenerationRequest
            {
                PromptTokens = tokens,
                // At least 1, so that a prompt that fills the context is reported as too long rather than as "max_tokens 0".
                MaxTokens = r.GetValue(maxTokens) ?? Math.Clamp(generator.ContextLength - tokens.Length, 1, 256),
                Sampling = sampling.Read(r),
                Stop = r.GetValue(stop) ?? [],
            };
            // Check the request before echoing the prompt, so an error is not glued to the end of the prompt text.
            generator.ResolveMaxTokens(request);
            if (!r.GetValue(chat)) Console.Write(text);
            await foreach (var u in generator.GenerateAsync(request, ct).ConfigureAwait(false))
                Console.Write(u.Text);
            Console.WriteLine();
            return 0;
        }));
        return cmd;
    }
}

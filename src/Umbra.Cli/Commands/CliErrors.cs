using Umbra.Inference.Gguf;
using Umbra.Inference.Model;
using Umbra.Inference.Templates;

namespace Umbra.Cli.Commands;

/// <summary>Turns the failures a user can fix into one clear line on stderr and exit code 1, instead of a stack trace.</summary>
internal static class CliErrors
{
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is GgufFormatException or ModelLoadException or TemplateException or FileNotFoundException
            or ContextLengthExceededException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}

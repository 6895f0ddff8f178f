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
        catch (Exception e) when (e is GgufFormatException or ModelLoadException or TemplateException or FileNotFoundException or Coordinator.Store.StoreException
            or ContextLengthExceededException or ArgumentException or IOException or UnauthorizedAccessException
            or Provider.Identity.Tpm.TpmException or Provider.Identity.SecureEnclave.SecureEnclaveException or PlatformNotSupportedException
            or Protocol.Attestation.AttestationException)
        {
            await Console.Error.WriteLineAsync($"error: {OneLine(e)}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    /// <summary>Checks a count option up front, naming it, rather than leaving the engine to reject it by its own parameter name.</summary>
    public static int AtLeastOne(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} must be at least 1; got {value}.");

    /// <summary>
    /// The message without what .NET adds to an ArgumentException: " (Parameter 'name')" and, for a value out of
    /// range, a second line. Both name a variable in the code, not an option the user typed.
    /// </summary>
    private static string OneLine(Exception e)
    {
        string message = e.Message.ReplaceLineEndings("\n").Split('\n')[0];
        if (e is ArgumentException { ParamName: { Length: > 0 } name })
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        return message;
    }
}

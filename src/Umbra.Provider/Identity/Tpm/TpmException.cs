namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// A TPM command that failed: the TPM answered with an error code, the answer was malformed, or the TPM could
/// not be reached. <see cref="CommandName"/> names the command (TPM2_Quote...), and <see cref="ResponseCode"/>
/// holds the TPM_RC when the TPM itself refused it.
/// </summary>
public sealed class TpmException : Exception
{
    public TpmException()
    {
    }

    public TpmException(string message) : base(message)
    {
    }

    public TpmException(string message, Exception inner) : base(message, inner)
    {
    }

    public TpmException(string message, string commandName, uint? responseCode = null, Exception? inner = null)
        : base(message, inner)
    {
        CommandName = commandName;
        ResponseCode = responseCode;
    }

    /// <summary>The command that failed, e.g. "TPM2_Quote"; empty when the failure is not tied to one command.</summary>
    public string CommandName { get; } = "";

    /// <summary>The TPM_RC the TPM answered with, or null when the failure was not a TPM error code.</summary>
    public uint? ResponseCode { get; }

    internal static TpmException FromResponseCode(string commandName, uint responseCode) =>
        new($"{commandName} failed: {TpmResponseCodes.Describe(responseCode)}", commandName, responseCode);

    internal static TpmException Malformed(string commandName, string problem) =>
        new($"The TPM's response to {commandName} is malformed: {problem}.", commandName);
}

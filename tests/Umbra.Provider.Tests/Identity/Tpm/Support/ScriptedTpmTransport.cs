using Umbra.Provider.Identity.Tpm;

namespace Umbra.Provider.Tests.Identity.Tpm.Support;

/// <summary>A test double of the TPM transport: answers each command with the next scripted response.</summary>
internal sealed class ScriptedTpmTransport(params byte[][] responses) : ITpmTransport
{
    private readonly Queue<byte[]> _responses = new(responses);

    public List<byte[]> Commands { get; } = [];

    public bool Disposed { get; private set; }

    public byte[] Transmit(ReadOnlySpan<byte> command, string commandName, CancellationToken cancellationToken)
    {
        Commands.Add(command.ToArray());
        return _responses.TryDequeue(out var response)
            ? response
            : throw new TpmException($"{commandName}: the script has no more responses.", commandName);
    }

    public void Dispose() => Disposed = true;
}

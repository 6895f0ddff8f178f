namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// A TPM character device (/dev/tpmrm0, the kernel's resource-managed interface): a command is one write(),
/// its response one read(). The kernel driver runs the command inside write() and bounds its duration with
/// the TPM's own command timeouts, so cancellation is checked between commands, not inside one.
/// </summary>
internal sealed class TpmDeviceTransport : ITpmTransport
{
    private readonly FileStream _device;
    private readonly string _path;

    private TpmDeviceTransport(FileStream device, string path)
    {
        _device = device;
        _path = path;
    }

    public static TpmDeviceTransport Open(string path)
    {
        try
        {
            // No buffering: each Write must be exactly one write() of the whole command.
            var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
            return new TpmDeviceTransport(stream, path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new TpmException(
                $"Permission denied opening the TPM device {path}: run the provider as a user in the device's group " +
                "(usually 'tss': sudo usermod -aG tss <user>, then log in again), see docs/TPM.md.", "open", inner: e);
        }
        catch (Exception e) when (e is IOException or NotSupportedException)
        {
            throw new TpmException($"Cannot open the TPM device {path}: {e.Message}", "open", inner: e);
        }
    }

    public byte[] Transmit(ReadOnlySpan<byte> command, string commandName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // One byte more than the limit, so that a response over the limit is seen rather than cut short.
        var buffer = new byte[TpmTransportLimits.MaxResponseSize + 1];
        int read;
        try
        {
            _device.Write(command);
            read = _device.Read(buffer);
        }
        catch (IOException e)
        {
            throw new TpmException($"{commandName}: the TPM device {_path} failed: {e.Message}", commandName, inner: e);
        }
        if (read > TpmTransportLimits.MaxResponseSize)
            throw TpmException.Malformed(commandName, $"it is longer than the {TpmTransportLimits.MaxResponseSize} bytes a TPM response may have");
        return buffer.AsSpan(0, read).ToArray();
    }

    public void Dispose() => _device.Dispose();
}

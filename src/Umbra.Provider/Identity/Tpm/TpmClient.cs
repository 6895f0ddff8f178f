namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// Sends TPM 2.0 commands over a transport and checks every response: the header (tag, size, response code),
/// the handle area, the parameter area and the authorization area, with strict lengths. A TPM error becomes a
/// <see cref="TpmException"/> with the command's name and the decoded TPM_RC. Not thread-safe: the caller
/// serialises commands (the TPM runs one at a time anyway).
/// </summary>
internal sealed partial class TpmClient : IDisposable
{
    private const int MaxRetries = 5;

    private readonly ITpmTransport _transport;

    public TpmClient(ITpmTransport transport)
    {
        _transport = transport;
    }

    /// <summary>A successful response's handles and parameter area.</summary>
    internal sealed record Response(uint[] Handles, byte[] Parameters);

    /// <summary>
    /// Runs one command. <paramref name="authorizedHandles"/> of the <paramref name="handles"/> (the first ones)
    /// get a password session with empty auth (TPM_RS_PW); the TPM answers with
    /// <paramref name="responseHandles"/> handles before the parameters.
    /// </summary>
    public Response Execute(
        string name, uint commandCode, ReadOnlySpan<uint> handles, int authorizedHandles, Action<TpmWriter>? parameters,
        int responseHandles, CancellationToken cancellationToken)
    {
        var writer = new TpmWriter();
        writer.WriteU16(authorizedHandles > 0 ? TpmSt.Sessions : TpmSt.NoSessions);
        writer.WriteU32(0); // commandSize, patched below
        writer.WriteU32(commandCode);
        foreach (uint handle in handles)
            writer.WriteU32(handle);
        if (authorizedHandles > 0)
        {
            // TPMS_AUTH_COMMAND: sessionHandle, nonceCaller (empty), sessionAttributes (continueSession), hmac (empty password).
            writer.WriteU32((uint)(9 * authorizedHandles));
            for (int i = 0; i < authorizedHandles; i++)
            {
                writer.WriteU32(TpmRh.PasswordSession);
                writer.WriteU16(0);
                writer.WriteU8(0x01);
                writer.WriteU16(0);
            }
        }
        parameters?.Invoke(writer);
        writer.PatchU32(2, (uint)writer.Length);
        byte[] command = writer.Written.ToArray();

        for (int attempt = 0; ; attempt++)
        {
            byte[] response = _transport.Transmit(command, name, cancellationToken);
            uint rc = ReadResponseCode(response, name);
            if (rc is TpmResponseCodes.Retry or TpmResponseCodes.Yielded or TpmResponseCodes.Testing && attempt < MaxRetries)
            {
                // Warnings that ask the caller to send the same command again shortly.
                cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(20 << attempt));
                cancellationToken.ThrowIfCancellationRequested();
                continue;
            }
            if (rc != TpmResponseCodes.Success)
                throw TpmException.FromResponseCode(name, rc);
            return Parse(response, name, authorizedHandles, responseHandles);
        }
    }

    private static uint ReadResponseCode(byte[] response, string name)
    {
        var reader = new TpmReader(response, name);
        ushort tag = reader.ReadU16("the response tag");
        uint size = reader.ReadU32("the response size");
        uint rc = reader.ReadU32("the response code");
        if (tag is not (TpmSt.NoSessions or TpmSt.Sessions))
            throw reader.Fail($"the response tag is 0x{tag:X4}, not TPM_ST_NO_SESSIONS or TPM_ST_SESSIONS");
        if (size != response.Length)
            throw reader.Fail($"its header states {size} bytes but {response.Length} arrived");
        if (rc != TpmResponseCodes.Success && response.Length != TpmTransportLimits.HeaderSize)
            throw reader.Fail($"an error response (0x{rc:X8}) carries {response.Length - TpmTransportLimits.HeaderSize} bytes after the header");
        return rc;
    }

    private static Response Parse(byte[] response, string name, int sessions, int responseHandles)
    {
        var reader = new TpmReader(response, name);
        ushort tag = reader.ReadU16("the response tag");
        reader.ReadU32("the response size");
        reader.ReadU32("the response code");
        ushort expectedTag = sessions > 0 ? TpmSt.Sessions : TpmSt.NoSessions;
        if (tag != expectedTag)
            throw reader.Fail($"the response tag is 0x{tag:X4} where 0x{expectedTag:X4} was expected");
        var handles = new uint[responseHandles];
        for (int i = 0; i < handles.Length; i++)
            handles[i] = reader.ReadU32("a response handle");
        byte[] parameters;
        if (sessions > 0)
        {
            uint parameterSize = reader.ReadU32("the parameter size");
            if (parameterSize > reader.Remaining)
                throw reader.Fail($"the parameter size {parameterSize} exceeds the {reader.Remaining} bytes left");
            parameters = reader.ReadBytes((int)parameterSize, "the parameters").ToArray();
            for (int i = 0; i < sessions; i++)
            {
                // TPMS_AUTH_RESPONSE: nonceTPM, sessionAttributes, hmac (empty for a password session).
                reader.ReadSized("a session's nonce");
                reader.ReadU8("a session's attributes");
                reader.ReadSized("a session's acknowledgement");
            }
            reader.ExpectEnd("the authorization area");
        }
        else
        {
            parameters = reader.ReadBytes(reader.Remaining, "the parameters").ToArray();
        }
        return new Response(handles, parameters);
    }

    public void Dispose() => _transport.Dispose();
}

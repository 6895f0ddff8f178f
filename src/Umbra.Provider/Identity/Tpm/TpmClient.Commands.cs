namespace Umbra.Provider.Identity.Tpm;

/// <summary>The commands, one method each, marshaled per TPM 2.0 Library Part 3.</summary>
internal sealed partial class TpmClient
{
    /// <summary>A key created under a parent: the wrapped private part (TPM2B_PRIVATE buffer) and its TPMT_PUBLIC.</summary>
    internal sealed record CreatedKey(byte[] Private, byte[] Public);

    /// <summary>A TPM-signed structure: the TPMS_ATTEST bytes and the TPMT_SIGNATURE as marshaled.</summary>
    internal sealed record SignedAttest(byte[] Attest, byte[] Signature);

    /// <summary>TPM2_CreatePrimary under the owner hierarchy; returns the handle and the TPMT_PUBLIC.</summary>
    public (uint Handle, byte[] Public) CreatePrimary(byte[] template, CancellationToken cancellationToken)
    {
        const string name = "TPM2_CreatePrimary";
        var response = Execute(name, TpmCc.CreatePrimary, [TpmRh.Owner], 1, w => WriteCreateParameters(w, template), 1, cancellationToken);
        var r = new TpmReader(response.Parameters, name);
        byte[] outPublic = r.ReadSized("outPublic").ToArray();
        r.ReadSized("creationData");
        r.ReadSized("creationHash");
        ReadTicket(ref r, "creationTicket");
        r.ReadSized("name");
        r.ExpectEnd("the parameters");
        return (response.Handles[0], outPublic);
    }

    /// <summary>TPM2_Create: a new key under <paramref name="parent"/>, returned wrapped (not loaded).</summary>
    public CreatedKey Create(uint parent, byte[] template, CancellationToken cancellationToken)
    {
        const string name = "TPM2_Create";
        var response = Execute(name, TpmCc.Create, [parent], 1, w => WriteCreateParameters(w, template), 0, cancellationToken);
        var r = new TpmReader(response.Parameters, name);
        byte[] outPrivate = r.ReadSized("outPrivate").ToArray();
        byte[] outPublic = r.ReadSized("outPublic").ToArray();
        r.ReadSized("creationData");
        r.ReadSized("creationHash");
        ReadTicket(ref r, "creationTicket");
        r.ExpectEnd("the parameters");
        return new CreatedKey(outPrivate, outPublic);
    }

    /// <summary>TPM2_Load: loads a wrapped key under <paramref name="parent"/>; returns its transient handle.</summary>
    public uint Load(uint parent, CreatedKey key, CancellationToken cancellationToken)
    {
        const string name = "TPM2_Load";
        var response = Execute(name, TpmCc.Load, [parent], 1, w =>
        {
            w.WriteSized(key.Private);
            w.WriteSized(key.Public);
        }, 1, cancellationToken);
        var r = new TpmReader(response.Parameters, name);
        r.ReadSized("name");
        r.ExpectEnd("the parameters");
        return response.Handles[0];
    }

    /// <summary>TPM2_Quote of the SHA-256 PCRs <paramref name="pcrs"/>, signed by the key's own scheme.</summary>
    public SignedAttest Quote(uint signHandle, ReadOnlySpan<byte> qualifyingData, IReadOnlyList<int> pcrs, CancellationToken cancellationToken)
    {
        const string name = "TPM2_Quote";
        byte[] data = qualifyingData.ToArray();
        var response = Execute(name, TpmCc.Quote, [signHandle], 1, w =>
        {
            w.WriteSized(data);
            w.WriteU16(TpmAlg.Null); // inScheme: the key's scheme (ECDSA-SHA256)
            TpmPcrSelection.Write(w, pcrs);
        }, 0, cancellationToken);
        return ReadSignedAttest(response.Parameters, name);
    }

    /// <summary>TPM2_Certify of <paramref name="objectHandle"/> by <paramref name="signHandle"/>.</summary>
    public SignedAttest Certify(uint objectHandle, uint signHandle, ReadOnlySpan<byte> qualifyingData, CancellationToken cancellationToken)
    {
        const string name = "TPM2_Certify";
        byte[] data = qualifyingData.ToArray();
        var response = Execute(name, TpmCc.Certify, [objectHandle, signHandle], 2, w =>
        {
            w.WriteSized(data);
            w.WriteU16(TpmAlg.Null);
        }, 0, cancellationToken);
        return ReadSignedAttest(response.Parameters, name);
    }

    /// <summary>TPM2_PCR_Read of the SHA-256 bank; loops because a TPM returns at most eight digests per call.</summary>
    public SortedDictionary<int, byte[]> PcrRead(IReadOnlyList<int> pcrs, CancellationToken cancellationToken)
    {
        const string name = "TPM2_PCR_Read";
        var values = new SortedDictionary<int, byte[]>();
        var remaining = new SortedSet<int>(pcrs);
        while (remaining.Count > 0)
        {
            var response = Execute(name, TpmCc.PcrRead, [], 0, w => TpmPcrSelection.Write(w, remaining), 0, cancellationToken);
            var r = new TpmReader(response.Parameters, name);
            r.ReadU32("pcrUpdateCounter");
            int[] returned = TpmPcrSelection.Read(ref r);
            uint count = r.ReadU32("TPML_DIGEST.count");
            if (count != returned.Length)
                throw r.Fail($"it selects {returned.Length} PCRs but carries {count} digests");
            foreach (int pcr in returned)
            {
                if (!remaining.Remove(pcr))
                    throw r.Fail($"it returns PCR {pcr}, which was not asked for");
                var digest = r.ReadSized("a PCR digest", 64);
                if (digest.Length != 32)
                    throw r.Fail($"PCR {pcr}'s SHA-256 value is {digest.Length} bytes, not 32");
                values[pcr] = digest.ToArray();
            }
            r.ExpectEnd("the parameters");
            if (returned.Length == 0)
                throw new TpmException(
                    $"{name} returned no value for PCRs {string.Join(",", remaining)}: is the SHA-256 PCR bank active?", name);
        }
        return values;
    }

    /// <summary>TPM2_Sign of a SHA-256 <paramref name="digest"/> with an unrestricted key; returns the TPMT_SIGNATURE.</summary>
    public byte[] Sign(uint keyHandle, ReadOnlySpan<byte> digest, CancellationToken cancellationToken)
    {
        const string name = "TPM2_Sign";
        byte[] data = digest.ToArray();
        var response = Execute(name, TpmCc.Sign, [keyHandle], 1, w =>
        {
            w.WriteSized(data);
            w.WriteU16(TpmAlg.Null); // inScheme: the key's scheme (ECDSA-SHA256)
            // validation: a NULL hashcheck ticket, which an unrestricted key accepts.
            w.WriteU16(TpmSt.HashCheck);
            w.WriteU32(TpmRh.Null);
            w.WriteU16(0);
        }, 0, cancellationToken);
        var r = new TpmReader(response.Parameters, name);
        byte[] signature = TpmSignature.Read(ref r);
        r.ExpectEnd("the parameters");
        return signature;
    }

    /// <summary>TPM2_ECDH_ZGen: the x coordinate (32 bytes) of the key's private scalar times the peer's point.</summary>
    public byte[] EcdhZGen(uint keyHandle, ReadOnlySpan<byte> peerX, ReadOnlySpan<byte> peerY, CancellationToken cancellationToken)
    {
        const string name = "TPM2_ECDH_ZGen";
        byte[] x = peerX.ToArray(), y = peerY.ToArray();
        var response = Execute(name, TpmCc.EcdhZGen, [keyHandle], 1, w =>
        {
            int start = w.BeginSized();
            w.WriteSized(x);
            w.WriteSized(y);
            w.EndSized(start);
        }, 0, cancellationToken);
        var r = new TpmReader(response.Parameters, name);
        var point = r.ReadSized("outPoint", 2 + 32 + 2 + 32);
        r.ExpectEnd("the parameters");
        var p = new TpmReader(point, name);
        var outX = p.ReadSized("outPoint.x", 32);
        p.ReadSized("outPoint.y", 32);
        p.ExpectEnd("outPoint");
        var shared = new byte[32];
        outX.CopyTo(shared.AsSpan(32 - outX.Length));
        return shared;
    }

    /// <summary>TPM2_NV_ReadPublic: the index's attributes and data size.</summary>
    public (uint Attributes, ushort DataSize) NvReadPublic(uint nvIndex, CancellationToken cancellationToken)
    {
        const string name = "TPM2_NV_ReadPublic";
        var response = Execute(name, TpmCc.NvReadPublic, [nvIndex], 0, null, 0, cancellationToken);
        var r = new TpmReader(response.Parameters, name);
        var nvPublic = r.ReadSized("nvPublic");
        r.ReadSized("nvName");
        r.ExpectEnd("the parameters");
        var p = new TpmReader(nvPublic, name);
        uint index = p.ReadU32("TPMS_NV_PUBLIC.nvIndex");
        if (index != nvIndex)
            throw p.Fail($"it describes NV index 0x{index:X8} instead of 0x{nvIndex:X8}");
        p.ReadU16("TPMS_NV_PUBLIC.nameAlg");
        uint attributes = p.ReadU32("TPMS_NV_PUBLIC.attributes");
        p.ReadSized("TPMS_NV_PUBLIC.authPolicy", 64);
        ushort dataSize = p.ReadU16("TPMS_NV_PUBLIC.dataSize");
        p.ExpectEnd("TPMS_NV_PUBLIC");
        return (attributes, dataSize);
    }

    /// <summary>TPM2_NV_Read of <paramref name="size"/> bytes at <paramref name="offset"/>.</summary>
    public byte[] NvRead(uint authHandle, uint nvIndex, ushort size, ushort offset, CancellationToken cancellationToken)
    {
        const string name = "TPM2_NV_Read";
        var response = Execute(name, TpmCc.NvRead, [authHandle, nvIndex], 1, w =>
        {
            w.WriteU16(size);
            w.WriteU16(offset);
        }, 0, cancellationToken);
        var r = new TpmReader(response.Parameters, name);
        byte[] data = r.ReadSized("data", size).ToArray();
        r.ExpectEnd("the parameters");
        if (data.Length != size)
            throw r.Fail($"it returns {data.Length} bytes where {size} were asked for");
        return data;
    }

    /// <summary>TPM2_ReadPublic: the TPMT_PUBLIC of a loaded object.</summary>
    public byte[] ReadPublic(uint handle, CancellationToken cancellationToken)
    {
        const string name = "TPM2_ReadPublic";
        var response = Execute(name, TpmCc.ReadPublic, [handle], 0, null, 0, cancellationToken);
        var r = new TpmReader(response.Parameters, name);
        byte[] outPublic = r.ReadSized("outPublic").ToArray();
        r.ReadSized("name");
        r.ReadSized("qualifiedName");
        r.ExpectEnd("the parameters");
        return outPublic;
    }

    /// <summary>TPM2_FlushContext: unloads a transient object.</summary>
    public void FlushContext(uint handle, CancellationToken cancellationToken)
    {
        const string name = "TPM2_FlushContext";
        var response = Execute(name, TpmCc.FlushContext, [], 0, w => w.WriteU32(handle), 0, cancellationToken);
        if (response.Parameters.Length != 0)
            throw TpmException.Malformed(name, $"{response.Parameters.Length} unexpected bytes after the header");
    }

    private static void WriteCreateParameters(TpmWriter w, byte[] template)
    {
        // inSensitive: TPM2B_SENSITIVE_CREATE { userAuth = empty, data = empty }.
        w.WriteU16(4);
        w.WriteU16(0);
        w.WriteU16(0);
        w.WriteSized(template);
        w.WriteU16(0); // outsideInfo
        w.WriteU32(0); // creationPCR: none
    }

    private static void ReadTicket(ref TpmReader r, string field)
    {
        r.ReadU16(field + ".tag");
        r.ReadU32(field + ".hierarchy");
        r.ReadSized(field + ".digest", 64);
    }

    private static SignedAttest ReadSignedAttest(byte[] parameters, string name)
    {
        var r = new TpmReader(parameters, name);
        byte[] attest = r.ReadSized("the TPM2B_ATTEST").ToArray();
        byte[] signature = TpmSignature.Read(ref r);
        r.ExpectEnd("the parameters");
        return new SignedAttest(attest, signature);
    }
}

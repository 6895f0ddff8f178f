using System.Buffers.Binary;
using Umbra.Provider.Identity.Tpm;
using Umbra.Provider.Tests.Identity.Tpm.Support;

namespace Umbra.Provider.Tests.Identity.Tpm;

/// <summary>Responses a broken or hostile TPM might send: each ends in a TpmException, never another exception.</summary>
public class TpmMalformedResponseTests
{
    private static readonly byte[] Digest = new byte[32];

    [Fact]
    public void A_well_formed_quote_response_parses()
    {
        var client = new TpmClient(new ScriptedTpmTransport(QuoteResponse()));

        var quote = client.Quote(0x80000001, Digest, [0, 1], CancellationToken.None);

        Assert.Equal(20, quote.Attest.Length);
        Assert.Equal(4 + 2 + 32 + 2 + 32, quote.Signature.Length);
    }

    [Fact]
    public void Every_truncation_of_a_quote_response_is_a_TpmException()
    {
        byte[] valid = QuoteResponse();
        for (int length = 0; length < valid.Length; length++)
        {
            byte[] cut = valid[..length];
            AssertTpmException(cut);
            if (length >= 6)
            {
                // The same, with the header's size made to agree with the cut.
                byte[] consistent = [.. cut];
                BinaryPrimitives.WriteUInt32BigEndian(consistent.AsSpan(2), (uint)length);
                AssertTpmException(consistent);
            }
        }
    }

    [Fact]
    public void Every_single_byte_corruption_either_parses_or_is_a_TpmException()
    {
        byte[] valid = QuoteResponse();
        foreach (byte value in new byte[] { 0x00, 0x01, 0x7F, 0x80, 0xFF })
        {
            for (int i = 0; i < valid.Length; i++)
            {
                byte[] corrupt = [.. valid];
                corrupt[i] = value;
                var client = new TpmClient(new ScriptedTpmTransport(corrupt));
                try
                {
                    client.Quote(0x80000001, Digest, [0, 1], CancellationToken.None);
                }
                catch (TpmException)
                {
                }
            }
        }
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        byte[] valid = QuoteResponse();
        byte[] longer = [.. valid, 0];
        BinaryPrimitives.WriteUInt32BigEndian(longer.AsSpan(2), (uint)longer.Length);

        var e = AssertTpmException(longer);
        Assert.Contains("unexpected bytes", e.Message);
    }

    [Fact]
    public void An_error_code_names_the_command_and_decodes_the_rc()
    {
        var client = new TpmClient(new ScriptedTpmTransport(ErrorResponse(0x0000018B)));

        var e = Assert.Throws<TpmException>(() => client.Quote(0x80000001, Digest, [0], CancellationToken.None));

        Assert.Equal("TPM2_Quote", e.CommandName);
        Assert.Equal(0x0000018Bu, e.ResponseCode);
        Assert.Contains("TPM2_Quote", e.Message);
        Assert.Contains("TPM_RC_HANDLE", e.Message);
        Assert.Contains("handle 1", e.Message);
    }

    [Fact]
    public void Retry_warnings_resend_the_command()
    {
        var transport = new ScriptedTpmTransport(ErrorResponse(0x00000922), ErrorResponse(0x00000922), QuoteResponse());
        var client = new TpmClient(transport);

        client.Quote(0x80000001, Digest, [0], CancellationToken.None);

        Assert.Equal(3, transport.Commands.Count);
        Assert.Equal(transport.Commands[0], transport.Commands[2]);
    }

    [Fact]
    public void An_oversized_ecc_coordinate_is_refused()
    {
        var w = new TpmWriter();
        w.WriteU16(0x0023);
        w.WriteU16(0x000B);
        w.WriteU32(0x00020072);
        w.WriteU16(0);
        w.WriteU16(0x0010);
        w.WriteU16(0x0010);
        w.WriteU16(0x0003);
        w.WriteU16(0x0010);
        w.WriteSized(new byte[33]);
        w.WriteSized(new byte[32]);

        var e = Assert.Throws<TpmException>(() => TpmPublicArea.Parse(w.Written, "TPM2_Create"));
        Assert.Contains("TPMS_ECC_POINT.x", e.Message);
    }

    [Fact]
    public void Opening_a_provider_on_a_tpm_that_answers_garbage_fails_with_TpmException_and_closes_the_transport()
    {
        var transport = new ScriptedTpmTransport([0x80, 0x01, 0x00]);

        Assert.Throws<TpmException>(() => TpmKeyProvider.Open(transport, new TpmOptions()));
        Assert.True(transport.Disposed);
    }

    [Fact]
    public void A_primary_key_on_an_unexpected_curve_is_refused_when_its_children_are_created()
    {
        // CreatePrimary succeeds (the SRK's public area is not inspected), then TPM2_Create returns a P-384 key.
        var transport = new ScriptedTpmTransport(CreatePrimaryResponse(), CreateResponse(curve: 0x0004), SuccessNoSessions());

        var e = Assert.Throws<TpmException>(() => TpmKeyProvider.Open(transport, new TpmOptions()));
        Assert.Contains("TPM_ECC_NIST_P256", e.Message);
        Assert.True(transport.Disposed);
        // The storage key was flushed on the way out.
        Assert.Equal(0x00000165u, BinaryPrimitives.ReadUInt32BigEndian(transport.Commands[^1].AsSpan(6)));
    }

    private static TpmException AssertTpmException(byte[] response)
    {
        var client = new TpmClient(new ScriptedTpmTransport(response));
        return Assert.Throws<TpmException>(() => client.Quote(0x80000001, Digest, [0, 1], CancellationToken.None));
    }

    internal static byte[] ErrorResponse(uint rc)
    {
        var w = new TpmWriter();
        w.WriteU16(0x8001);
        w.WriteU32(10);
        w.WriteU32(rc);
        return w.Written.ToArray();
    }

    private static byte[] SuccessNoSessions() => ErrorResponse(0);

    private static byte[] QuoteResponse() => SessionResponse([], w =>
    {
        w.WriteSized(new byte[20]);
        w.WriteU16(0x0018);
        w.WriteU16(0x000B);
        w.WriteSized(new byte[32]);
        w.WriteSized(new byte[32]);
    });

    private static byte[] CreatePrimaryResponse() => SessionResponse([0x80000000], w =>
    {
        w.WriteSized(EccPublic(0x0003));
        w.WriteU16(0); // creationData
        w.WriteU16(0); // creationHash
        w.WriteU16(0x8021);
        w.WriteU32(0x40000001);
        w.WriteU16(0);
        w.WriteU16(0); // name
    });

    private static byte[] CreateResponse(ushort curve) => SessionResponse([], w =>
    {
        w.WriteSized(new byte[16]);
        w.WriteSized(EccPublic(curve));
        w.WriteU16(0);
        w.WriteU16(0);
        w.WriteU16(0x8021);
        w.WriteU32(0x40000001);
        w.WriteU16(0);
    });

    private static byte[] EccPublic(ushort curve)
    {
        var w = new TpmWriter();
        w.WriteU16(0x0023);
        w.WriteU16(0x000B);
        w.WriteU32(0x00050072);
        w.WriteU16(0);
        w.WriteU16(0x0010);
        w.WriteU16(0x0018);
        w.WriteU16(0x000B);
        w.WriteU16(curve);
        w.WriteU16(0x0010);
        w.WriteSized(new byte[32]);
        w.WriteSized(new byte[32]);
        return w.Written.ToArray();
    }

    private static byte[] SessionResponse(uint[] handles, Action<TpmWriter> parameters)
    {
        var p = new TpmWriter();
        parameters(p);
        var w = new TpmWriter();
        w.WriteU16(0x8002);
        w.WriteU32(0);
        w.WriteU32(0);
        foreach (uint handle in handles)
            w.WriteU32(handle);
        w.WriteU32((uint)p.Length);
        w.WriteBytes(p.Written);
        w.WriteU16(0);
        w.WriteU8(1);
        w.WriteU16(0);
        w.PatchU32(2, (uint)w.Length);
        return w.Written.ToArray();
    }
}

using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Umbra.Protocol.Sealing;
using static Umbra.Protocol.Tests.Interop.NodeHpke;

namespace Umbra.Protocol.Tests.Interop;

/// <summary>Umbra's HPKE and @hpke/core seal and open each other's messages, and agree on exported secrets.</summary>
public class HpkeInteropTests
{
    public static TheoryData<string> Aeads() => new() { "aes256gcm", "chacha20poly1305" };

    private static HpkeSuite Suite(string aead) =>
        aead == "aes256gcm" ? HpkeSuite.P256Sha256Aes256Gcm : HpkeSuite.P256Sha256ChaCha20Poly1305;

    [Theory]
    [MemberData(nameof(Aeads))]
    public void Hpke_core_seals_and_umbra_opens(string aead)
    {
        using var key = HpkePrivateKey.Generate();
        byte[] info = Utf8("umbra interop info"), aad = Utf8("routing header"), message = RandomNumberGenerator.GetBytes(1000);
        var sealedByNode = Run(new JsonObject
        {
            ["op"] = "seal",
            ["aead"] = aead,
            ["publicKey"] = B64(key.PublicKey.Export()),
            ["info"] = B64(info),
            ["aad"] = B64(aad),
            ["plaintext"] = B64(message),
            ["exportContext"] = B64(Utf8("umbra/1 response key")),
            ["exportLength"] = 32,
        });

        using var recipient = Hpke.SetupBaseRecipient(Suite(aead), Bytes(sealedByNode, "enc"), key, info);
        Assert.Equal(message, recipient.Open(aad, Bytes(sealedByNode, "ciphertext")));
        Assert.Equal(Bytes(sealedByNode, "exported"), recipient.Export(Utf8("umbra/1 response key"), 32));
    }

    [Theory]
    [MemberData(nameof(Aeads))]
    public void Umbra_seals_and_hpke_core_opens(string aead)
    {
        var pair = Run(new JsonObject { ["op"] = "keypair" });
        var recipientKey = HpkePublicKey.Import(Bytes(pair, "publicKey"));
        byte[] info = Utf8("umbra interop info"), aad = Utf8("routing header"), message = Utf8("a prompt that only the provider may read");

        using var sender = Hpke.SetupBaseSender(Suite(aead), recipientKey, info);
        var ciphertext = sender.Seal(aad, message);
        var opened = Run(new JsonObject
        {
            ["op"] = "open",
            ["aead"] = aead,
            ["privateKey"] = pair["privateKey"]!.GetValue<string>(),
            ["enc"] = B64(sender.EncapsulatedKey.Span),
            ["info"] = B64(info),
            ["aad"] = B64(aad),
            ["ciphertext"] = B64(ciphertext),
            ["exportContext"] = B64(Utf8("umbra/1 response nonce")),
            ["exportLength"] = 12,
        });
        Assert.Equal(message, Bytes(opened, "plaintext"));
        Assert.Equal(sender.Export(Utf8("umbra/1 response nonce"), 12), Bytes(opened, "exported"));
    }

    [Fact]
    public void Hpke_core_refuses_what_umbra_sealed_under_other_associated_data()
    {
        var pair = Run(new JsonObject { ["op"] = "keypair" });
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, HpkePublicKey.Import(Bytes(pair, "publicKey")), Utf8("info"));
        var ciphertext = sender.Seal(Utf8("model=a"), Utf8("secret"));
        var e = Assert.Throws<InvalidOperationException>(() => Run(new JsonObject
        {
            ["op"] = "open",
            ["aead"] = "aes256gcm",
            ["privateKey"] = pair["privateKey"]!.GetValue<string>(),
            ["enc"] = B64(sender.EncapsulatedKey.Span),
            ["info"] = B64(Utf8("info")),
            ["aad"] = B64(Utf8("model=b")),
            ["ciphertext"] = B64(ciphertext),
        }));
        Assert.Contains("@hpke/core failed", e.Message, StringComparison.Ordinal);
    }
}

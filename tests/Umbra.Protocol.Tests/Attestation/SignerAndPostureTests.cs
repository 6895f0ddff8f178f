using Umbra.Protocol.Attestation;

namespace Umbra.Protocol.Tests.Attestation;

public class SignerAndPostureTests
{
    [Fact]
    public void Pkcs8_export_and_import_keep_the_key()
    {
        using var signer = SoftwareAttestationSigner.Generate();
        using var again = SoftwareAttestationSigner.ImportPkcs8(signer.ExportPkcs8());
        Assert.Equal(signer.PublicKey, again.PublicKey);
        Assert.Equal(65, signer.PublicKey.Length);
        Assert.Equal(0x04, signer.PublicKey[0]);
        var signature = again.Sign("data"u8);
        Assert.Equal(64, signature.Length);
        Assert.True(EcdsaP256.VerifyData(signer.PublicKey, "data"u8, signature));
    }

    [Fact]
    public void Import_refuses_garbage_and_other_curves()
    {
        Assert.Throws<AttestationException>(() => SoftwareAttestationSigner.ImportPkcs8([1, 2, 3]));
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        Assert.Throws<AttestationException>(() => SoftwareAttestationSigner.ImportPkcs8(p384.ExportPkcs8PrivateKey()));
        using var signer = SoftwareAttestationSigner.Generate();
        Assert.Throws<AttestationException>(() => SoftwareAttestationSigner.ImportPkcs8([.. signer.ExportPkcs8(), 0]));
    }

    [Theory]
    [InlineData(TrustLevel.None, "none")]
    [InlineData(TrustLevel.SelfSigned, "self_signed")]
    [InlineData(TrustLevel.Hardware, "hardware")]
    [InlineData(TrustLevel.HardwareCertified, "hardware_certified")]
    public void Trust_level_wire_names(TrustLevel level, string name)
    {
        Assert.Equal(name, level.ToWireName());
        Assert.Equal(level, TrustLevelNames.Parse(name));
        Assert.True(TrustLevelNames.TryParse(name, out var parsed) && parsed == level);
    }

    [Fact]
    public void Trust_levels_are_ordered_and_parsing_is_exact()
    {
        Assert.True(TrustLevel.None < TrustLevel.SelfSigned && TrustLevel.SelfSigned < TrustLevel.Hardware && TrustLevel.Hardware < TrustLevel.HardwareCertified);
        Assert.False(TrustLevelNames.TryParse("Hardware", out _));
        Assert.False(TrustLevelNames.TryParse(null, out _));
        Assert.Throws<ArgumentException>(() => TrustLevelNames.Parse("self-signed"));
    }

    private static Posture P(params (string Name, string Value)[] items) => new(items.Select(i => new PostureItem(i.Name, i.Value)));

    [Fact]
    public void Posture_is_worse_when_a_value_ranks_lower_or_goes_missing()
    {
        var earlier = P(("core_dumps", "disabled"), ("environment", "scrubbed"), ("kernel_lockdown", "integrity"));
        Assert.False(earlier.IsWorseThan(earlier));
        Assert.False(P(("core_dumps", "disabled"), ("environment", "clean"), ("kernel_lockdown", "confidentiality")).IsWorseThan(earlier));
        Assert.False(P(("core_dumps", "disabled"), ("environment", "scrubbed"), ("kernel_lockdown", "integrity"), ("tracer", "attached")).IsWorseThan(earlier));
        Assert.True(P(("core_dumps", "enabled"), ("environment", "scrubbed"), ("kernel_lockdown", "integrity")).IsWorseThan(earlier));
        Assert.True(P(("core_dumps", "disabled"), ("environment", "dirty"), ("kernel_lockdown", "integrity")).IsWorseThan(earlier));
        Assert.True(P(("core_dumps", "disabled"), ("environment", "scrubbed"), ("kernel_lockdown", "unknown")).IsWorseThan(earlier));
        var missing = P(("core_dumps", "disabled"), ("environment", "scrubbed"));
        Assert.True(missing.IsWorseThan(earlier));
        Assert.Equal(["kernel_lockdown"], missing.WorseItems(earlier));
    }

    [Fact]
    public void Unknown_posture_items_compare_by_equality()
    {
        var earlier = P(("x_custom", "a"));
        Assert.False(P(("x_custom", "a")).IsWorseThan(earlier));
        Assert.True(P(("x_custom", "b")).IsWorseThan(earlier));
        // A known name with a value outside the vocabulary: any change from it is treated as worse too.
        Assert.True(P(("secure_boot", "enabled")).IsWorseThan(P(("secure_boot", "weird"))));
    }
}

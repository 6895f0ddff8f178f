using System.Security.Cryptography;
using Umbra.Provider.Identity.SecureEnclave;

namespace Umbra.Provider.Tests.Identity.SecureEnclave;

/// <summary>What of the Secure Enclave code runs on every platform: the platform check and the signature conversion.</summary>
public class SecureEnclavePortabilityTests
{
    [Fact]
    public void Opening_off_macos_throws_PlatformNotSupportedException()
    {
        if (OperatingSystem.IsMacOS())
            return;
#pragma warning disable CA1416 // The call is the point: it must fail cleanly off macOS.
        Assert.Throws<PlatformNotSupportedException>(() => SecureEnclaveKeyProvider.Open());
#pragma warning restore CA1416
    }

    [Fact]
    public void Der_signatures_convert_to_p1363_that_verifies()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        for (int i = 0; i < 64; i++)
        {
            byte[] data = BitConverter.GetBytes(i);
            byte[] der = ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

            byte[] p1363 = EcdsaSignatureFormat.DerToP1363(der);

            Assert.Equal(64, p1363.Length);
            Assert.True(ecdsa.VerifyData(data, p1363, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("3000")]
    [InlineData("300602010102010100")]
    [InlineData("3006020180020101")]
    [InlineData("302502210101010101010101010101010101010101010101010101010101010101010101020101")]
    public void Malformed_der_signatures_are_refused(string hex) =>
        Assert.Throws<SecureEnclaveException>(() => EcdsaSignatureFormat.DerToP1363(Convert.FromHexString(hex)));
}

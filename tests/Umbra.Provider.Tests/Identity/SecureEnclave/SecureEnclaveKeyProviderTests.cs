using System.Runtime.Versioning;
using System.Security.Cryptography;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Identity.SecureEnclave;

namespace Umbra.Provider.Tests.Identity.SecureEnclave;

/// <summary>Runs only on a Mac with a Secure Enclave; skipped (with a message) everywhere else, Linux CI included.</summary>
[SupportedOSPlatform("macos")]
public class SecureEnclaveKeyProviderTests
{
    [SecureEnclaveFact]
    public void Identity_signature_verifies_with_dotnet_ecdsa_over_the_data()
    {
        using var enclave = SecureEnclaveKeyProvider.Open();
        byte[] data = "a bundle body to sign"u8.ToArray();

        byte[] signature = enclave.SignIdentity(data);

        Assert.Equal(64, signature.Length);
        byte[] point = enclave.IdentityPublicKey;
        Assert.Equal(65, point.Length);
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });
        Assert.True(ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256));
        Assert.False(ecdsa.VerifyData("other"u8, signature, HashAlgorithmName.SHA256));
    }

    [SecureEnclaveFact]
    public void Ecdh_equals_the_x_coordinate_dotnet_computes()
    {
        using var enclave = SecureEnclaveKeyProvider.Open();
        using var key = enclave.CreateInferenceKey();
        byte[] point = key.PublicKey;
        Assert.Equal(HpkePublicKey.Import(point).KeyId, key.KeyId);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ephemeral.ExportParameters(false).Q;
        using var enclavePublic = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });

        var shared = new byte[32];
        key.Agree([0x04, .. q.X!, .. q.Y!], shared);

        Assert.Equal(ephemeral.DeriveRawSecretAgreement(enclavePublic.PublicKey), shared);
    }

    [SecureEnclaveFact]
    public void Each_inference_key_is_new()
    {
        using var enclave = SecureEnclaveKeyProvider.Open();
        using var first = enclave.CreateInferenceKey();
        using var second = enclave.CreateInferenceKey();

        Assert.NotEqual(first.PublicKey, second.PublicKey);
        Assert.NotEqual(enclave.IdentityPublicKey, first.PublicKey);
    }

    [SecureEnclaveFact]
    public void A_point_off_the_curve_is_refused()
    {
        using var enclave = SecureEnclaveKeyProvider.Open();
        using var key = enclave.CreateInferenceKey();
        byte[] bogus = new byte[65];
        bogus[0] = 0x04;
        bogus[64] = 1;

        Assert.Throws<SecureEnclaveException>(() => key.Agree(bogus, new byte[32]));
    }
}

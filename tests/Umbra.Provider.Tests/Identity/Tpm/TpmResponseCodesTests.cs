using Umbra.Provider.Identity.Tpm;

namespace Umbra.Provider.Tests.Identity.Tpm;

public class TpmResponseCodesTests
{
    [Theory]
    [InlineData(0x0000018Bu, "TPM_RC_HANDLE", "handle 1")]
    [InlineData(0x000001C4u, "TPM_RC_VALUE", "parameter 1")]
    [InlineData(0x000009A2u, "TPM_RC_BAD_AUTH", "session 1")]
    [InlineData(0x00000101u, "TPM_RC_FAILURE", "0x00000101")]
    [InlineData(0x00000100u, "TPM_RC_INITIALIZE", "TPM2_Startup")]
    [InlineData(0x00000902u, "TPM_RC_OBJECT_MEMORY", "transient objects")]
    [InlineData(0x00000922u, "TPM_RC_RETRY", "0x00000922")]
    [InlineData(0x00000910u, "TPM_RC_REFERENCE_H0", "not loaded")]
    [InlineData(0x0000001Eu, "TPM 1.2", "0x0000001E")]
    [InlineData(0x000B0143u, "TPM_RC_COMMAND_CODE", "software layer 0x0B")]
    public void Decodes_response_codes(uint rc, string name, string detail)
    {
        string text = TpmResponseCodes.Describe(rc);

        Assert.Contains(name, text);
        Assert.Contains(detail, text);
    }
}

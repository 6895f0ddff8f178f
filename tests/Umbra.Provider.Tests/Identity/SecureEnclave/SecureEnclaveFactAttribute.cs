using Umbra.Provider.Identity.SecureEnclave;

namespace Umbra.Provider.Tests.Identity.SecureEnclave;

/// <summary>
/// A test that needs a Mac with a Secure Enclave. Elsewhere it is skipped, and says so: Linux CI does not
/// exercise the Secure Enclave path. (xunit 2 decides skips at discovery, hence the probe here.)
/// </summary>
public sealed class SecureEnclaveFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Reason = new(Probe);

    public SecureEnclaveFactAttribute() => Skip = Reason.Value;

    private static string? Probe()
    {
        if (!OperatingSystem.IsMacOS())
            return "Secure Enclave tests run only on macOS; Linux CI does not exercise the Secure Enclave path.";
        try
        {
            using var probe = SecureEnclaveKeyProvider.Open();
            return null;
        }
        catch (SecureEnclaveException e)
        {
            return $"This Mac has no usable Secure Enclave: {e.Message}";
        }
    }
}

using System.Buffers.Text;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

// The attestation side of a session: answering challenges and announcing rotated keys.
internal sealed partial class HubConnection
{
    private const int MaxNonceBytes = 64;

    private async Task AnswerChallengeAsync(ChallengeMessage challenge)
    {
        byte[] nonce;
        try
        {
            nonce = Base64Url.DecodeFromChars(challenge.Nonce);
        }
        catch (FormatException)
        {
            _logger.ChallengeRefused("the nonce is not base64url");
            return;
        }
        if (nonce.Length is 0 or > MaxNonceBytes)
        {
            _logger.ChallengeRefused($"the nonce is {nonce.Length} bytes (1 to {MaxNonceBytes} allowed)");
            return;
        }
        try
        {
            var bundle = await Task.Run(() => _attestor!.Attest(nonce), _lifetimeToken);
            await SendAsync(new AttestationMessage { Nonce = challenge.Nonce, Bundle = bundle }, _lifetimeToken);
            _logger.ChallengeAnswered();
        }
        catch (OperationCanceledException)
        {
            // The connection is going.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failing key store (TPM gone) must not take the connection down; the missed challenge takes the
            // provider out of routing, which is the right outcome.
            _logger.AttestationFailed(e.GetType().Name, e.Message);
        }
    }

    private void OnAttestorChanged(object? sender, EventArgs e) => _ = AnnounceChangeAsync();

    private async Task AnnounceChangeAsync()
    {
        try
        {
            var bundle = await Task.Run(() => _attestor!.Attest([]), _lifetimeToken);
            await SendAsync(new AttestationMessage { Nonce = "", Bundle = bundle }, _lifetimeToken);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.AttestationFailed(e.GetType().Name, e.Message);
        }
    }
}

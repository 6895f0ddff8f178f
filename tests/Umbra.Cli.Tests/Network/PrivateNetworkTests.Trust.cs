using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Umbra.Protocol.Attestation;

namespace Umbra.Cli.Tests.Network;

// Trust on the real network: the provider process hardened itself and attested, every response names it, and
// its signed receipt checks out against the published bundle and the bytes the client sent and received.
public sealed partial class PrivateNetworkTests
{
    private async Task<AttestationBundle> PublishedBundleAsync(HttpClient http)
    {
        using var list = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{_endpoint}/providers/attestation")));
        var entry = Assert.Single(list.RootElement.GetProperty("data").EnumerateArray());
        Assert.True(entry.GetProperty("routable").GetBoolean());
        Assert.Equal("self_signed", entry.GetProperty("trust_level").GetString());
        var bundle = entry.GetProperty("bundle");
        return new AttestationBundle(Base64Url.DecodeFromChars(bundle.GetProperty("body").GetString()), Base64Url.DecodeFromChars(bundle.GetProperty("signature").GetString()));
    }

    private static SignedReceipt Receipt(string token) => SignedReceipt.FromJson(Base64Url.DecodeFromChars(token));

    [Fact]
    public async Task The_provider_attests_a_hardened_process_and_signs_a_receipt_the_client_can_check()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        var bundle = await PublishedBundleAsync(http);
        var verified = BundleVerifier.Verify(bundle, new VerificationPolicy());
        Assert.True(verified.Valid, verified.FailureReason);
        var posture = bundle.Claims.Posture;
        // `umbra up` hardened itself before making any key: the kernel says so, not just the code.
        Assert.Equal("disabled", posture["core_dumps"]);
        Assert.Equal("no", posture["dumpable"]);
        Assert.Equal("disabled", posture["diagnostics"]);
        Assert.Equal("disabled", posture["startup_hooks"]);
        Assert.Contains(posture["environment"], new[] { "clean", "scrubbed" });
        Assert.Equal("stories260K", Assert.Single(bundle.Claims.Models).Id);

        var request = Encoding.UTF8.GetBytes("""{"model":"stories260K","prompt":"Once upon a time","max_tokens":16,"temperature":0}""");
        using var response = await http.PostAsync(new Uri($"{_endpoint}/completions"), new ByteArrayContent(request) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(bundle.Claims.ProviderId, Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        Assert.Equal("self_signed", Assert.Single(response.Headers.GetValues("X-Umbra-Trust-Level")));
        Assert.Equal("true", Assert.Single(response.Headers.GetValues("X-Umbra-Attested")));
        Assert.Equal(bundle.HashHex, Assert.Single(response.Headers.GetValues("X-Umbra-Bundle-Hash")));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)), Assert.Single(response.Headers.GetValues("X-Umbra-Response-Sha256")));

        var receipt = Receipt(Assert.Single(response.Headers.GetValues("X-Umbra-Receipt")));
        var checkedReceipt = ReceiptVerifier.Verify(receipt, bundle);
        Assert.True(checkedReceipt.Valid, checkedReceipt.FailureReason);
        var key = Convert.FromHexString(Assert.Single(response.Headers.GetValues("X-Umbra-Receipt-Key")));
        Assert.True(ReceiptMac.Verify(key, request, receipt.Claims.RequestMac));
        Assert.True(ReceiptMac.Verify(key, body, receipt.Claims.ResponseMac));
        Assert.False(ReceiptMac.Verify(key, [.. body, (byte)' '], receipt.Claims.ResponseMac));
        using var json = JsonDocument.Parse(body);
        Assert.Equal(16u, receipt.Claims.CompletionTokens);
        Assert.Equal(json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetUInt32(), receipt.Claims.PromptTokens);
        Assert.Equal(bundle.Claims.Models[0].WeightsSha256, receipt.Claims.WeightsSha256);
    }

    [Fact]
    public async Task A_stream_ends_with_its_receipt_in_a_comment_before_done()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        var bundle = await PublishedBundleAsync(http);
        var request = Encoding.UTF8.GetBytes("""{"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":8,"stream":true}""");
        using var response = await http.PostAsync(new Uri($"{_endpoint}/chat/completions"), new ByteArrayContent(request) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", lines[^1]);
        Assert.StartsWith(": umbra-receipt ", lines[^2], StringComparison.Ordinal);

        var receipt = Receipt(lines[^2][": umbra-receipt ".Length..]);
        Assert.True(ReceiptVerifier.Verify(receipt, bundle).Valid);
        var key = Convert.FromHexString(Assert.Single(response.Headers.GetValues("X-Umbra-Receipt-Key")));
        var payloads = lines.Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => Encoding.UTF8.GetBytes(l["data: ".Length..]));
        byte[] all = [.. payloads.SelectMany(p => p)];
        Assert.True(ReceiptMac.Verify(key, all, receipt.Claims.ResponseMac));
        Assert.Equal($": umbra-response-sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(all))}", lines[^3]);
        Assert.True(ReceiptMac.Verify(key, request, receipt.Claims.RequestMac));
    }
}

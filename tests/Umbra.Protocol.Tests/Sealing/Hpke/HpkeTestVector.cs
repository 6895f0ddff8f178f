using System.Text.Json;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>One entry of the RFC 9180 test vectors, with hex fields decoded (absent fields are empty).</summary>
internal sealed record HpkeTestVector(
    int Mode, int KemId, int KdfId, int AeadId,
    byte[] Info, byte[] IkmE, byte[] IkmR, byte[] IkmS,
    byte[] SkEm, byte[] SkRm, byte[] SkSm, byte[] PkEm, byte[] PkRm, byte[] PkSm,
    byte[] Psk, byte[] PskId, byte[] Enc, byte[] SharedSecret, byte[] KeyScheduleContext,
    byte[] Key, byte[] BaseNonce, byte[] ExporterSecret,
    IReadOnlyList<HpkeTestVector.Encryption> Encryptions, IReadOnlyList<HpkeTestVector.Export> Exports)
{
    private static readonly Lazy<IReadOnlyList<HpkeTestVector>> LoadedVectors = new(Load);

    public static IReadOnlyList<HpkeTestVector> All => LoadedVectors.Value;

    public sealed record Encryption(byte[] Aad, byte[] Ciphertext, byte[] Nonce, byte[] Plaintext);

    public sealed record Export(byte[] ExporterContext, int Length, byte[] ExportedValue);

    private static List<HpkeTestVector> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(TestData.HpkeVectors));
        return [.. document.RootElement.EnumerateArray().Select(Parse)];
    }

    private static HpkeTestVector Parse(JsonElement e) => new(
        e.GetProperty("mode").GetInt32(), e.GetProperty("kem_id").GetInt32(), e.GetProperty("kdf_id").GetInt32(), e.GetProperty("aead_id").GetInt32(),
        Hex(e, "info"), Hex(e, "ikmE"), Hex(e, "ikmR"), Hex(e, "ikmS"),
        Hex(e, "skEm"), Hex(e, "skRm"), Hex(e, "skSm"), Hex(e, "pkEm"), Hex(e, "pkRm"), Hex(e, "pkSm"),
        Hex(e, "psk"), Hex(e, "psk_id"), Hex(e, "enc"), Hex(e, "shared_secret"), Hex(e, "key_schedule_context"),
        Hex(e, "key"), Hex(e, "base_nonce"), Hex(e, "exporter_secret"),
        [.. e.GetProperty("encryptions").EnumerateArray().Select(x => new Encryption(Hex(x, "aad"), Hex(x, "ct"), Hex(x, "nonce"), Hex(x, "pt")))],
        [.. e.GetProperty("exports").EnumerateArray().Select(x => new Export(Hex(x, "exporter_context"), x.GetProperty("L").GetInt32(), Hex(x, "exported_value")))]);

    private static byte[] Hex(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) ? Convert.FromHexString(value.GetString() ?? "") : [];
}

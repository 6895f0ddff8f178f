using System.Text;
using System.Text.Json;
using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Tests.Hub.Support;

/// <summary>
/// Well-formed sealed chunks whose "ciphertext" is a readable label (padded to the tag size): the hub
/// client relays chunks without opening them, so these tests need their shape, not real encryption.
/// </summary>
internal static class TestChunks
{
    private const string KeyId = "00000000000000000000000000000000";

    public static SealedChunk Make(long seq, bool final, string label)
    {
        var ciphertext = Encoding.UTF8.GetBytes(label.PadRight(16, '.'));
        return seq == 0
            ? new SealedChunk(0, final, ciphertext, KeyId, new byte[32])
            : new SealedChunk((ulong)seq, final, ciphertext);
    }

    public static SealedChunk Read(JsonElement json) => SealedChunk.Parse(Encoding.UTF8.GetBytes(json.GetRawText()));

    public static string Label(SealedChunk chunk) => Encoding.UTF8.GetString(chunk.Ciphertext.Span).TrimEnd('.');
}

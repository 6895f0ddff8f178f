namespace Umbra.Protocol.Sealing;

/// <summary>The strict parser behind <see cref="SealedChunk.Parse"/>.</summary>
internal static class ChunkReader
{
    private const string What = "sealed response chunk";

    public static SealedChunk Read(ReadOnlySpan<byte> utf8Json)
    {
        WireReader.CheckSize(utf8Json, SealedChunk.MaxSize, What);
        var json = WireReader.Deserialize(utf8Json, SealingJsonContext.Default.ChunkJson, What);
        var sequence = WireReader.Required(json.Seq, What, "seq");
        var final = WireReader.Required(json.Final, What, "final");
        var ciphertext = WireReader.Base64Url(json.Ct, What, "ct",
            minLength: AeadCipher.TagSize, maxLength: SealedChunk.MaxPayloadSize + AeadCipher.TagSize);
        if (sequence != 0)
        {
            if (json.KeyId != null)
                throw WireReader.Invalid(What, "key_id", $"appears on chunk {sequence}; only chunk 0 names the recipient.");
            if (json.Salt != null)
                throw WireReader.Invalid(What, "salt", $"appears on chunk {sequence}; only chunk 0 carries the response salt.");
            return new SealedChunk(sequence, final, ciphertext);
        }
        var keyId = WireReader.Required(json.KeyId, What, "key_id");
        if (KeyIdText.Check(keyId) is { } problem)
            throw WireReader.Invalid(What, "key_id", problem);
        var salt = WireReader.Base64Url(json.Salt, What, "salt", length: SealedChunk.SaltSize);
        return new SealedChunk(0, final, ciphertext, keyId, salt);
    }
}

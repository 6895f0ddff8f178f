namespace Umbra.Protocol.Sealing;

/// <summary>
/// The strict parser behind <see cref="SealedRequestEnvelope.Parse"/>. Order matters: size first (before any
/// work), then the version (so a later version is refused for being later, whatever its other fields are),
/// then each field, so the message names the first one that is wrong.
/// </summary>
internal static class EnvelopeReader
{
    private const string What = "sealed request envelope";

    public static SealedRequestEnvelope Read(ReadOnlySpan<byte> utf8Json)
    {
        WireReader.CheckSize(utf8Json, SealedRequestEnvelope.MaxSize, What);
        var probe = WireReader.Deserialize(utf8Json, SealingJsonContext.Default.VersionProbeJson, What);
        var version = WireReader.Required(probe.Umbra, What, "umbra");
        if (version != SealedRequestEnvelope.ProtocolVersion)
        {
            throw new SealedMessageFormatException(
                $"The {What} is protocol version {version} (field \"umbra\"); this build speaks version {SealedRequestEnvelope.ProtocolVersion} only.");
        }

        var json = WireReader.Deserialize(utf8Json, SealingJsonContext.Default.EnvelopeJson, What);
        var requestId = WireReader.Base64Url(json.RequestId, What, "request_id", length: RequestId.Size);
        var suiteName = WireReader.Required(json.Suite, What, "suite");
        if (!SealingSuites.TryGetSuite(suiteName, out var suite))
            throw WireReader.Invalid(What, "suite", $"names no suite of this protocol; the suites are {MetadataRules.Quoted(SealingSuites.Names)}.");
        var metadata = new RequestMetadata
        {
            RequestId = Sealing.RequestId.FromBytes(requestId),
            Endpoint = WireReader.Required(json.Endpoint, What, "endpoint"),
            Model = WireReader.Required(json.Model, What, "model"),
            MaxTokens = json.MaxTokens,
            Stream = WireReader.Required(json.Stream, What, "stream"),
            Suite = suite,
        };
        if (MetadataRules.Check(metadata) is { } problem)
            throw new SealedMessageFormatException($"The {What}'s {problem}");

        var recipients = ReadRecipients(json.Recipients);
        var ciphertext = WireReader.Base64Url(json.Ciphertext, What, "ciphertext",
            minLength: AeadCipher.TagSize, maxLength: SealedRequestEnvelope.MaxBodySize + AeadCipher.TagSize);
        return SealedRequestEnvelope.FromValidated(metadata, recipients, ciphertext);
    }

    private static RecipientEntry[] ReadRecipients(List<RecipientJson?>? list)
    {
        if (list == null)
            throw WireReader.Missing(What, "recipients");
        if (list.Count == 0)
            throw WireReader.Invalid(What, "recipients", "is empty; a request is sealed to at least one recipient.");
        // The converter already stopped at MaxRecipients + 1.
        var entries = new RecipientEntry[list.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var field = $"recipients[{i}]";
            var json = list[i] ?? throw WireReader.Invalid(What, field, "is null.");
            var keyId = WireReader.Required(json.KeyId, What, field + ".key_id");
            if (KeyIdText.Check(keyId) is { } problem)
                throw WireReader.Invalid(What, field + ".key_id", problem);
            if (!seen.Add(keyId))
                throw WireReader.Invalid(What, field + ".key_id", "repeats an earlier recipient's key id; each key appears once.");
            var enc = WireReader.Base64Url(json.Enc, What, field + ".enc", length: RecipientEntry.EncapsulatedKeySize);
            var wrappedKey = WireReader.Base64Url(json.WrappedKey, What, field + ".wrapped_key", length: RecipientEntry.WrappedKeySize);
            entries[i] = new RecipientEntry(keyId, enc, wrappedKey);
        }
        return entries;
    }
}

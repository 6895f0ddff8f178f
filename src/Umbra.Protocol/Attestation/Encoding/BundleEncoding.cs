using System.Security.Cryptography;
using System.Text;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// The canonical version 1 bundle body (docs/ATTESTATION.md has it byte for byte). Encoding sorts the lists and
/// refuses claims the decoder would refuse (<see cref="ArgumentException"/>: that is the caller's mistake); decoding
/// is strict and throws <see cref="AttestationException"/> naming the field and offset.
/// </summary>
public static class BundleEncoding
{
    public const ushort Version = 1;

    /// <summary>"UMBRAATT".</summary>
    public static ReadOnlySpan<byte> Magic => "UMBRAATT"u8;

    private const string What = "Attestation bundle";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The whole body: the binding followed by the evidence kind and data.</summary>
    public static byte[] Encode(AttestationClaims claims, PlatformEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(evidence);
        if (!EvidenceKinds.IsKnown(evidence.Kind))
            throw new ArgumentException($"Evidence kind \"{evidence.Kind}\" is not one of {string.Join(", ", EvidenceKinds.All)}.", nameof(evidence));
        if (evidence.Data.Length > AttestationLimits.MaxEvidenceBytes)
            throw new ArgumentException($"Evidence data is {evidence.Data.Length} bytes; the limit is {AttestationLimits.MaxEvidenceBytes}.", nameof(evidence));
        if (evidence.Kind == EvidenceKinds.None && evidence.Data.Length != 0)
            throw new ArgumentException("Evidence of kind \"none\" carries no data.", nameof(evidence));
        var writer = WriteBinding(claims);
        writer.String(evidence.Kind);
        writer.Bytes(evidence.Data);
        if (writer.Length > AttestationLimits.MaxBodyBytes)
            throw new ArgumentException($"The bundle body would be {writer.Length} bytes; the limit is {AttestationLimits.MaxBodyBytes}.", nameof(claims));
        return writer.ToArray();
    }

    /// <summary>The binding: every byte of the body before the evidence. Platform evidence commits to its digest.</summary>
    public static byte[] EncodeBinding(AttestationClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return WriteBinding(claims).ToArray();
    }

    /// <summary>SHA-256 of <see cref="EncodeBinding"/>: the TPM qualifyingData and the Apple nonce.</summary>
    public static byte[] BindingDigest(AttestationClaims claims) => SHA256.HashData(EncodeBinding(claims));

    /// <summary>Decodes a body strictly.</summary>
    /// <exception cref="AttestationException">The body breaks a rule of the format; the message names the field and offset.</exception>
    public static (AttestationClaims Claims, PlatformEvidence Evidence) Decode(ReadOnlySpan<byte> body)
    {
        var decoded = DecodeBody(body);
        return (decoded.Claims, decoded.Evidence);
    }

    internal readonly record struct DecodedBody(AttestationClaims Claims, PlatformEvidence Evidence, int BindingLength);

    internal static DecodedBody DecodeBody(ReadOnlySpan<byte> body)
    {
        if (body.Length > AttestationLimits.MaxBodyBytes)
            throw new AttestationException($"{What}: the body is {body.Length} bytes; the limit is {AttestationLimits.MaxBodyBytes}.");
        var r = new CanonicalReader(body, What);
        if (!r.Raw(Magic.Length, "magic").SequenceEqual(Magic))
            r.FailAt(0, "magic", "is not \"UMBRAATT\"");
        var version = r.U16("version");
        if (version != Version)
            r.FailAt(8, "version", $"is {version}; this verifier reads version {Version}");
        var providerId = r.String("provider_id");
        var identityKey = r.FixedBytes("identity_key", AttestationLimits.PublicKeyBytes);

        // Smallest item: three empty strings and a 65-byte key with its length, plus the i64.
        var keyCount = r.Count("inference_keys", AttestationLimits.MaxInferenceKeys, 4 + 4 + 65 + 4 + 8);
        var keys = new InferenceKeyClaim[keyCount];
        var keyIds = new HashSet<string>(keyCount, StringComparer.Ordinal);
        for (var i = 0; i < keyCount; i++)
        {
            var start = r.Position;
            var keyId = r.String($"inference_keys[{i}].key_id");
            var publicKey = r.FixedBytes($"inference_keys[{i}].public_key", AttestationLimits.PublicKeyBytes);
            var suite = r.String($"inference_keys[{i}].suite");
            var notAfter = r.I64($"inference_keys[{i}].not_after_unix_ms");
            if (!keyIds.Add(keyId))
                r.FailAt(start, $"inference_keys[{i}].key_id", $"repeats key id {keyId}");
            keys[i] = new InferenceKeyClaim(keyId, publicKey, suite, notAfter);
        }

        var executable = r.FixedBytes("measurement.executable_sha256", AttestationLimits.Sha256Bytes);
        var assemblyCount = r.Count("measurement.assemblies", AttestationLimits.MaxAssemblies, 4 + 4 + 32);
        var assemblies = new AssemblyMeasurement[assemblyCount];
        var previous = default(Range);
        for (var i = 0; i < assemblyCount; i++)
        {
            var name = ReadSortedName(ref r, body, $"measurement.assemblies[{i}].name", i, ref previous);
            var hash = r.FixedBytes($"measurement.assemblies[{i}].sha256", AttestationLimits.Sha256Bytes);
            assemblies[i] = new AssemblyMeasurement(name, hash);
        }

        var postureCount = r.Count("posture", AttestationLimits.MaxPostureItems, 8);
        var posture = new PostureItem[postureCount];
        for (var i = 0; i < postureCount; i++)
        {
            var name = ReadSortedName(ref r, body, $"posture[{i}].name", i, ref previous);
            var value = r.String($"posture[{i}].value");
            posture[i] = new PostureItem(name, value);
        }

        var cpu = r.String("hardware.cpu");
        var cores = r.U32("hardware.cores");
        var memory = r.I64("hardware.memory_bytes");

        var modelCount = r.Count("models", AttestationLimits.MaxModels, 4 + 4 + 32);
        var models = new ModelClaim[modelCount];
        for (var i = 0; i < modelCount; i++)
        {
            var id = ReadSortedName(ref r, body, $"models[{i}].id", i, ref previous);
            var weights = r.FixedBytes($"models[{i}].weights_sha256", AttestationLimits.Sha256Bytes);
            models[i] = new ModelClaim(id, weights);
        }

        var timestamp = r.I64("timestamp");
        var nonce = r.Bytes("nonce", AttestationLimits.MaxNonceBytes);
        var bindingLength = r.Position;

        var kindStart = r.Position;
        var kind = r.String("evidence_kind");
        if (!EvidenceKinds.IsKnown(kind))
            r.FailAt(kindStart, "evidence_kind", $"is \"{kind}\"; expected one of {string.Join(", ", EvidenceKinds.All)}");
        var dataStart = r.Position;
        var data = r.Bytes("evidence_data", AttestationLimits.MaxEvidenceBytes);
        if (kind == EvidenceKinds.None && data.Length != 0)
            r.FailAt(dataStart, "evidence_data", $"is {data.Length} bytes; evidence of kind \"none\" carries none");
        r.EnsureEnd();

        var claims = new AttestationClaims(
            providerId, identityKey, keys, new Measurement(executable, assemblies), new Posture(posture),
            new HardwareClaim(cpu, cores, memory), models, timestamp, nonce);
        return new DecodedBody(claims, new PlatformEvidence(kind, data), bindingLength);
    }

    /// <summary>
    /// A list item's name, which must be valid UTF-8 and sort strictly after the one before it;
    /// <paramref name="previous"/> is where that one lies in <paramref name="body"/>.
    /// </summary>
    private static string ReadSortedName(ref CanonicalReader r, ReadOnlySpan<byte> body, string field, int index, ref Range previous)
    {
        var start = r.Position;
        var length = r.BytesSpan(field, AttestationLimits.MaxStringBytes).Length;
        var current = new Range(r.Position - length, r.Position);
        var bytes = body[current];
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            r.FailAt(start, field, "is not valid UTF-8");
        if (index > 0)
        {
            var order = bytes.SequenceCompareTo(body[previous]);
            if (order == 0)
                r.FailAt(start, field, "repeats the previous item's name; names must be unique");
            if (order < 0)
                r.FailAt(start, field, "sorts before the previous item; the list must be sorted (byte-wise over UTF-8)");
        }
        previous = current;
        return Encoding.UTF8.GetString(bytes);
    }

    private static CanonicalWriter WriteBinding(AttestationClaims c)
    {
        var w = new CanonicalWriter();
        w.Raw(Magic);
        w.U16(Version);
        w.String(CheckString(c.ProviderId, "ProviderId"));
        w.Bytes(CheckLength(c.IdentityKey, AttestationLimits.PublicKeyBytes, "IdentityKey"));

        CheckCount(c.InferenceKeys, AttestationLimits.MaxInferenceKeys, "InferenceKeys");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        w.Count(c.InferenceKeys.Count);
        foreach (var key in c.InferenceKeys)
        {
            ArgumentNullException.ThrowIfNull(key);
            if (!ids.Add(key.KeyId))
                throw new ArgumentException($"Inference key id {key.KeyId} appears twice.", nameof(c));
            w.String(CheckString(key.KeyId, "InferenceKeys.KeyId"));
            w.Bytes(CheckLength(key.PublicKey, AttestationLimits.PublicKeyBytes, "InferenceKeys.PublicKey"));
            w.String(CheckString(key.Suite, "InferenceKeys.Suite"));
            w.I64(key.NotAfterUnixMs);
        }

        ArgumentNullException.ThrowIfNull(c.Measurement);
        w.Bytes(CheckLength(c.Measurement.ExecutableSha256, AttestationLimits.Sha256Bytes, "Measurement.ExecutableSha256"));
        var assemblies = Sorted(c.Measurement.Assemblies, a => a.Name, AttestationLimits.MaxAssemblies, "Measurement.Assemblies");
        w.Count(assemblies.Length);
        foreach (var a in assemblies)
        {
            w.String(a.Name);
            w.Bytes(CheckLength(a.Sha256, AttestationLimits.Sha256Bytes, "Measurement.Assemblies.Sha256"));
        }

        ArgumentNullException.ThrowIfNull(c.Posture);
        var posture = Sorted(c.Posture.Items, p => p.Name, AttestationLimits.MaxPostureItems, "Posture");
        w.Count(posture.Length);
        foreach (var p in posture)
        {
            w.String(p.Name);
            w.String(CheckString(p.Value, "Posture.Value"));
        }

        ArgumentNullException.ThrowIfNull(c.Hardware);
        w.String(CheckString(c.Hardware.Cpu, "Hardware.Cpu"));
        w.U32(c.Hardware.Cores);
        w.I64(c.Hardware.MemoryBytes);

        var models = Sorted(c.Models, m => m.Id, AttestationLimits.MaxModels, "Models");
        w.Count(models.Length);
        foreach (var m in models)
        {
            w.String(m.Id);
            w.Bytes(CheckLength(m.WeightsSha256, AttestationLimits.Sha256Bytes, "Models.WeightsSha256"));
        }

        w.I64(c.TimestampUnixMs);
        ArgumentNullException.ThrowIfNull(c.Nonce);
        if (c.Nonce.Length > AttestationLimits.MaxNonceBytes)
            throw new ArgumentException($"The nonce is {c.Nonce.Length} bytes; the limit is {AttestationLimits.MaxNonceBytes}.", nameof(c));
        w.Bytes(c.Nonce);
        return w;
    }

    private static T[] Sorted<T>(IReadOnlyList<T> items, Func<T, string> name, int max, string field)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(items, field);
        CheckCount(items, max, field);
        foreach (var item in items)
            CheckString(name(item ?? throw new ArgumentException($"{field} holds a null item.", field)), field);
        var sorted = items.OrderBy(name, Utf8Ordinal.Instance).ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            if (string.Equals(name(sorted[i]), name(sorted[i - 1]), StringComparison.Ordinal))
                throw new ArgumentException($"{field} names \"{name(sorted[i])}\" twice; names must be unique.", field);
        }
        return sorted;
    }

    private static void CheckCount<T>(IReadOnlyList<T> items, int max, string field)
    {
        ArgumentNullException.ThrowIfNull(items, field);
        if (items.Count > max)
            throw new ArgumentException($"{field} has {items.Count} items; the limit is {max}.", field);
    }

    internal static string CheckString(string value, string field)
    {
        ArgumentNullException.ThrowIfNull(value, field);
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"{field} holds an unpaired surrogate, which has no UTF-8 encoding.", field);
        }
        if (length > AttestationLimits.MaxStringBytes)
            throw new ArgumentException($"{field} is {length} bytes of UTF-8; the limit is {AttestationLimits.MaxStringBytes}.", field);
        return value;
    }

    internal static byte[] CheckLength(byte[] value, int length, string field)
    {
        ArgumentNullException.ThrowIfNull(value, field);
        if (value.Length != length)
            throw new ArgumentException($"{field} is {value.Length} bytes; it must be {length}.", field);
        return value;
    }
}

using System.Security.Cryptography;

namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// The provider's keys held in a TPM 2.0: a storage root key (ECC P-256, owner hierarchy), an attestation key
/// (restricted signing), an identity key (signs bundles and receipts) and inference keys (ECDH), all created
/// inside the TPM and bound to it. Every key is a transient object: nothing is persisted in the TPM or on disk,
/// so a restarted provider has new keys (and announces them in a new bundle).
/// </summary>
/// <remarks>
/// One command runs at a time (a lock), so the provider is safe to share between threads. A TPM without a
/// resource manager has room for only a few loaded objects; keys are reloaded from their wrapped blobs when
/// needed (<see cref="TpmOptions.MaxLoadedObjects"/>).
/// </remarks>
public sealed partial class TpmKeyProvider : IDisposable
{
    private const int MaxInferenceKeysPerAttestation = 64;

    private readonly Lock _gate = new();
    private readonly TpmClient _client;
    private readonly int[] _pcrs;
    private readonly int _capacity;
    private readonly uint _storageHandle;
    private readonly TpmKeySlot _attestationKey;
    private readonly TpmKeySlot _identityKey;
    private readonly List<TpmKeySlot> _slots = [];
    private readonly byte[] _ekCertificate;
    private readonly byte[][] _ekChain;
    private long _clock;
    private bool _disposed;

    private TpmKeyProvider(TpmClient client, TpmOptions options, int[] pcrs, CancellationToken cancellationToken)
    {
        _client = client;
        _pcrs = pcrs;
        // The storage key stays loaded; the other objects share the remaining room.
        _capacity = options.MaxLoadedObjects - 1;
        _ekChain = [.. options.EkChain.Select(c => (byte[])c.Clone())];
        (_storageHandle, _) = client.CreatePrimary(TpmTemplates.StorageRoot(), cancellationToken);
        try
        {
            _attestationKey = CreateSlot(TpmTemplates.AttestationKey(), cancellationToken);
            _identityKey = CreateSlot(TpmTemplates.IdentityKey(), cancellationToken);
            _ekCertificate = ReadEkCertificate(options.EkCertificateIndices, cancellationToken);
        }
        catch
        {
            FlushQuietly(_storageHandle);
            throw;
        }
    }

    /// <summary>Opens the TPM the options name and creates the storage, attestation and identity keys.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="TpmException">The TPM cannot be reached or refused a command.</exception>
    public static TpmKeyProvider Open(TpmOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        int[] pcrs = options.Validate();
        ITpmTransport transport = string.IsNullOrWhiteSpace(options.DevicePath)
            ? TpmTcpTransport.Connect(options.SwtpmEndpoint!, options.CommandTimeout, cancellationToken)
            : TpmDeviceTransport.Open(options.DevicePath);
        return Open(transport, options, pcrs, cancellationToken);
    }

    /// <summary>Opens a provider over any transport (a test double, say); takes ownership of it.</summary>
    internal static TpmKeyProvider Open(ITpmTransport transport, TpmOptions options, CancellationToken cancellationToken = default) =>
        Open(transport, options, options.Validate(requireLocation: false), cancellationToken);

    private static TpmKeyProvider Open(ITpmTransport transport, TpmOptions options, int[] pcrs, CancellationToken cancellationToken)
    {
        var client = new TpmClient(transport);
        try
        {
            return new TpmKeyProvider(client, options, pcrs, cancellationToken);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The identity key's public key: a 65-byte SEC1 uncompressed P-256 point; a fresh copy.</summary>
    public byte[] IdentityPublicKey => (byte[])_identityKey.Area.Point.Clone();

    /// <summary>The attestation key's TPMT_PUBLIC; a fresh copy.</summary>
    public byte[] AttestationKeyPublic => (byte[])_attestationKey.Public.Clone();

    /// <summary>The endorsement key certificate (DER) found in NV when the provider opened, or empty.</summary>
    public byte[] EkCertificate => (byte[])_ekCertificate.Clone();

    /// <summary>The SHA-256 PCRs a quote covers, ascending.</summary>
    public IReadOnlyList<int> Pcrs => _pcrs;

    /// <summary>
    /// Signs <paramref name="data"/> with the identity key: ECDSA P-256 over SHA-256(data) (hashed here, the
    /// digest signed by the TPM). Returns the IEEE P1363 form r||s (64 bytes).
    /// </summary>
    public byte[] SignIdentity(ReadOnlySpan<byte> data, CancellationToken cancellationToken = default)
    {
        byte[] digest = SHA256.HashData(data);
        byte[] signature;
        lock (_gate)
        {
            ThrowIfDisposed();
            signature = _client.Sign(Ensure(_identityKey, null, cancellationToken), digest, cancellationToken);
        }
        return TpmSignature.ToP1363(signature, "TPM2_Sign");
    }

    /// <summary>Creates a new inference key inside the TPM.</summary>
    public TpmInferenceKey CreateInferenceKey(CancellationToken cancellationToken = default)
    {
        TpmKeySlot slot;
        lock (_gate)
        {
            ThrowIfDisposed();
            slot = CreateSlot(TpmTemplates.InferenceKey(), cancellationToken);
        }
        return new TpmInferenceKey(this, slot);
    }

    internal void Agree(TpmInferenceKey key, ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedX, CancellationToken cancellationToken)
    {
        if (peerPublicKey.Length != 65 || peerPublicKey[0] != 0x04)
            throw new ArgumentException("The peer public key must be a 65-byte uncompressed P-256 point (0x04 || x || y).", nameof(peerPublicKey));
        if (sharedX.Length != 32)
            throw new ArgumentException("The shared secret buffer must be 32 bytes (the x coordinate).", nameof(sharedX));
        byte[] x;
        lock (_gate)
        {
            ThrowIfDisposed();
            ObjectDisposedException.ThrowIf(key.Slot.Released, key);
            x = _client.EcdhZGen(Ensure(key.Slot, null, cancellationToken), peerPublicKey.Slice(1, 32), peerPublicKey.Slice(33, 32), cancellationToken);
        }
        x.CopyTo(sharedX);
        CryptographicOperations.ZeroMemory(x);
    }

    internal void Release(TpmKeySlot slot)
    {
        lock (_gate)
        {
            if (slot.Released)
                return;
            slot.Released = true;
            _slots.Remove(slot);
            if (!_disposed && slot.Handle != 0)
                FlushQuietly(slot.Handle);
            slot.Handle = 0;
        }
    }

    /// <summary>Flushes every object this provider loaded (keys included: they cannot be loaded again).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var slot in _slots)
            {
                if (slot.Handle != 0)
                    FlushQuietly(slot.Handle);
                slot.Handle = 0;
                slot.Released = true;
            }
            _slots.Clear();
            FlushQuietly(_storageHandle);
            _client.Dispose();
        }
    }

    private TpmKeySlot CreateSlot(byte[] template, CancellationToken cancellationToken)
    {
        var slot = new TpmKeySlot(_client.Create(_storageHandle, template, cancellationToken), "TPM2_Create");
        _slots.Add(slot);
        return slot;
    }

    /// <summary>
    /// Loads <paramref name="slot"/> if it is not loaded, first flushing the least recently used other object
    /// (never <paramref name="pinned"/>) when the TPM's room is taken. Returns its handle. Called under the lock.
    /// </summary>
    private uint Ensure(TpmKeySlot slot, TpmKeySlot? pinned, CancellationToken cancellationToken)
    {
        slot.LastUse = ++_clock;
        if (slot.Handle != 0)
            return slot.Handle;
        while (_slots.Count(s => s.Handle != 0) >= _capacity)
        {
            var victim = _slots.Where(s => s.Handle != 0 && s != pinned).MinBy(s => s.LastUse)!;
            _client.FlushContext(victim.Handle, cancellationToken);
            victim.Handle = 0;
        }
        slot.Handle = _client.Load(_storageHandle, slot.Blob, cancellationToken);
        return slot.Handle;
    }

    private void FlushQuietly(uint handle)
    {
        try
        {
            _client.FlushContext(handle, CancellationToken.None);
        }
        catch (TpmException)
        {
            // Best effort: the TPM (or the kernel's resource manager) drops transient objects with the connection anyway.
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

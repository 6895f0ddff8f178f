using System.Buffers;
using System.Security.Cryptography;

namespace Umbra.Provider.Hardening;

/// <summary>The SHA-256 of a model's weights file (GGUF), as the attestation bundle's models field carries it.</summary>
public static class ModelMeasurement
{
    // Large reads keep the per-call overhead far below the hashing cost; SHA-256 (SHA-NI / ARMv8 crypto)
    // then bounds the rate, not the syscalls.
    private const int BufferSize = 4 << 20;

    /// <summary>
    /// Streams <paramref name="path"/> through SHA-256. <paramref name="progress"/>, when given, receives the
    /// bytes hashed so far after every read; <paramref name="cancellationToken"/> is checked between reads.
    /// </summary>
    public static byte[] HashFile(string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = file.Read(buffer, 0, BufferSize)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
                total += read;
                progress?.Report(total);
            }
            return hash.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

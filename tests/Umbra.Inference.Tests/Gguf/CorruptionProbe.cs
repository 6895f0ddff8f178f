using System.Diagnostics;
using Umbra.Inference.Gguf;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Umbra.Inference.Tests.Gguf;

/// <summary>
/// Parses corrupted GGUF bytes in memory and enforces the contract for untrusted input: the parse either
/// succeeds with a header whose tensors all lie inside the file without overlapping, or fails with a
/// <see cref="GgufFormatException"/> that carries an offset inside the file. Anything else fails the test,
/// and so does a parse that allocates more than <see cref="AllocationFactor"/> times the input plus a constant.
/// </summary>
internal sealed class CorruptionProbe
{
    public const long AllocationFactor = 64;
    public const long AllocationSlack = 256 * 1024;

    public long Accepted { get; private set; }

    public long Rejected { get; private set; }

    public long MaxAllocated { get; private set; }

    public long Parses => Accepted + Rejected;

    /// <summary>Runs <paramref name="body"/> with a fresh probe and reports the counts and the time taken.</summary>
    public static CorruptionProbe Run(ITestOutputHelper output, string what, Action<CorruptionProbe> body)
    {
        var probe = new CorruptionProbe();
        var watch = Stopwatch.StartNew();
        body(probe);
        output.WriteLine($"{what}: {probe} in {watch.ElapsedMilliseconds} ms");
        return probe;
    }

    /// <summary>Sets byte <paramref name="i"/> to 0x00, 0xFF, itself xor 0x80 and itself + 1 in turn, checking each, then restores it.</summary>
    public void Flip(byte[] bytes, int i)
    {
        byte original = bytes[i];
        Span<byte> values = [0x00, 0xFF, (byte)(original ^ 0x80), (byte)(original + 1)];
        for (int v = 0; v < values.Length; v++)
        {
            if (values[v] == original || values[..v].Contains(values[v])) continue;
            bytes[i] = values[v];
            try
            {
                Check(bytes, "byte set", i, values[v]);
            }
            finally
            {
                bytes[i] = original;
            }
        }
    }

    /// <summary>Parses <paramref name="bytes"/>; <paramref name="what"/>, <paramref name="position"/> and <paramref name="value"/> describe the corruption in a failure message.</summary>
    public bool Check(ReadOnlySpan<byte> bytes, string what, long position, int value = -1)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool accepted;
        try
        {
            var header = GgufReader.ReadHeader(bytes);
            CheckInvariants(header, bytes.Length, what, position, value);
            accepted = true;
        }
        catch (GgufFormatException e)
        {
            if (e.Offset < 0 || e.Offset > bytes.Length)
                throw Failure(what, position, value, $"offset {e.Offset} outside the {bytes.Length}-byte file: {e.Message}");
            accepted = false;
        }
        catch (Exception e) when (e is not XunitException)
        {
            throw Failure(what, position, value, $"{e.GetType().Name} instead of GgufFormatException: {e}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        MaxAllocated = Math.Max(MaxAllocated, allocated);
        if (allocated > (AllocationFactor * bytes.Length) + AllocationSlack)
            throw Failure(what, position, value, $"{allocated} bytes allocated to parse {bytes.Length} bytes");
        if (accepted) Accepted++;
        else Rejected++;
        return accepted;
    }

    public override string ToString() =>
        $"{Parses} parses: {Accepted} accepted, {Rejected} rejected; largest allocation in one parse {MaxAllocated / 1024} KiB";

    private static void CheckInvariants(GgufHeader header, long length, string what, long position, int value)
    {
        uint align = header.Alignment;
        if (align == 0 || (align & (align - 1)) != 0 || header.DataOffset % align != 0)
            throw Failure(what, position, value, $"accepted alignment {align} with data offset {header.DataOffset}");
        long previousEnd = -1;
        foreach (var t in header.Tensors.OrderBy(t => t.Offset))
        {
            bool inside = t.ByteSize > 0 && t.Offset >= 0 && t.Offset % align == 0 &&
                t.FileOffset == header.DataOffset + t.Offset && t.FileOffset + t.ByteSize <= length;
            if (!inside || t.Offset < previousEnd)
                throw Failure(what, position, value, $"accepted tensor {t} at [{t.FileOffset}, +{t.ByteSize}) in a {length}-byte file");
            previousEnd = t.Offset + t.ByteSize;
        }
    }

    private static XunitException Failure(string what, long position, int value, string problem) =>
        new($"{what} at byte {position}{(value >= 0 ? $" = 0x{value:X2}" : "")}: {problem}");
}

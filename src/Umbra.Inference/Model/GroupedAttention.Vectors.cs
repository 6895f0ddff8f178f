using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Model;

/// <summary>
/// What the one body of <see cref="GroupedAttention"/> is compiled for: the vector width, the cache's element
/// type and the number of heads. Each is a struct type argument, so the JIT compiles one copy of the body per
/// combination with every call below inlined: the 512-bit copy keeps its accumulators in registers as the
/// 256-bit one does.
/// </summary>
internal static unsafe partial class GroupedAttention
{
    /// <summary>One vector width: its lanes, and the few operations the kernel needs, on <typeparamref name="TVector"/> itself.</summary>
    private interface ILanes<TVector>
        where TVector : struct
    {
        /// <summary>Floats per vector: cache slots per key load, value columns per slice.</summary>
        static abstract int Count { get; }

        static abstract TVector Broadcast(float x);

        /// <summary>x × v + acc, fused.</summary>
        static abstract TVector MultiplyAdd(float x, TVector v, TVector acc);

        static abstract TVector Multiply(TVector a, TVector b);

        static abstract void Store(TVector v, float* p);

        static abstract TVector LoadFloats(byte* p);

        /// <summary>Binary16 widened as it is loaded (<see cref="Fp16.ToSingleFinite8"/>: four instructions per vector).</summary>
        static abstract TVector LoadHalves(byte* p);

        /// <summary>Softmax of one head's scores at this width.</summary>
        static abstract void Softmax(Span<float> x);
    }

    /// <summary>256 bits (AVX2 + FMA): 8 slots per key load.</summary>
    private readonly struct Lanes256 : ILanes<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Broadcast(float x) => Vector256.Create(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> MultiplyAdd(float x, Vector256<float> v, Vector256<float> acc) => Fma.MultiplyAdd(Vector256.Create(x), v, acc);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<float> v, float* p) => v.Store(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> LoadFloats(byte* p) => Vector256.Load((float*)p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> LoadHalves(byte* p) => Fp16.ToSingleFinite8(p);

        public static void Softmax(Span<float> x) => Ops.Softmax(x);
    }

    /// <summary>
    /// 512 bits (AVX-512 F): 16 slots per key load. A 512-bit multiply-add does twice the work of a 256-bit one for
    /// the same issue slot and the same broadcast, and the cores with two 512-bit units run two a cycle.
    /// </summary>
    private readonly struct Lanes512 : ILanes<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Broadcast(float x) => Vector512.Create(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> MultiplyAdd(float x, Vector512<float> v, Vector512<float> acc) => Avx512F.FusedMultiplyAdd(Vector512.Create(x), v, acc);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<float> v, float* p) => v.Store(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LoadFloats(byte* p) => Vector512.Load((float*)p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LoadHalves(byte* p) => Fp16.ToSingleFinite16(p);

        public static void Softmax(Span<float> x) => Ops.SoftmaxWide(x);
    }

    /// <summary>How the cache stores its elements.</summary>
    private interface IElements
    {
        static abstract int Bytes { get; }

        /// <summary>A vector's width of consecutive elements at <paramref name="p"/> as floats.</summary>
        static abstract TVector Load<TLanes, TVector>(byte* p)
            where TLanes : struct, ILanes<TVector>
            where TVector : struct;
    }

    private readonly struct FloatElements : IElements
    {
        public static int Bytes => sizeof(float);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Load<TLanes, TVector>(byte* p)
            where TLanes : struct, ILanes<TVector>
            where TVector : struct => TLanes.LoadFloats(p);
    }

    private readonly struct HalfElements : IElements
    {
        public static int Bytes => sizeof(ushort);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Load<TLanes, TVector>(byte* p)
            where TLanes : struct, ILanes<TVector>
            where TVector : struct => TLanes.LoadHalves(p);
    }

    /// <summary>How many heads a kernel takes: 8, or 4 with the upper four dropped by the JIT.</summary>
    private interface IWidth
    {
        static abstract bool Wide { get; }
    }

    private readonly struct Four : IWidth
    {
        public static bool Wide => false;
    }

    private readonly struct Eight : IWidth
    {
        public static bool Wide => true;
    }
}

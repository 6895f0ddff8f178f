// Umbra: the 512-bit vpdpbusd tiles of Q4_0 weights against Q8Wide activations (DotPath.Avx512Vnni).
//
// .NET 10 exposes vpdpbusd only in its 128- and 256-bit VEX form (AvxVnni); the EVEX 512-bit form of AVX-512 VNNI
// arrives with .NET 11's AvxVnni.V512. These two functions are compiled once by generate.sh into position-independent
// machine code that WideVnni.Code.g.cs carries and ExecutableMemory maps into an executable page. They read and write
// only what their arguments point at: no calls, no globals, no constants in memory, no stack data.
//
// Each takes a span of whole groups of 16 Q4_0 blocks of a row (two rows for the _x2 form) against t vectors, the
// work Q8WideTiles.Groups does with vpmaddubsw. A group's nibbles are gathered into 8 registers in the wide group
// layout and its scales widened to floats, once for all vectors; then for each vector, from its start ints (−8 Σx
// per block), 8 vpdpbusd leave block i's whole integer sum in lane i, and one conversion, the scales' product and one
// multiply-add finish the group into the vector's 512-bit accumulator. Those are exactly the float operations, in the
// same order, of the managed body, and the integer sums are exact either way, so both give the same products.
#include <immintrin.h>

#define GROUP_BLOCKS 16
#define BLOCK_VALUES 32

// The 8 weight registers and the scales of one Q4_0 group of 16 blocks (see umbra_q4_0_wide_vnni512).
#define LOAD_Q4_0_GROUP(b, w0, w1, w2, w3, w4, w5, w6, w7, dw)                                           \
    do                                                                                                   \
    {                                                                                                    \
        const __m512i c0_ = _mm512_i32gather_epi32(offsets, (b) + 2, 1);                                 \
        const __m512i c1_ = _mm512_i32gather_epi32(offsets, (b) + 6, 1);                                 \
        const __m512i c2_ = _mm512_i32gather_epi32(offsets, (b) + 10, 1);                                \
        const __m512i c3_ = _mm512_i32gather_epi32(offsets, (b) + 14, 1);                                \
        w0 = _mm512_and_si512(c0_, mask);                                                                \
        w1 = _mm512_and_si512(c1_, mask);                                                                \
        w2 = _mm512_and_si512(c2_, mask);                                                                \
        w3 = _mm512_and_si512(c3_, mask);                                                                \
        w4 = _mm512_and_si512(_mm512_srli_epi32(c0_, 4), mask);                                          \
        w5 = _mm512_and_si512(_mm512_srli_epi32(c1_, 4), mask);                                          \
        w6 = _mm512_and_si512(_mm512_srli_epi32(c2_, 4), mask);                                          \
        w7 = _mm512_and_si512(_mm512_srli_epi32(c3_, 4), mask);                                          \
        dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_i32gather_epi32(offsets, (b), 1)));            \
    } while (0)

// One row: `groups` groups of 16 blocks (18 bytes each: a binary16 scale, then 16 bytes of nibbles, values 0..15
// in the low nibbles and 16..31 in the high ones) from `blocks`, against t vectors. x is vector 0's values of the
// first group, each vector `stride` bytes on and each group 512 bytes on; scale_rel / start_rel lead from a group's
// values to its 16 float scales / 16 start ints, as for the first group (each later group's lie 16 × (4 − 32) bytes
// nearer); acc holds t 512-bit accumulators, 64 bytes apart. Register k (k < 4) gathers bytes 4k..4k+3 of the 16
// blocks into lanes 0..15, the wide group layout: its low nibbles are values 4k..4k+3, its high nibbles (register
// k + 4) values 16 + 4k... The scales are gathered, narrowed to 16 bits and widened to floats (exactly). `ahead`:
// when not 0, each group asks for the lines `ahead` bytes further on. `consts`: 16 ints 18 × i (each block's
// offset), then 0x0F0F0F0F.
void umbra_q4_0_wide_vnni512(const unsigned char* blocks, long groups, const signed char* x, long stride, long scale_rel,
                             long start_rel, long t, float* acc, long ahead, const int* consts)
{
    const __m512i offsets = _mm512_loadu_si512(consts);
    const __m512i mask = _mm512_set1_epi32(consts[16]);
    for (long g = 0; g < groups; g++)
    {
        if (ahead != 0)
        {
            const char* p = (const char*)blocks + ahead;
            const char* end = p + GROUP_BLOCKS * 18;
            for (const char* line = (const char*)((long)p & ~63L); line < end; line += 64)
                _mm_prefetch(line, _MM_HINT_T0);
        }
        __m512i w0, w1, w2, w3, w4, w5, w6, w7;
        __m512 dw;
        LOAD_Q4_0_GROUP(blocks, w0, w1, w2, w3, w4, w5, w6, w7, dw);
        const signed char* xv = x;
        float* a = acc;
        for (long v = 0; v < t; v++, xv += stride, a += 16)
        {
            __m512i p = _mm512_loadu_si512(xv + start_rel);
            p = _mm512_dpbusd_epi32(p, w0, _mm512_loadu_si512(xv));
            p = _mm512_dpbusd_epi32(p, w1, _mm512_loadu_si512(xv + 64));
            p = _mm512_dpbusd_epi32(p, w2, _mm512_loadu_si512(xv + 128));
            p = _mm512_dpbusd_epi32(p, w3, _mm512_loadu_si512(xv + 192));
            p = _mm512_dpbusd_epi32(p, w4, _mm512_loadu_si512(xv + 256));
            p = _mm512_dpbusd_epi32(p, w5, _mm512_loadu_si512(xv + 320));
            p = _mm512_dpbusd_epi32(p, w6, _mm512_loadu_si512(xv + 384));
            p = _mm512_dpbusd_epi32(p, w7, _mm512_loadu_si512(xv + 448));
            const __m512 s = _mm512_mul_ps(dw, _mm512_loadu_ps(xv + scale_rel));
            _mm512_storeu_ps(a, _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), s, _mm512_loadu_ps(a)));
        }
        blocks += GROUP_BLOCKS * 18;
        x += GROUP_BLOCKS * BLOCK_VALUES;
        scale_rel += GROUP_BLOCKS * (4 - BLOCK_VALUES);
        start_rel += GROUP_BLOCKS * (4 - BLOCK_VALUES);
    }
}

// umbra_q4_0_wide_vnni512 for two rows at once, `row_bytes` apart, into acc and acc_b: each activation load feeds
// both rows' dots, and each row gets exactly the operations the one-row function gives it.
void umbra_q4_0_wide_vnni512_x2(const unsigned char* blocks, long row_bytes, long groups, const signed char* x, long stride,
                                long scale_rel, long start_rel, long t, float* acc, float* acc_b, long ahead, const int* consts)
{
    const __m512i offsets = _mm512_loadu_si512(consts);
    const __m512i mask = _mm512_set1_epi32(consts[16]);
    for (long g = 0; g < groups; g++)
    {
        if (ahead != 0)
        {
            for (int r = 0; r < 2; r++)
            {
                const char* p = (const char*)blocks + r * row_bytes + ahead;
                const char* end = p + GROUP_BLOCKS * 18;
                for (const char* line = (const char*)((long)p & ~63L); line < end; line += 64)
                    _mm_prefetch(line, _MM_HINT_T0);
            }
        }
        __m512i a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7;
        __m512 da, db;
        LOAD_Q4_0_GROUP(blocks, a0, a1, a2, a3, a4, a5, a6, a7, da);
        LOAD_Q4_0_GROUP(blocks + row_bytes, b0, b1, b2, b3, b4, b5, b6, b7, db);
        const signed char* xv = x;
        float* pa = acc;
        float* pb = acc_b;
        for (long v = 0; v < t; v++, xv += stride, pa += 16, pb += 16)
        {
            const __m512i start = _mm512_loadu_si512(xv + start_rel);
            __m512i x0 = _mm512_loadu_si512(xv);
            __m512i p = _mm512_dpbusd_epi32(start, a0, x0);
            __m512i q = _mm512_dpbusd_epi32(start, b0, x0);
            x0 = _mm512_loadu_si512(xv + 64);
            p = _mm512_dpbusd_epi32(p, a1, x0);
            q = _mm512_dpbusd_epi32(q, b1, x0);
            x0 = _mm512_loadu_si512(xv + 128);
            p = _mm512_dpbusd_epi32(p, a2, x0);
            q = _mm512_dpbusd_epi32(q, b2, x0);
            x0 = _mm512_loadu_si512(xv + 192);
            p = _mm512_dpbusd_epi32(p, a3, x0);
            q = _mm512_dpbusd_epi32(q, b3, x0);
            x0 = _mm512_loadu_si512(xv + 256);
            p = _mm512_dpbusd_epi32(p, a4, x0);
            q = _mm512_dpbusd_epi32(q, b4, x0);
            x0 = _mm512_loadu_si512(xv + 320);
            p = _mm512_dpbusd_epi32(p, a5, x0);
            q = _mm512_dpbusd_epi32(q, b5, x0);
            x0 = _mm512_loadu_si512(xv + 384);
            p = _mm512_dpbusd_epi32(p, a6, x0);
            q = _mm512_dpbusd_epi32(q, b6, x0);
            x0 = _mm512_loadu_si512(xv + 448);
            p = _mm512_dpbusd_epi32(p, a7, x0);
            q = _mm512_dpbusd_epi32(q, b7, x0);
            const __m512 dx = _mm512_loadu_ps(xv + scale_rel);
            _mm512_storeu_ps(pa, _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), _mm512_mul_ps(da, dx), _mm512_loadu_ps(pa)));
            _mm512_storeu_ps(pb, _mm512_fmadd_ps(_mm512_cvtepi32_ps(q), _mm512_mul_ps(db, dx), _mm512_loadu_ps(pb)));
        }
        blocks += GROUP_BLOCKS * 18;
        x += GROUP_BLOCKS * BLOCK_VALUES;
        scale_rel += GROUP_BLOCKS * (4 - BLOCK_VALUES);
        start_rel += GROUP_BLOCKS * (4 - BLOCK_VALUES);
    }
}

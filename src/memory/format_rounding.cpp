#include "memory/format_rounding.hpp"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

#include "memory/bf16.hpp"
#include "memory/fp16.hpp"

namespace flipguard::memory {
namespace {

// F16C's conversions are the ones fp16.hpp is bit-exact with; the library is built for any x86-64, so they
// are reached through a target attribute and a run-time check.
__attribute__((target("avx512f"))) void round_fp16_avx512(float* data, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 x = _mm512_loadu_ps(data + i);
    // The zero-masked forms: the plain ones start from an undefined register GCC 12 warns about.
    const __m256i h = _mm512_maskz_cvtps_ph(0xFFFF, x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm512_storeu_ps(data + i, _mm512_maskz_cvtph_ps(0xFFFF, h));
  }
  for (; i < n; ++i) data[i] = fp16_to_fp32(fp32_to_fp16(data[i]));
}

void round_fp16(float* data, std::int64_t n) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) return round_fp16_avx512(data, n);
  for (std::int64_t i = 0; i < n; ++i) data[i] = fp16_to_fp32(fp32_to_fp16(data[i]));
}

// fp32_to_bf16 then the widening, without a branch so the loop vectorises: a NaN keeps its top half, made
// quiet; anything else rounds to nearest even on the dropped 16 bits.
void round_bf16(float* data, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(data[i]);
    const bool nan = (u & 0x7FFFFFFFu) > 0x7F800000u;
    const std::uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u;
    const std::uint32_t quiet = (u & 0xFFFF0000u) | 0x00400000u;
    data[i] = std::bit_cast<float>(nan ? quiet : rounded);
  }
}

// int8_encode: x / scale in double, clamped to [-127, 127], rounded to nearest even (nearbyint in the
// default rounding mode); + 0.0 turns a -0 into the +0 the integer 0 decodes to. Inline so that each caller
// below compiles it for its own instruction set (nearbyint is one instruction from SSE4.1 on, a library call
// before it).
inline void int8_span(float* data, std::int64_t n, float scale) {
  const double s = scale;
  for (std::int64_t i = 0; i < n; ++i) {
    const float x = data[i] == data[i] ? data[i] : 0.0f;  // NaN -> 0
    const double q = std::nearbyint(std::clamp(static_cast<double>(x) / s, -127.0, 127.0)) + 0.0;
    data[i] = static_cast<float>(q) * scale;
  }
}

// The same, 16 elements at a time, with no division: x * (1 / scale) in float lands within one of the
// integer x / scale rounds to, and an exact test picks it. r's rounding interval ends are (r +- 0.5) s, and
// fma((r + 0.5), s, -x) has the sign of the exact (r + 0.5) s - x, zero only when x is on the end: for a
// scale of at least 2^-100 both terms are multiples of 2^-149, so the difference is a float and the fma's one
// rounding leaves it exact. A tie goes to the even end, as int8_encode's nearbyint does. (int8_encode divides
// in double; its quotient is never within a double's rounding of k + 0.5 unless it is on it.)
// tests/memory/test_format_rounding.cpp checks it against int8_encode over ties, their neighbours and
// random patterns.
// (GCC 12 warns of the undefined pass-through operand inside its own AVX-512 intrinsics.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
__attribute__((target("avx512f"))) void int8_span_avx512(float* data, std::int64_t n, float scale) {
  const __m512 inverse = _mm512_set1_ps(1.0f / scale), step = _mm512_set1_ps(scale);
  const __m512 lowest = _mm512_set1_ps(-128.0f), highest = _mm512_set1_ps(128.0f);
  const __m512 qmin = _mm512_set1_ps(-127.0f), qmax = _mm512_set1_ps(127.0f), one = _mm512_set1_ps(1.0f);
  const __m512 half = _mm512_set1_ps(0.5f), zero = _mm512_setzero_ps();
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 x = _mm512_loadu_ps(data + i);
    x = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, x, _CMP_ORD_Q), x);  // NaN -> 0 (a quiet compare)
    const __m512 q = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(x, inverse), lowest), highest);
    __m512 r = _mm512_roundscale_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __mmask16 odd = _mm512_test_epi32_mask(_mm512_cvtps_epi32(r), _mm512_set1_epi32(1));
    const __m512 above = _mm512_fmsub_ps(_mm512_add_ps(r, half), step, x);  // (r + 0.5) s - x
    const __m512 below = _mm512_fmsub_ps(_mm512_sub_ps(r, half), step, x);  // (r - 0.5) s - x
    const __mmask16 up =
        _mm512_cmp_ps_mask(above, zero, _CMP_LT_OQ) | (_mm512_cmp_ps_mask(above, zero, _CMP_EQ_OQ) & odd);
    const __mmask16 down =
        _mm512_cmp_ps_mask(below, zero, _CMP_GT_OQ) | (_mm512_cmp_ps_mask(below, zero, _CMP_EQ_OQ) & odd);
    r = _mm512_mask_sub_ps(_mm512_mask_add_ps(r, up, r, one), down, r, one);
    r = _mm512_add_ps(_mm512_min_ps(_mm512_max_ps(r, qmin), qmax), zero);  // -0 -> +0
    _mm512_storeu_ps(data + i, _mm512_mul_ps(r, step));
  }
  int8_span(data + i, n - i, scale);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

void round_through_int8(float* data, std::int64_t n, float scale) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  // (Below 2^-100 the exact test above would need more than a float: the division then stays.)
  if (avx512 && scale >= 0x1p-100f) return int8_span_avx512(data, n, scale);
  int8_span(data, n, scale);
}

void round_through(const Format& format, float* data, std::int64_t n) {
  switch (format.kind()) {
    case FormatKind::fp32:
      return;
    case FormatKind::fp16:
      return round_fp16(data, n);
    case FormatKind::bf16:
      return round_bf16(data, n);
    case FormatKind::fixed:
      for (std::int64_t i = 0; i < n; ++i) data[i] = format.decode(format.encode(data[i]));
      return;
    case FormatKind::int8:
    case FormatKind::int8_channel:
      break;
  }
  throw std::invalid_argument("round_through: " + format.name() + " needs a scale");
}

}  // namespace flipguard::memory

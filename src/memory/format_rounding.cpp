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

__attribute__((target("avx512f"))) void int8_span_avx512(float* data, std::int64_t n, float scale) {
  int8_span(data, n, scale);
}

}  // namespace

void round_through_int8(float* data, std::int64_t n, float scale) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) return int8_span_avx512(data, n, scale);
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

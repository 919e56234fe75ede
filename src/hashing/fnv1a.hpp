// FNV-1a, 64-bit: the project's stable hash for identities that must agree across runs and machines (campaign
// ids, data hashes, per-tensor fault-stream keys). Not for security.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace flipguard::hashing {

inline constexpr std::uint64_t kFnvOffset = 1469598103934665603ull;

inline std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// A 64-bit hash as the 16 lowercase hex digits ids are written with.
inline std::string hex16(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace flipguard::hashing

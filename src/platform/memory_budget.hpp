// How much memory this process may use, so that work whose size is known up front (a model's declared
// activations, a preloaded image set) fails with a clear error before anything is allocated, instead of
// std::bad_alloc, a sanitizer abort or the kernel's OOM killer. Below every area that allocates big buffers.
#pragma once

#include <cstdint>
#include <string>

namespace flipguard::platform {

// The smallest of physical memory, RLIMIT_AS and RLIMIT_DATA (those set, as by `ulimit -v`).
std::uint64_t usable_memory_bytes();

// Throws std::runtime_error "<what> needs X GiB, more than the Y GiB this process may use (...)" when
// `bytes` exceeds usable_memory_bytes().
void require_memory(std::uint64_t bytes, const std::string& what);

// Bytes of `count` elements of `element_size` bytes, or UINT64_MAX when that overflows.
std::uint64_t saturating_bytes(std::int64_t count, std::uint64_t element_size);

}  // namespace flipguard::platform

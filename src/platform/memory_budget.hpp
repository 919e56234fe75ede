// How much memory this process may use, so that work whose size is known up front (a model's declared
// activations, a preloaded image set) fails with a clear error before anything is allocated, instead of
// std::bad_alloc, a sanitizer abort or the kernel's OOM killer (in a container or a Slurm job, a cgroup's
// limit kills a process that oversteps it without a word). Below every area that allocates big buffers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace flipguard::platform {

// Where the limit comes from, for messages.
struct MemoryLimit {
  std::uint64_t bytes = UINT64_MAX;
  std::string source;  // "physical memory", "cgroup memory.max", "ulimit -v", "available memory", ...
};

// The smallest of physical memory, available memory (MemAvailable plus what this process holds), the memory
// cgroup's limit (v2 memory.max or v1 memory.limit_in_bytes, on the way up to the root) and RLIMIT_AS and
// RLIMIT_DATA (as set by `ulimit -v`), with the one that decides.
MemoryLimit memory_limit();
std::uint64_t usable_memory_bytes();

// The memory cgroup's limit for the process described by `proc_cgroup` (the text of /proc/self/cgroup), with
// cgroup file systems mounted under `root` (/sys/fs/cgroup); nullopt when there is none.
std::optional<std::uint64_t> cgroup_memory_limit(const std::string& proc_cgroup,
                                                 const std::filesystem::path& root);

// An allocation that failed, or would: what, how much, and the limit seen.
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws OutOfMemory "<what> needs X GiB, more than the Y GiB this process may use (<source>)" when `bytes`
// exceeds the limit.
void require_memory(std::uint64_t bytes, const std::string& what);
// The OutOfMemory to throw when allocating `bytes` for `what` failed (std::bad_alloc, or a library's
// out-of-memory status).
OutOfMemory out_of_memory(const std::string& what, std::uint64_t bytes);

// Bytes of `count` elements of `element_size` bytes, or UINT64_MAX when that overflows.
std::uint64_t saturating_bytes(std::int64_t count, std::uint64_t element_size);

}  // namespace flipguard::platform

#include "platform/memory_budget.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace flipguard::platform {

std::uint64_t usable_memory_bytes() {
  std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) limit = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
  for (int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit r{};
    if (getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
      limit = std::min<std::uint64_t>(limit, r.rlim_cur);
  }
  return limit;
}

void require_memory(std::uint64_t bytes, const std::string& what) {
  const std::uint64_t usable = usable_memory_bytes();
  if (bytes <= usable) return;
  char buf[200];
  const double gib = 1024.0 * 1024.0 * 1024.0;
  if (bytes == std::numeric_limits<std::uint64_t>::max())
    std::snprintf(buf, sizeof buf, " needs more bytes than 64 bits can count");
  else
    std::snprintf(buf, sizeof buf,
                  " needs %.3g GiB, more than the %.3g GiB this process may use (physical memory, ulimit -v)",
                  static_cast<double>(bytes) / gib, static_cast<double>(usable) / gib);
  throw std::runtime_error(what + buf);
}

std::uint64_t saturating_bytes(std::int64_t count, std::uint64_t element_size) {
  std::uint64_t out = 0;
  if (count < 0 || __builtin_mul_overflow(static_cast<std::uint64_t>(count), element_size, &out))
    return std::numeric_limits<std::uint64_t>::max();
  return out;
}

}  // namespace flipguard::platform

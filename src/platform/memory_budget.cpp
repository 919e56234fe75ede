#include "platform/memory_budget.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace flipguard::platform {
namespace {

std::optional<std::uint64_t> read_number(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(text, &used);
    // cgroup v1 writes "no limit" as a page-rounded 2^63 - 1.
    if (used != text.size() || v >= (1ull << 62)) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The tightest of `file` in `dir` and its ancestors up to `top` (limits nest: a parent's applies too).
std::optional<std::uint64_t> tightest(std::filesystem::path dir, const std::filesystem::path& top,
                                      const std::string& file) {
  std::optional<std::uint64_t> best;
  while (true) {
    if (auto v = read_number(dir / file)) best = best ? std::min(*best, *v) : *v;
    if (dir == top || !dir.has_relative_path() || dir.parent_path() == dir) break;
    const auto up = dir.parent_path();
    if (up.string().size() < top.string().size()) break;
    dir = up;
  }
  return best;
}

std::uint64_t kib_line(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key)) {
      std::istringstream s(line.substr(key.size()));
      std::uint64_t kib = 0;
      if (s >> kib) return kib * 1024;
    }
  return 0;
}

}  // namespace

std::optional<std::uint64_t> cgroup_memory_limit(const std::string& proc_cgroup,
                                                 const std::filesystem::path& root) {
  std::optional<std::uint64_t> limit;
  auto take = [&](std::optional<std::uint64_t> v) {
    if (v) limit = limit ? std::min(*limit, *v) : *v;
  };
  std::istringstream lines(proc_cgroup);
  std::string line;
  while (std::getline(lines, line)) {
    // "hierarchy-id:controllers:path"; v2 is "0::path", v1's memory hierarchy names "memory" among its
    // controllers. Inside a cgroup namespace the path is "/", so the mount point itself is tried too.
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    std::filesystem::path relative = std::filesystem::path(path).relative_path();
    if (controllers.empty()) {
      const auto top = root;
      take(tightest(top / relative, top, "memory.max"));
    } else {
      std::istringstream names(controllers);
      for (std::string name; std::getline(names, name, ',');)
        if (name == "memory") {
          for (const auto& mount : {root / "memory", root / controllers})
            if (std::filesystem::exists(mount))
              take(tightest(mount / relative, mount, "memory.limit_in_bytes"));
        }
    }
  }
  return limit;
}

MemoryLimit memory_limit() {
  MemoryLimit m;
  auto take = [&](std::uint64_t bytes, const char* source) {
    if (bytes < m.bytes) m = {bytes, source};
  };
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0)
    take(static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page), "physical memory");
  if (const std::uint64_t available = kib_line("/proc/meminfo", "MemAvailable:"); available > 0)
    take(available + kib_line("/proc/self/status", "VmRSS:"), "available memory");
  std::ifstream cg("/proc/self/cgroup");
  std::stringstream text;
  text << cg.rdbuf();
  if (auto c = cgroup_memory_limit(text.str(), "/sys/fs/cgroup")) take(*c, "the memory cgroup's limit");
  for (const auto& [resource, source] :
       {std::pair{RLIMIT_AS, "ulimit -v"}, std::pair{RLIMIT_DATA, "ulimit -d"}}) {
    rlimit r{};
    if (getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY) take(r.rlim_cur, source);
  }
  return m;
}

std::uint64_t usable_memory_bytes() {
  return memory_limit().bytes;
}

namespace {
std::string gib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}
}  // namespace

void require_memory(std::uint64_t bytes, const std::string& what) {
  const MemoryLimit limit = memory_limit();
  if (bytes <= limit.bytes) return;
  if (bytes == std::numeric_limits<std::uint64_t>::max())
    throw OutOfMemory(what + " needs more bytes than 64 bits can count");
  throw OutOfMemory(what + " needs " + gib(bytes) + ", more than the " + gib(limit.bytes) +
                    " of memory this process may use (" + limit.source + ")");
}

OutOfMemory out_of_memory(const std::string& what, std::uint64_t bytes) {
  const MemoryLimit limit = memory_limit();
  // 0: a size the caller cannot know (a library's internal allocation); say nothing rather than "0 GiB".
  const std::string size = bytes > 0 ? " (" + gib(bytes) + ")" : "";
  return OutOfMemory("out of memory: " + what + size + " could not be allocated; this process may use " +
                     gib(limit.bytes) + " (" + limit.source + ")");
}

std::uint64_t saturating_bytes(std::int64_t count, std::uint64_t element_size) {
  std::uint64_t out = 0;
  if (count < 0 || __builtin_mul_overflow(static_cast<std::uint64_t>(count), element_size, &out))
    return std::numeric_limits<std::uint64_t>::max();
  return out;
}

}  // namespace flipguard::platform

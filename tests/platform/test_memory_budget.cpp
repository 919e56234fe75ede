// The memory budget reads the limits a container or a batch job sets (cgroup v1 and v2), not only physical
// memory and rlimits, so a too-large run is refused before the kernel kills it.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "platform/memory_budget.hpp"
#include "support/temp_files.hpp"

namespace flipguard::platform {
namespace {

using testing::TempDir;
using testing::write_file;

TEST(MemoryBudget, CgroupV2LimitIsTheTightestOnThePathToTheRoot) {
  TempDir root("cgroup");
  write_file(root / "memory.max", "max\n");
  write_file(root / "slurm/memory.max", "8589934592\n");
  write_file(root / "slurm/job_7/memory.max", "max\n");
  write_file(root / "slurm/job_7/step_0/memory.max", "4294967296\n");
  EXPECT_EQ(cgroup_memory_limit("0::/slurm/job_7/step_0\n", root.path()), 4294967296u);
  EXPECT_EQ(cgroup_memory_limit("0::/slurm/job_7\n", root.path()), 8589934592u);
  // Unlimited all the way up: no limit.
  write_file(root / "free/memory.max", "max\n");
  EXPECT_EQ(cgroup_memory_limit("0::/free\n", root.path()), std::nullopt);
}

TEST(MemoryBudget, CgroupV1LimitAndItsNoLimitValue) {
  TempDir root("cgroup");
  write_file(root / "memory/memory.limit_in_bytes", "9223372036854771712\n");  // v1's "no limit"
  write_file(root / "memory/docker/abc/memory.limit_in_bytes", "2147483648\n");
  const std::string proc = "12:pids:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n";
  EXPECT_EQ(cgroup_memory_limit(proc, root.path()), 2147483648u);
  // Inside a cgroup namespace the path reads "/": the mount point's own file.
  write_file(root / "memory/memory.limit_in_bytes", "1073741824\n");
  EXPECT_EQ(cgroup_memory_limit("4:memory:/\n", root.path()), 1073741824u);
  EXPECT_EQ(cgroup_memory_limit("4:cpu,cpuacct:/x\n", root.path()), std::nullopt);
}

TEST(MemoryBudget, AnAddressSpaceLimitDecidesAndIsNamed) {
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &old), 0);
  rlimit capped = old;
  capped.rlim_cur = std::min<rlim_t>(old.rlim_max, rlim_t{3} << 40);  // 3 TiB: above what this process uses
  ASSERT_EQ(setrlimit(RLIMIT_AS, &capped), 0);
  const auto limit = memory_limit();
  EXPECT_LE(limit.bytes, capped.rlim_cur);
  try {
    require_memory(rlim_t{4} << 40, "a test buffer");
    ADD_FAILURE() << "4 TiB accepted";
  } catch (const OutOfMemory& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("a test buffer needs 4.1e+03 GiB"), std::string::npos) << what;
    EXPECT_NE(what.find(limit.source), std::string::npos) << what;
  }
  ASSERT_EQ(setrlimit(RLIMIT_AS, &old), 0);
  EXPECT_THROW(require_memory(UINT64_MAX, "x"), OutOfMemory);
  EXPECT_NO_THROW(require_memory(1 << 20, "a megabyte"));
}

}  // namespace
}  // namespace flipguard::platform

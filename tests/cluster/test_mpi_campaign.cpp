// The MPI transport, through the CLI under mpirun on ResNet-20 (few images): 2 ranks, and 3 ranks
// oversubscribed with adaptive trials, write exactly the serial run's records (timings and order aside); a
// worker killed mid-campaign aborts the job, and a serial restart ends with the uninterrupted run's records.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "campaign/records/trial_record_json.hpp"
#include "report/results_reader.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;

namespace {

const std::string kBinary = FLIPGUARD_BINARY;
const std::string kMpiexec = MPIEXEC;

fs::path temp_file(const std::string& name) {
  return flipguard::testing::scratch_path(name);
}

std::string campaign_args(const fs::path& results, const std::string& extra = "") {
  return " campaign --model " + (fs::path(FLIPGUARD_SOURCE_DIR) / "models" / "resnet20.json").string() +
         " --formats q2.5,fp16 --protections none,scale --bers 1e-4,1e-3 --trials 3 --images 32 --batch 16"
         " --threads 1 --results " +
         results.string() + " " + extra;
}

std::string mpirun(int ranks) {
  // Under AddressSanitizer, leak checking is off for the ranks: Open MPI's components allocate at start and
  // are unloaded before exit without freeing, so their leaks come from modules that no longer exist and no
  // suppression can name them. Our code's leaks are checked by the same campaigns in the serial tests.
  // Through env(1), so the prefix also works after `exec`.
  const std::string env = "env ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" ";
  return env + kMpiexec + " -n " + std::to_string(ranks) + " --oversubscribe ";
}

class MpiCampaign : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kMpiexec.empty() || !fs::exists(kMpiexec)) GTEST_SKIP() << "mpirun not found";
    // Open MPI refuses to run as root unless told (containers, CI).
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  }
};

int shell(const std::string& command) {
  const int status = std::system((command + " > /dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Outcome of each trial by record key: the record without its timings.
std::map<std::string, std::string> outcomes(const fs::path& results) {
  std::map<std::string, std::string> m;
  for (auto r : report::read_results(results).records) {
    r.seconds_faults = r.seconds_inference = 0;
    m[r.record_key()] = nlohmann::json(r).dump();
  }
  return m;
}

TEST_F(MpiCampaign, TwoRanksWriteTheSerialRunsRecords) {
  const auto serial = temp_file("serial.jsonl"), mpi = temp_file("mpi2.jsonl");
  ASSERT_EQ(shell(kBinary + campaign_args(serial)), 0);
  ASSERT_EQ(shell(mpirun(2) + kBinary + campaign_args(mpi)), 0);
  const auto expected = outcomes(serial);
  EXPECT_EQ(expected.size(), 2u * 2u * (1 + 2 * 3));
  EXPECT_EQ(outcomes(mpi), expected);
  fs::remove(serial);
  fs::remove(mpi);
}

TEST_F(MpiCampaign, ThreeOversubscribedRanksWithAdaptiveTrialsWriteTheSerialRunsRecords) {
  const auto serial = temp_file("serial_adaptive.jsonl"), mpi = temp_file("mpi3.jsonl");
  const std::string adaptive = "--ci-target 6 --min-trials 4 --max-trials 10 --wave 2";
  ASSERT_EQ(shell(kBinary + campaign_args(serial, adaptive)), 0);
  ASSERT_EQ(shell(mpirun(3) + kBinary + campaign_args(mpi, adaptive)), 0);
  const auto expected = outcomes(serial);
  EXPECT_GT(expected.size(), 2u * 2u * (1 + 2 * 4) - 1);  // at least min_trials per cell
  EXPECT_EQ(outcomes(mpi), expected);
  // A rerun under MPI finds everything done.
  const auto before = fs::file_size(mpi);
  ASSERT_EQ(shell(mpirun(3) + kBinary + campaign_args(mpi, adaptive)), 0);
  EXPECT_EQ(fs::file_size(mpi), before);
  fs::remove(serial);
  fs::remove(mpi);
}

// The pid of rank `rank` among the children of `parent` (Open MPI starts local ranks as its children and
// gives each OMPI_COMM_WORLD_RANK in its environment).
pid_t child_rank(pid_t parent, int rank) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent) continue;
    std::ifstream env(e.path() / "environ", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    if (text.find(std::string("OMPI_COMM_WORLD_RANK=") + std::to_string(rank) + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stoi(name));
  }
  return 0;
}

std::size_t lines(const fs::path& p) {
  std::ifstream f(p);
  std::size_t n = 0;
  for (std::string l; std::getline(f, l);) ++n;
  return n;
}

TEST_F(MpiCampaign, AKilledWorkerAbortsTheJobAndARestartEndsWithTheUninterruptedRecords) {
  const auto reference = temp_file("uninterrupted.jsonl"), killed = temp_file("killed.jsonl");
  const std::string more = "--trials 6 --images 96";  // long enough to be killed in the middle
  ASSERT_EQ(shell(kBinary + campaign_args(reference, more)), 0);
  const auto expected = outcomes(reference);
  const std::string command =
      "exec " + mpirun(3) + kBinary + campaign_args(killed, more) + " > /dev/null 2>&1";
  const pid_t job = fork();
  ASSERT_GE(job, 0);
  if (job == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  pid_t worker = 0;
  while (std::chrono::steady_clock::now() < deadline && (lines(killed) < 4 || !worker)) {
    if (!worker) worker = child_rank(job, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_NE(worker, 0) << "rank 1 not found";
  ASSERT_EQ(kill(worker, SIGKILL), 0);
  int status = 0;
  for (int i = 0; i < 600 && waitpid(job, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (waitpid(job, &status, WNOHANG) == 0) {
    kill(job, SIGKILL);
    waitpid(job, &status, 0);
    FAIL() << "mpirun did not end after a rank was killed";
  }
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the job should fail";
  const std::size_t done = lines(killed);
  EXPECT_LT(done, expected.size()) << "killed after the campaign had finished: make it longer";
  ASSERT_EQ(shell(kBinary + campaign_args(killed, more)), 0);  // serial restart resumes
  EXPECT_EQ(outcomes(killed), expected);
  fs::remove(reference);
  fs::remove(killed);
}

}  // namespace

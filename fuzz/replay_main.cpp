// Runs a fuzz target's entry point over files without libFuzzer, so every build (including the gcc
// sanitizer build) replays the committed corpus and the inputs that once crashed a target. Arguments are
// folders (or files); a missing folder is skipped, but at least one input must run.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A private copy, so a read past the input's end is caught by AddressSanitizer as in libFuzzer.
  std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(copy.data(), copy.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    if (std::filesystem::is_regular_file(arg)) {
      run_file(arg);
      ++runs;
      continue;
    }
    if (!std::filesystem::is_directory(arg)) {
      std::printf("%s: no such folder, skipped\n", argv[i]);
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(arg))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      run_file(f);
      ++runs;
    }
    std::printf("%s: %zu inputs\n", argv[i], files.size());
  }
  if (runs == 0) {
    std::fprintf(stderr, "no inputs to replay\n");
    return 1;
  }
  std::printf("replayed %zu inputs cleanly\n", runs);
  return 0;
}

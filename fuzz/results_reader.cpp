// The report's results reader (JSON Lines of trial records).
#include "report/results_reader.hpp"

#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string source = "fuzz-results.jsonl";
  flipguard::fuzz::expect_clean_error(source, [&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const flipguard::report::ResultsData d = flipguard::report::read_results(in, source);
    for (const auto& r : d.records)
      if (r.top1 < 0 || r.top5 < r.top1 || r.top5 > r.images || !(r.ber >= 0 && r.ber <= 1)) std::abort();
  });
  return 0;
}

// The campaign's resumable results file: reopening a file of arbitrary content (which may repair a torn last
// line by truncating the file) and appending one record.
#include "campaign/records/results_file.hpp"

#include <cstdint>
#include <string>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = flipguard::fuzz::scratch().write("results.jsonl", data, size);
  flipguard::fuzz::expect_clean_error(path.string(), [&] {
    flipguard::campaign::ResultsFile file(path.string(), "adae40b5d1512b73");
    for (const auto& r : file.records())
      if (!file.has(r.record_key()) || r.campaign != "adae40b5d1512b73") std::abort();
    flipguard::campaign::TrialRecord r;
    r.campaign = "adae40b5d1512b73";
    r.trial = 1000000;
    const std::size_t before = file.records().size();
    file.append(r);
    if (file.records().size() != before + 1 || !file.has(r.record_key())) std::abort();
  });
  return 0;
}

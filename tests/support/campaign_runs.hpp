// Small real campaigns for tests: a ResNet-20 configuration to start from, running one to its records, and
// a record's fingerprint (what two runs of the same campaign must agree on).
#pragma once

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "report/results_reader.hpp"
#include "support/test_paths.hpp"

namespace flipguard::testing {

// ResNet-20 (CIFAR-10) writing to `results`; every other setting at its default, for the test to set.
inline campaign::CampaignConfig resnet20_campaign(const std::filesystem::path& results) {
  campaign::CampaignConfig c;
  c.model = (models_dir() / "resnet20.json").string();
  c.results = results.string();
  return c;
}

// Runs `c` (resuming its results file) and returns every record the file then holds; the log, if asked.
inline std::vector<campaign::TrialRecord> run_campaign_records(const campaign::CampaignConfig& c,
                                                               std::string* log_text = nullptr) {
  std::ostringstream log;
  campaign::run_campaign(
      c, [](const campaign::CampaignProgress&) {}, log);
  if (log_text) *log_text = log.str();
  return report::read_results(c.results).records;
}

// Everything a record says but its timings and how its logits were had (shortcuts give the same records).
inline std::string fingerprint(campaign::TrialRecord r) {
  r.seconds_faults = r.seconds_inference = 0;
  r.reused = false;
  r.start_layer = 0;
  return nlohmann::json(r).dump();
}

inline std::multiset<std::string> fingerprints(const std::vector<campaign::TrialRecord>& records) {
  std::multiset<std::string> s;
  for (const auto& r : records) s.insert(fingerprint(r));
  return s;
}

}  // namespace flipguard::testing

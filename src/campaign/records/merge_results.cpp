#include "campaign/records/merge_results.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <tuple>

#include "campaign/records/results_file.hpp"
#include "campaign/records/trial_record_json.hpp"

namespace flipguard::campaign {
namespace {

struct Placed {
  TrialRecord record;
  std::string where;  // "file:line"
};

// Everything that defines a trial's outcome: the record without its timings.
std::string content(TrialRecord r) {
  r.seconds_faults = r.seconds_inference = 0;
  return nlohmann::json(r).dump();
}

}  // namespace

MergeSummary merge_results(const std::string& out, const std::vector<std::string>& inputs) {
  if (inputs.empty()) throw std::invalid_argument("merge: no input files");
  if (std::filesystem::exists(out))
    throw std::invalid_argument("merge: " + out +
                                " exists; merge writes a new file (remove it or pick another)");
  MergeSummary summary;
  std::string campaign, campaign_source;
  std::map<std::string, Placed> by_key;
  std::vector<std::string> order;  // format|protection in first-seen order
  for (const auto& path : inputs) {
    // A missing input is an error (parse_results reads one as empty); anything else that is no results
    // file (a folder, a device) is named as what it is by read_results_text.
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
      throw std::invalid_argument("merge: " + path + ": no such file");
    auto parsed = parse_results_text(read_results_text(path), path);
    if (!parsed.warning.empty()) summary.warnings.push_back(parsed.warning);
    for (std::size_t i = 0; i < parsed.records.size(); ++i) {
      const auto& r = parsed.records[i];
      const std::string where = path + ":" + std::to_string(i + 1);
      if (campaign.empty()) {
        campaign = r.campaign;
        campaign_source = where;
      } else if (r.campaign != campaign) {
        throw std::runtime_error("merge: " + where + ": record of another campaign (" + r.campaign + ", " +
                                 campaign_source + " is of " + campaign + ")");
      }
      const std::string config = r.format + "|" + r.protection;
      if (std::find(order.begin(), order.end(), config) == order.end()) order.push_back(config);
      const auto [it, inserted] = by_key.emplace(r.record_key(), Placed{r, where});
      if (inserted) continue;
      if (content(it->second.record) != content(r))
        throw std::runtime_error("merge: " + it->second.where + " and " + where +
                                 " hold different results for " + r.record_key() +
                                 " (not shards of one run?)");
      ++summary.duplicates;
    }
  }
  if (by_key.empty()) throw std::runtime_error("merge: the input files hold no records");
  std::vector<const TrialRecord*> sorted;
  for (const auto& [key, placed] : by_key) sorted.push_back(&placed.record);
  auto rank = [&](const TrialRecord& r) {
    return std::find(order.begin(), order.end(), r.format + "|" + r.protection) - order.begin();
  };
  std::sort(sorted.begin(), sorted.end(), [&](const TrialRecord* a, const TrialRecord* b) {
    return std::make_tuple(rank(*a), a->ber, a->trial) < std::make_tuple(rank(*b), b->ber, b->trial);
  });
  std::string text;
  for (const auto* r : sorted) text += nlohmann::json(*r).dump() + "\n";
  write_results_atomically(out, text, "merge");
  summary.records = static_cast<std::int64_t>(sorted.size());
  return summary;
}

}  // namespace flipguard::campaign

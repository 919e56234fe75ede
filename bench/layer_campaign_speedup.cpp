// A layer campaign (clean prefix once per batch, suffix per trial) against the same per-layer trials run as
// ordinary campaigns (`tensors` = one layer, full forward pass per trial), in this process, on the same
// settings. Prints both wall times, both sums of the trials' own times (fault injection + inference, the
// layer campaign's prefix shared out over its trials), their ratios, and whether the records agree (they
// must, bit for bit, timings aside).
//
// usage: bench_layer_campaign_speedup MODEL TENSORS_REGEX [IMAGES=64] [TRIALS=2] [BERS=1e-4,1e-3]
//        [FORMATS=q2.5] [PROTECTIONS=scale] [BATCH=16] [THREADS=2]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/layer_campaign.hpp"
#include "campaign/settings/settings.hpp"
#include "report/results_reader.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

std::string escape_regex(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (std::string("\\^$.|?*+()[]{}").find(ch) != std::string::npos) out += '\\';
    out += ch;
  }
  return out;
}

std::string fingerprint(TrialRecord r) {
  r.seconds_faults = r.seconds_inference = 0;
  r.campaign.clear();
  return nlohmann::json(r).dump();
}

double trial_seconds(const std::vector<TrialRecord>& rs) {
  double s = 0;
  for (const auto& r : rs) s += r.seconds_faults + r.seconds_inference;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s MODEL TENSORS_REGEX [IMAGES=64] [TRIALS=2] [BERS=1e-4,1e-3] [FORMATS=q2.5] "
                 "[PROTECTIONS=scale] [BATCH=16] [THREADS=2]\n",
                 argv[0]);
    return 2;
  }
  auto arg = [&](int i, const char* fallback) { return std::string(argc > i ? argv[i] : fallback); };
  CampaignConfig c;
  c.model = argv[1];
  c.tensors = argv[2];
  try {
    c.images = std::stol(arg(3, "64"));
    c.trials = std::stoi(arg(4, "2"));
    set_setting(c, "bers", arg(5, "1e-4,1e-3"));
    set_setting(c, "formats", arg(6, "q2.5"));
    set_setting(c, "protections", arg(7, "scale"));
    c.batch = std::stoi(arg(8, "16"));
    c.threads = std::stoi(arg(9, "2"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bad argument: %s\n", e.what());
    return 2;
  }
  const fs::path dir = fs::temp_directory_path() / ("flipguard_layer_bench_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ostringstream log;
  using clock_type = std::chrono::steady_clock;

  c.results = (dir / "layers.jsonl").string();
  auto t0 = clock_type::now();
  const auto summary = run_layer_campaign(
      c, [](const LayerCampaignProgress&) {}, log);
  const double layer_wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  const auto layer_records = report::read_results(c.results).records;

  std::vector<TrialRecord> ordinary_records;
  t0 = clock_type::now();
  for (const auto& layer : summary.layers) {
    CampaignConfig single = c;
    single.tensors = "^" + escape_regex(layer) + "$";
    single.results = (dir / ("single_" + std::to_string(ordinary_records.size()) + ".jsonl")).string();
    run_campaign(
        single, [](const CampaignProgress&) {}, log);
    for (auto r : report::read_results(single.results).records) {
      r.tensors = layer;
      ordinary_records.push_back(r);
    }
  }
  const double ordinary_wall = std::chrono::duration<double>(clock_type::now() - t0).count();

  std::multiset<std::string> a, b;
  for (const auto& r : layer_records) a.insert(fingerprint(r));
  for (const auto& r : ordinary_records) b.insert(fingerprint(r));
  const double layer_trials = trial_seconds(layer_records), ordinary_trials = trial_seconds(ordinary_records);
  std::printf("%s, %zu layers (%s), %lld images, %zu records per mode, batch %d, %d threads\n",
              c.model.c_str(), summary.layers.size(), c.tensors.c_str(), static_cast<long long>(c.images),
              layer_records.size(), c.batch, c.threads);
  std::printf("%-28s %12s %12s %8s\n", "", "ordinary", "layer", "speedup");
  std::printf("%-28s %12.2f %12.2f %7.2fx\n", "wall (s)", ordinary_wall, layer_wall,
              ordinary_wall / layer_wall);
  std::printf("%-28s %12.2f %12.2f %7.2fx\n", "trials: faults + inference (s)", ordinary_trials, layer_trials,
              ordinary_trials / layer_trials);
  std::printf("records identical (timings aside): %s\n", a == b ? "yes" : "NO");
  fs::remove_all(dir);
  return a == b ? 0 : 1;
}

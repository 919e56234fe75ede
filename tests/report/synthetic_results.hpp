// A synthetic campaign with known per-cell values, generated in the tests (no campaign run needed):
// cell (format, protection, ber) has Top-1 = clean - drop trial offsets {-2, -1, 0, 1, 2} * spread, so the
// expected mean, sample std and CI half-width follow from the parameters directly.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "campaign/records/trial_record.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "support/temp_files.hpp"

namespace flipguard::test {

struct Synthetic {
  std::vector<std::string> formats{"q2.5", "fp16"};
  std::vector<std::string> protections{"none", "scale", "scale+ecc72"};
  std::vector<double> bers{0, 1e-6, 1e-5, 1e-4};
  int trials = 5;  // at BER > 0; BER 0 has one trial (the clean run is deterministic)
  std::int64_t images = 2000;
  // The faulty cells' interval method: Student t keeps the expected half-widths in closed form.
  stats::IntervalMethod interval = stats::IntervalMethod::student_t;

  // Top-1 percent of the clean model in a format, and the drop at a BER under a protection.
  static double clean(const std::string& format) { return format == "fp16" ? 91.0 : 88.0; }
  static double drop(const std::string& protection, double ber) {
    if (ber == 0) return 0;
    const double level = std::log10(ber) + 7;  // 1 at 1e-6, 3 at 1e-4
    const double per = protection == "none" ? 8.0 : protection == "scale" ? 4.0 : 1.0;
    return per * level * level;
  }
  static double spread(double ber) { return ber == 0 ? 0 : 0.5 + 0.25 * (std::log10(ber) + 7); }
  static double overhead(const std::string& protection) { return protection == "scale+ecc72" ? 0.125 : 0.0; }
  double mean(const std::string& f, const std::string& p, double ber) const {
    return clean(f) - drop(p, ber);
  }

  std::vector<campaign::TrialRecord> records() const {
    std::vector<campaign::TrialRecord> out;
    for (const auto& f : formats)
      for (const auto& p : protections)
        for (double ber : bers)
          for (int t = 0; t < (ber == 0 ? 1 : trials); ++t) {
            campaign::TrialRecord r;
            r.campaign = "c0ffee";
            r.model = "resnet20";
            r.model_sha256 = "abc123";
            r.data = "cifar10";
            r.data_hash = "d47a";
            r.images = images;
            r.format = f;
            r.protection = p;
            r.memory_overhead = overhead(p);
            r.ber = ber;
            r.fault_model = "ber:" + std::to_string(ber);
            r.seed = 7;
            r.trial = t;
            r.tensors = "all";
            r.adaptive.interval = interval;
            const double offset = ber == 0 ? 0 : (t - 2) * spread(ber);
            const double top1 = mean(f, p, ber) + offset;  // chosen so top1 * images / 100 is whole
            r.top1 = std::llround(top1 * static_cast<double>(images) / 100);
            r.top5 = std::min(images, r.top1 + images / 20);
            r.flips = static_cast<std::int64_t>(ber * 1e7) + t;
            r.changed_weights = r.flips / 2;
            r.non_finite = (p == "none" && ber == 1e-4 && t == 0) ? 3 : 0;
            r.ecc_corrected = p == "scale+ecc72" ? r.flips : 0;
            out.push_back(r);
          }
    return out;
  }
};

// A layer campaign's records: each layer faulted alone, per configuration and BER (0 first), `trials`
// trials per faulty cell. Top-1 of layer l at BER index b is 90 - 20 * l * b (percent, whole images).
inline std::vector<campaign::TrialRecord> layer_records(const std::vector<std::string>& layers,
                                                        const std::vector<std::string>& protections,
                                                        const std::vector<double>& bers, int trials) {
  std::vector<campaign::TrialRecord> out;
  for (std::size_t l = 0; l < layers.size(); ++l)
    for (const auto& p : protections)
      for (std::size_t b = 0; b < bers.size(); ++b)
        for (int t = 0; t < (bers[b] == 0 ? 1 : trials); ++t) {
          campaign::TrialRecord r;
          r.campaign = "1a7e5";
          r.model = "resnet20";
          r.model_sha256 = "abc123";
          r.data = "cifar10";
          r.data_hash = "d47a";
          r.images = 100;
          r.format = "q2.5";
          r.protection = p;
          r.ber = bers[b];
          r.fault_model = "ber:" + std::to_string(bers[b]);
          r.seed = 7;
          r.trial = t;
          r.tensors = layers[l];
          r.top1 =
              std::max<std::int64_t>(0, 90 - static_cast<std::int64_t>(20 * l * b) + (p == "scale" ? 5 : 0));
          r.top5 = std::min<std::int64_t>(100, r.top1 + 5);
          out.push_back(r);
        }
  return out;
}

inline std::string to_jsonl(const std::vector<campaign::TrialRecord>& records) {
  std::string s;
  for (const auto& r : records) s += nlohmann::json(r).dump() + "\n";
  return s;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = flipguard::testing::scratch_path("report-" + name);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace flipguard::test

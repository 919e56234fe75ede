// The two reads a campaign makes through a protection stack, timed for several protections on one tensor
// (ResNet-18's largest conv, 2.36M weights, in Q2.5 and FP16): read_all, once per configuration, and
// read_touched, once per faulted tensor and trial (BER 1e-5 over data and check bits). Prints the median
// time of each and an FNV-1a hash of every value read, so two builds can be compared for speed and for bit
// identity (run each build's binary in turn, alternating).
//
// usage: bench_protected_reads [--rounds N]   (default 7)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "faults/fault_model.hpp"
#include "faults/sampler.hpp"
#include "hashing/fnv1a.hpp"
#include "protect/protected_tensor.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace flipguard;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::uint64_t hash_values(std::uint64_t h, const float* v, std::size_t n) {
  return hashing::fnv1a(h, v, n * sizeof(float));
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 7;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--rounds") rounds = std::atoi(argv[i + 1]);
  constexpr std::size_t kChannels = 512, kWeights = kChannels * 512 * 9;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::vector<float> weights(kWeights);
  for (float& w : weights) w = normal(rng);
  const auto model = faults::FaultModel::parse("ber:1e-5");
  constexpr int kTrials = 200;

  std::printf("%-28s %-5s %12s %16s %18s\n", "protection", "fmt", "read_all ms", "read_touched us", "hash");
  for (const char* format : {"q2.5", "fp16"}) {
    for (const char* protection : {"none", "scale", "scale-channel+clip-channel", "ecc72",
                                   "scale+ecc72+nanguard", "ecc39:keep+clip", "scale+ecc13+nanguard+clip"}) {
      protect::ProtectedTensor t(protect::ProtectionSpec::parse(protection), memory::Format::parse(format),
                                 weights, kChannels);
      std::uint64_t h = hashing::kFnvOffset;
      std::vector<double> all_ms, touched_us;
      for (int r = 0; r < rounds; ++r) {
        const auto t0 = Clock::now();
        const auto values = t.read_all();
        all_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (r == 0) h = hash_values(h, values.data(), values.size());
        double seconds = 0;
        for (int trial = 0; trial < kTrials; ++trial) {
          const faults::SampleRegion data{t.size(), t.format().bits(), "w"};
          auto data_applied =
              faults::sample_faults(model, data, {1, std::uint64_t(trial), 0, 0}).apply(t.data_bits());
          faults::AppliedFaults check_applied;
          if (t.check_bits().size_bits() > 0)
            check_applied = faults::sample_faults(model, {t.check_bits().size_bits(), 1, "w"},
                                                  {1, std::uint64_t(trial), 0, 1})
                                .apply(t.check_bits());
          const auto t1 = Clock::now();
          const auto reads = t.read_touched(data_applied.changed_bits(), check_applied.changed_bits());
          seconds += std::chrono::duration<double>(Clock::now() - t1).count();
          if (r == 0)
            for (const auto& e : reads) {
              h = hashing::fnv1a(h, &e.index, sizeof e.index);
              h = hash_values(h, &e.value, 1);
            }
          check_applied.undo(t.check_bits());
          data_applied.undo(t.data_bits());
        }
        touched_us.push_back(seconds / kTrials * 1e6);
      }
      std::printf("%-28s %-5s %12.3f %16.3f %18llx\n", protection, format, median(all_ms), median(touched_us),
                  static_cast<unsigned long long>(h));
    }
  }
  return 0;
}

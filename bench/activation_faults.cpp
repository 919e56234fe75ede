// What activation faults cost at inference: the same batches of one model run alternately without the hook
// (the baseline); at each RATE, with transient faults in every value it writes, in fp32 and in int8 storage,
// without protection and behind ecc72 (SECDED codewords over each image's words, check bits in the same
// faulty memory, decoded only where a fault fell); with every value stored in fp16 (rounded on each write, no
// faults), with fp16 storage behind the NaN guard, and with every value in int8 (one scale per value,
// calibrated on the benchmark's batch). Each side keeps its best of PAIRS timed passes; ratios are against
// the baseline of the same run. A batch in which a fault made a NaN runs again with the kernels that
// propagate it (docs/protections.md), and a batch in which a fault made a value non-finite or huge goes on
// with them from there: both counts are printed, since those kernels, not the injection, are what a high
// rate costs.
//
// usage: bench_activation_faults [MODEL=models/resnet50.onnx] [BATCH=16] [PAIRS=3] [RATES=1e-8,1e-6]
//                                [THREADS=2]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "data/loading/batch_loader.hpp"
#include "engine/executor.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "faults/fault_model.hpp"
#include "model/onnx_loader.hpp"

using namespace flipguard;

namespace {

double seconds_of(engine::Executor& ex, const std::vector<float>& input, std::vector<float>& out, int runs) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) ex.run(input.data(), ex.batch(), out.data());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / runs;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : std::string(FLIPGUARD_SOURCE_DIR) + "/models/resnet50.onnx";
  const int batch = argc > 2 ? std::stoi(argv[2]) : 16;
  const int pairs = argc > 3 ? std::stoi(argv[3]) : 3;
  const std::string rates_text = argc > 4 ? argv[4] : "1e-8,1e-6";
  const int threads = argc > 5 ? std::stoi(argv[5]) : 2;

  engine::ExecutorOptions eo;
  eo.batch = batch;
  eo.threads = threads;
  engine::Executor ex(model::load_onnx(model), eo);
  std::vector<float> input(static_cast<std::size_t>(ex.batch() * ex.input_size()));
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0, 1);
  for (auto& x : input) x = normal(rng);
  std::vector<float> out(static_cast<std::size_t>(ex.batch() * ex.output_size()));
  const auto site = fault_sites::fault_site_type("activations").select(ex, "all");
  std::vector<std::string> rates;
  for (std::size_t at = 0; at <= rates_text.size();) {
    const std::size_t comma = std::min(rates_text.find(',', at), rates_text.size());
    rates.push_back(rates_text.substr(at, comma - at));
    at = comma + 1;
  }
  std::vector<std::size_t> images(static_cast<std::size_t>(ex.batch()) * 1000);
  for (std::size_t i = 0; i < images.size(); ++i) images[i] = i;

  // Runs per timed pass: about a second of the baseline.
  ex.run(input.data(), ex.batch(), out.data());
  const int runs = std::max(1, static_cast<int>(1.0 / seconds_of(ex, input, out, 1)));
  // int8 takes one scale per value from calibration images: the benchmark's own batch.
  data::PreprocessedSet calibration;
  const auto& dims = ex.input_dims();
  calibration.channels = static_cast<std::size_t>(dims[1]);
  calibration.height = static_cast<std::size_t>(dims[2]);
  calibration.width = static_cast<std::size_t>(dims[3]);
  calibration.tensor = input;
  calibration.targets.assign(static_cast<std::size_t>(ex.batch()), -1);
  site->calibrate({&calibration, "the benchmark's batch"});
  // The faulty sides: each rate x (fp32, int8) x (none, ecc72).
  struct Faulty {
    std::string format, protection, rate;
    faults::FaultModel model;
    double best = 1e300;
    std::int64_t flips = 0, corrected = 0, detected = 0, passes = 0;
    long faithful = 0;  // batches run again with NaN-propagating kernels
    long switched = 0;  // batches finished with them, from the first value a fault made extreme
  };
  std::vector<Faulty> faulty;
  for (const auto& rate : rates)
    for (const char* format : {"fp32", "int8"})
      for (const char* protection : {"none", "ecc72"})
        faulty.push_back({format, protection, rate, faults::FaultModel::parse("ber:" + rate)});
  double clean = 1e300, fp16 = 1e300, guarded = 1e300, int8 = 1e300;
  for (int p = 0; p < pairs; ++p) {
    clean = std::min(clean, seconds_of(ex, input, out, runs));
    for (auto& f : faulty) {
      auto faults = site->configure(f.format, f.protection);
      faults->inject({.model = f.model, .seed = 1, .trial = static_cast<std::uint64_t>(p), .images = images});
      const long before = ex.faithful_runs(), switched_before = ex.faithful_switches();
      f.best = std::min(f.best, seconds_of(ex, input, out, runs));
      f.faithful += ex.faithful_runs() - before;
      f.switched += ex.faithful_switches() - switched_before;
      const auto stats = faults->restore();
      f.flips += stats.flips;
      f.corrected += stats.ecc_corrected;
      f.detected += stats.ecc_detected;
      ++f.passes;
    }
    {
      auto faults = site->configure("fp16", "none");
      fp16 = std::min(fp16, seconds_of(ex, input, out, runs));
    }
    {
      auto faults = site->configure("fp16", "nanguard");
      guarded = std::min(guarded, seconds_of(ex, input, out, runs));
    }
    {
      auto faults = site->configure("int8", "none");
      int8 = std::min(int8, seconds_of(ex, input, out, runs));
    }
  }
  std::printf("model %s, batch %d, %d threads, %zu values, best of %d passes of %d runs per side\n",
              model.c_str(), ex.batch(), threads, site->targets().size(), pairs, runs);
  std::printf("%-34s %10s %8s\n", "configuration", "ms/batch", "ratio");
  std::printf("%-34s %10.2f %8.3f\n", "clean (no hook)", clean * 1e3, 1.0);
  for (const auto& f : faulty) {
    const double batches = static_cast<double>(f.passes * runs);
    std::printf("%-34s %10.2f %8.3f   (%.1f flips per batch",
                (f.format + " " + f.protection + ", ber " + f.rate).c_str(), f.best * 1e3, f.best / clean,
                static_cast<double>(f.flips) / batches);
    if (f.protection != "none")
      std::printf(", %.1f corrected, %.2f detected", static_cast<double>(f.corrected) / batches,
                  static_cast<double>(f.detected) / batches);
    std::printf("; of %lld batches, %ld switched to the NaN-faithful kernels, %ld rerun for a NaN)\n",
                static_cast<long long>(batches), f.switched, f.faithful);
  }
  std::printf("%-34s %10.2f %8.3f\n", "fp16 storage of every value", fp16 * 1e3, fp16 / clean);
  std::printf("%-34s %10.2f %8.3f\n", "fp16 storage + nanguard", guarded * 1e3, guarded / clean);
  std::printf("%-34s %10.2f %8.3f\n", "int8 storage of every value", int8 * 1e3, int8 / clean);
  return 0;
}

// What activation faults cost at inference: the same batches of one model run alternately without the hook
// (the baseline), with transient faults at RATE in every value it writes (fp32 storage), with every value
// stored in fp16 (rounded on each write, no faults), with fp16 storage behind the NaN guard, and with every
// value in int8 (one scale per value, calibrated on the benchmark's batch). Each side
// keeps its best of PAIRS timed passes; ratios are against the baseline of the same run. A batch in which a
// fault made a NaN runs again with the kernels that propagate it (docs/protections.md), and a batch in which
// a fault made a value non-finite or huge goes on with them from there: both counts are printed, since those
// kernels, not the injection, are what a high rate costs.
//
// usage: bench_activation_faults [MODEL=models/resnet50.onnx] [BATCH=16] [PAIRS=3] [RATE=1e-6] [THREADS=2]
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
  const double rate = argc > 4 ? std::stod(argv[4]) : 1e-6;
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
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, "%g", rate);
  const auto fault = faults::FaultModel::parse(std::string("ber:") + rate_text);
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
  double clean = 1e300, faulty = 1e300, fp16 = 1e300, guarded = 1e300, int8 = 1e300;
  std::int64_t flips = 0, passes = 0;
  long faithful = 0;  // batches the faulty side ran again with NaN-propagating kernels
  long switched = 0;  // batches it finished with them, from the first value a fault made extreme
  for (int p = 0; p < pairs; ++p) {
    clean = std::min(clean, seconds_of(ex, input, out, runs));
    {
      auto faults = site->configure("fp32", "none");
      faults->inject({.model = fault, .seed = 1, .trial = static_cast<std::uint64_t>(p), .images = images});
      const long before = ex.faithful_runs(), switched_before = ex.faithful_switches();
      faulty = std::min(faulty, seconds_of(ex, input, out, runs));
      faithful += ex.faithful_runs() - before;
      switched += ex.faithful_switches() - switched_before;
      flips += faults->restore().flips;
      ++passes;
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
  std::printf(
      "%-34s %10.2f %8.3f   (%.1f flips per batch; of %lld batches, %ld switched to the NaN-faithful kernels "
      "after an extreme value, %ld rerun for a NaN)\n",
      (std::string("fp32, ber ") + rate_text).c_str(), faulty * 1e3, faulty / clean,
      static_cast<double>(flips) / static_cast<double>(passes * runs), static_cast<long long>(passes * runs),
      switched, faithful);
  std::printf("%-34s %10.2f %8.3f\n", "fp16 storage of every value", fp16 * 1e3, fp16 / clean);
  std::printf("%-34s %10.2f %8.3f\n", "fp16 storage + nanguard", guarded * 1e3, guarded / clean);
  std::printf("%-34s %10.2f %8.3f\n", "int8 storage of every value", int8 * 1e3, int8 / clean);
  return 0;
}

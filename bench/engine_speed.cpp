// Inference speed of flipguard's executor on an ONNX model: images/s at a given batch, after warm-up,
// median of repeated timed runs. Used by bench/engine_vs_pytorch, which runs PyTorch in the same script.
//   bench_engine_speed MODEL.onnx BATCH [SECONDS] [THREADS] [--profile]
// --profile also prints the layers taking the most time (median per run, waiting after each layer); the
// environment variable PROFILE_ROWS sets how many (default 25).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.onnx BATCH [SECONDS=10] [THREADS=2]\n", argv[0]);
    return 2;
  }
  try {
    flipguard::engine::ExecutorOptions opt;
    opt.batch = std::stoi(argv[2]);
    const double seconds = argc > 3 ? std::stod(argv[3]) : 10.0;
    opt.threads = argc > 4 ? std::stoi(argv[4]) : 2;
    flipguard::engine::Executor ex(flipguard::model::load_onnx(argv[1]), opt);
    std::vector<float> x(static_cast<size_t>(ex.input_size() * opt.batch)),
        y(static_cast<size_t>(ex.output_size() * opt.batch));
    std::mt19937 rng(1);
    std::normal_distribution<float> g;
    for (auto& v : x) v = g(rng);
    using clock = std::chrono::steady_clock;
    for (int i = 0; i < 3; ++i) ex.run(x.data(), opt.batch, y.data());  // warm-up: JIT, first-touch
    std::vector<double> times;
    const auto start = clock::now();
    while (times.size() < 5 || std::chrono::duration<double>(clock::now() - start).count() < seconds) {
      const auto t0 = clock::now();
      ex.run(x.data(), opt.batch, y.data());
      times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    std::printf("%.2f images/s (batch %d, %d threads, median of %zu runs, %.2f ms per batch, %.1f GFLOP/s)\n",
                opt.batch / median, opt.batch, opt.threads, times.size(), median * 1e3,
                ex.flops_per_image() * opt.batch / median * 1e-9);
    // A clean input must never take the NaN-faithful kernels (engine/layer.hpp): that would time them.
    if (ex.faithful_runs() > 0)
      std::fprintf(stderr, "warning: %ld of the runs were repeated with the NaN-faithful kernels\n",
                   ex.faithful_runs());
    if (argc > 5 && std::string(argv[5]) == "--profile") {
      auto layers = ex.profile_layers(x.data(), 20);
      double total = 0;
      for (const auto& l : layers) total += l.second;
      std::sort(layers.begin(), layers.end(),
                [](const auto& a, const auto& b) { return a.second > b.second; });
      std::printf("profile: %.2f ms per batch layer by layer (%zu layers); the slowest:\n", total * 1e3,
                  layers.size());
      for (std::size_t i = 0;
           i < std::min<std::size_t>(getenv("PROFILE_ROWS") ? std::stoul(getenv("PROFILE_ROWS")) : 25,
                                     layers.size());
           ++i)
        std::printf("  %7.3f ms %5.1f %%  %s\n", layers[i].second * 1e3, 100 * layers[i].second / total,
                    layers[i].first.c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_engine_speed: %s\n", e.what());
    return 1;
  }
}

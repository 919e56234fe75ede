// Inference speed of flipguard's executor on a causal language model (int64 token ids in, logits out):
// tokens/s at a given batch and sequence length, after warm-up, median of repeated timed runs. Used by
// bench/lm_vs_ort, which runs ONNX Runtime on the same file.
//   bench_lm_speed MODEL.onnx BATCH SEQ [SECONDS=10] [THREADS=2] [--profile] [--summary]
//                  [--check IDS.npy LOGITS.npy]
// The model's sequence dimension may be symbolic: SEQ fixes it. --profile also prints the layers taking the
// most time (median per run, waiting after each layer; PROFILE_ROWS rows, default 25) and the time per
// operator kind. --check runs the ids of IDS.npy (int64 [BATCH, SEQ]) and prints the largest difference
// to LOGITS.npy (float32) relative to the largest |logit|, failing above 1e-4.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <string>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

namespace {

// A little-endian C-order .npy file of int64 ('<i8') or float32 ('<f4'), as raw bytes and its shape.
std::vector<char> read_npy(const std::string& p, const char* type, std::vector<std::int64_t>& shape) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error(p + ": cannot open");
  char magic[8];
  f.read(magic, 8);
  if (!f || std::string(magic, 6) != "\x93NUMPY") throw std::runtime_error(p + ": not a .npy file");
  std::uint32_t header_len = 0;
  if (magic[6] == 1) {
    std::uint16_t h = 0;
    f.read(reinterpret_cast<char*>(&h), 2);
    header_len = h;
  } else {
    f.read(reinterpret_cast<char*>(&header_len), 4);
  }
  std::string header(header_len, ' ');
  f.read(header.data(), header_len);
  if (header.find(type) == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    throw std::runtime_error(p + ": expected C-order " + type + ", header " + header);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'shape': \\(([0-9, ]*)\\)")))
    throw std::runtime_error(p + ": no shape");
  const std::string dims = m[1];
  std::int64_t count = 1;
  const std::regex number("[0-9]+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    shape.push_back(std::stol(it->str()));
    count *= shape.back();
  }
  std::vector<char> data(static_cast<size_t>(count) * (type[3] == '8' ? 8 : 4));
  f.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (!f) throw std::runtime_error(p + ": truncated");
  return data;
}

// "MatMul", "LayerNorm", ...: a layer description's first word.
std::string kind_of(const std::string& what) {
  return what.substr(0, what.find(' '));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(
        stderr,
        "usage: %s MODEL.onnx BATCH SEQ [SECONDS=10] [THREADS=2] [--profile] [--summary] [--check IDS.npy "
        "LOGITS.npy]\n",
        argv[0]);
    return 2;
  }
  try {
    flipguard::engine::ExecutorOptions opt;
    opt.batch = std::stoi(argv[2]);
    const std::int64_t seq = std::stol(argv[3]);
    const double seconds = argc > 4 ? std::stod(argv[4]) : 10.0;
    opt.threads = argc > 5 ? std::stoi(argv[5]) : 2;
    bool profile = false, summary = false;
    std::string check_ids, check_logits;
    for (int a = 6; a < argc; ++a) {
      const std::string arg = argv[a];
      if (arg == "--profile") {
        profile = true;
      } else if (arg == "--summary") {
        summary = true;
      } else if (arg == "--check" && a + 2 < argc) {
        check_ids = argv[++a];
        check_logits = argv[++a];
      } else {
        throw std::invalid_argument("unknown argument '" + arg + "'");
      }
    }
    auto graph = flipguard::model::load_onnx(argv[1]);
    if (graph.inputs.empty() || graph.inputs[0].dims.size() != 2 || !graph.inputs[0].integer)
      throw std::runtime_error(std::string(argv[1]) + ": expected one int64 input [batch, sequence]");
    graph.inputs[0].dims[1] = seq;
    const auto load_start = std::chrono::steady_clock::now();
    flipguard::engine::Executor ex(std::move(graph), opt);
    const double load_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
    if (summary) std::fputs(ex.summary().c_str(), stdout);
    std::vector<std::int64_t> ids(static_cast<size_t>(ex.input_size() * opt.batch));
    std::vector<float> y(static_cast<size_t>(ex.output_size() * opt.batch));
    std::mt19937 rng(1);
    std::uniform_int_distribution<std::int64_t> token(0, ex.output_dims().back() - 1);
    for (auto& v : ids) v = token(rng);

    if (!check_ids.empty()) {
      std::vector<std::int64_t> id_shape, ref_shape;
      const auto raw_ids = read_npy(check_ids, "'<i8'", id_shape);
      const auto raw_ref = read_npy(check_logits, "'<f4'", ref_shape);
      if (id_shape != std::vector<std::int64_t>{opt.batch, seq})
        throw std::runtime_error(check_ids + ": ids of another batch or length");
      if (raw_ref.size() != y.size() * sizeof(float))
        throw std::runtime_error(check_logits + ": logits of another size");
      std::vector<std::int64_t> check(ids.size());
      std::memcpy(check.data(), raw_ids.data(), raw_ids.size());
      ex.run(check.data(), opt.batch, y.data());
      const auto* ref = reinterpret_cast<const float*>(raw_ref.data());
      double diff = 0, scale = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        diff = std::max(diff, std::abs(double(y[i]) - ref[i]));
        scale = std::max(scale, std::abs(double(ref[i])));
      }
      std::printf("check: max |diff| %.3g, logit scale %.3g, relative %.3g (PyTorch's logits, %s)\n", diff,
                  scale, diff / scale, diff <= 1e-4 * scale ? "within 1e-4" : "OVER 1e-4");
      if (diff > 1e-4 * scale) return 1;
    }

    using clock = std::chrono::steady_clock;
    for (int i = 0; i < 2; ++i) ex.run(ids.data(), opt.batch, y.data());  // warm-up: JIT, first touch
    std::vector<double> times;
    const auto start = clock::now();
    while (times.size() < 5 || std::chrono::duration<double>(clock::now() - start).count() < seconds) {
      const auto t0 = clock::now();
      ex.run(ids.data(), opt.batch, y.data());
      times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    std::printf(
        "%.1f tokens/s (batch %d, sequence %ld, %d threads, median of %zu runs, %.2f ms per batch, %.1f "
        "GFLOP/s of the projections, loaded in %.1f s)\n",
        static_cast<double>(opt.batch * seq) / median, opt.batch, static_cast<long>(seq), opt.threads,
        times.size(), median * 1e3, ex.flops_per_image() * opt.batch / median * 1e-9, load_s);
    if (ex.faithful_runs() > 0)
      std::fprintf(stderr, "warning: %ld of the runs were repeated with the NaN-faithful kernels\n",
                   ex.faithful_runs());
    if (profile) {
      auto layers = ex.profile_layers(ids.data(), 5);
      double total = 0;
      std::map<std::string, std::pair<double, int>> kinds;
      for (const auto& [what, t] : layers) {
        total += t;
        auto& k = kinds[kind_of(what)];
        k.first += t;
        ++k.second;
      }
      std::printf("profile: %.2f ms per batch layer by layer (%zu layers); by kind:\n", total * 1e3,
                  layers.size());
      std::vector<std::pair<std::string, std::pair<double, int>>> by_kind(kinds.begin(), kinds.end());
      std::sort(by_kind.begin(), by_kind.end(),
                [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
      for (const auto& [kind, tk] : by_kind)
        std::printf("  %9.3f ms %5.1f %%  %4d x %s\n", tk.first * 1e3, 100 * tk.first / total, tk.second,
                    kind.c_str());
      std::sort(layers.begin(), layers.end(),
                [](const auto& a, const auto& b) { return a.second > b.second; });
      const char* rows = std::getenv("PROFILE_ROWS");
      std::printf("the slowest layers:\n");
      for (std::size_t i = 0; i < std::min<std::size_t>(rows ? std::stoul(rows) : 25, layers.size()); ++i)
        std::printf("  %7.3f ms %5.1f %%  %s\n", layers[i].second * 1e3, 100 * layers[i].second / total,
                    layers[i].first.c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_lm_speed: %s\n", e.what());
    return 1;
  }
}

// One model of bench/zoo_check on flipguard's executor: loads the ONNX file at the batch of the given input,
// writes the logits for that input, and times repeated runs.
//   bench_zoo_run MODEL.onnx INPUT.f32 OUTPUT.f32 [RUNS=3] [THREADS=2]
// INPUT.f32 is raw little-endian float32 holding whole images of the model's input shape. Prints one line:
// "ok <images/s> <layers> <stored weights>", or "error <message>" (exit 1) when the model does not load or
// run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

namespace {

std::vector<float> read_floats(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw std::runtime_error(path + ": cannot open");
  const auto bytes = static_cast<size_t>(f.tellg());
  if (bytes % 4 != 0) throw std::runtime_error(path + ": size is not a whole number of float32");
  std::vector<float> v(bytes / 4);
  f.seekg(0);
  f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(bytes));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL.onnx INPUT.f32 OUTPUT.f32 [RUNS=3] [THREADS=2]\n", argv[0]);
    return 2;
  }
  try {
    const auto input = read_floats(argv[2]);
    const int runs = argc > 4 ? std::stoi(argv[4]) : 3;
    auto graph = flipguard::model::load_onnx(argv[1]);
    std::int64_t per_image = 1;
    for (size_t i = 1; i < graph.inputs.at(0).dims.size(); ++i) per_image *= graph.inputs[0].dims[i];
    if (per_image <= 0 || input.empty() || input.size() % static_cast<size_t>(per_image) != 0)
      throw std::runtime_error(std::string(argv[2]) + ": not a whole number of inputs of the model's shape");
    flipguard::engine::ExecutorOptions opt;
    opt.batch = static_cast<int>(input.size() / static_cast<size_t>(per_image));
    opt.threads = argc > 5 ? std::stoi(argv[5]) : 2;
    flipguard::engine::Executor ex(std::move(graph), opt);
    std::vector<float> y(static_cast<size_t>(ex.output_size() * opt.batch));
    ex.run(input.data(), opt.batch, y.data());  // warm-up (JIT, first touch), and the logits compared
    std::ofstream(argv[3], std::ios::binary)
        .write(reinterpret_cast<const char*>(y.data()), static_cast<std::streamsize>(y.size() * 4));
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      ex.run(input.data(), opt.batch, y.data());
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    std::printf("ok %.3f %d %zu\n", opt.batch / times[times.size() / 2], ex.layer_count(),
                ex.weights().size());
    return 0;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    std::printf("error %s\n", msg.c_str());
    return 1;
  }
}

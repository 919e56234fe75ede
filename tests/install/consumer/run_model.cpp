// Loads an ONNX model with the installed flipguard, runs one batch of a fixed input pattern and prints the
// logits, one image per line; then flips one stored weight's sign through a weight slot and prints how many
// images changed their logits (the public API for faults).
#include <cmath>
#include <cstdio>
#include <flipguard/flipguard.hpp>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: run_model MODEL.onnx BATCH\n");
    return 2;
  }
  flipguard::engine::ExecutorOptions options;
  options.batch = std::atoi(argv[2]);
  flipguard::engine::Executor executor(flipguard::model::load_onnx(argv[1]), options);
  const auto per_image = executor.input_size();
  std::vector<float> input(static_cast<size_t>(per_image * executor.batch()));
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<float>(std::sin(0.001 * static_cast<double>(i)));
  std::vector<float> logits(static_cast<size_t>(executor.output_size() * executor.batch()));
  executor.run(input.data(), executor.batch(), logits.data());
  for (int b = 0; b < executor.batch(); ++b) {
    for (std::int64_t k = 0; k < executor.output_size(); ++k)
      std::printf("%s%.9g", k ? " " : "", logits[static_cast<size_t>(b * executor.output_size() + k)]);
    std::printf("\n");
  }
  auto& slot = *executor.weights().front();
  slot.write(0, -2 * slot.read(0) - 1);
  std::vector<float> faulty(logits.size());
  executor.run(input.data(), executor.batch(), faulty.data());
  std::printf("stored weights: %zu tensors; logits changed by a fault in %s: %s\n", executor.weights().size(),
              slot.name().c_str(), faulty != logits ? "yes" : "no");
  return 0;
}

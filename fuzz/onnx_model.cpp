// The ONNX loader on arbitrary bytes, followed by the graph passes every model goes through before the
// engine (Constant/Identity removal, BatchNorm folding).
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "model/onnx_loader.hpp"
#include "model/passes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string source = "fuzz.onnx";
  flipguard::fuzz::expect_clean_error(source, [&] {
    flipguard::model::Graph g =
        flipguard::model::parse_onnx(std::string(reinterpret_cast<const char*>(data), size), source);
    flipguard::model::simplify(g);
    flipguard::model::fold_batchnorm(g);
  });
  return 0;
}

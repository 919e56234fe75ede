// Bad model files give errors that name the file and the problem, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/onnx_loader.hpp"
#include "support/temp_files.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using flipguard::model::load_onnx;

namespace {

std::string message_of(const std::string& path) {
  try {
    load_onnx(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

fs::path write_temp(const std::string& name, const std::string& bytes) {
  const auto p = flipguard::testing::scratch_path(name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

fs::path mnist8() {
  return flipguard::testing::assets_dir() / "mnist" / "mnist-8.onnx";
}

TEST(OnnxLoader, MissingFileIsNamed) {
  const auto msg = message_of("/nonexistent/model.onnx");
  EXPECT_NE(msg.find("/nonexistent/model.onnx"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}

TEST(OnnxLoader, GarbageAndEmptyFilesAreRejected) {
  const auto garbage = write_temp("garbage.onnx", std::string("\xff\xff\xff\x0fnot a model at all", 22));
  auto msg = message_of(garbage.string());
  EXPECT_NE(msg.find(garbage.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a valid ONNX model"), std::string::npos) << msg;
  const auto empty = write_temp("empty.onnx", "");
  msg = message_of(empty.string());
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
  fs::remove(garbage);
  fs::remove(empty);
}

TEST(OnnxLoader, TruncatedRealModelIsRejected) {
  std::ifstream f(mnist8(), std::ios::binary);
  ASSERT_TRUE(f) << mnist8();
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  const auto cut = write_temp("truncated.onnx", bytes.substr(0, bytes.size() / 2));
  const auto msg = message_of(cut.string());
  EXPECT_NE(msg.find(cut.string()), std::string::npos) << msg;
  EXPECT_FALSE(msg.empty());
  fs::remove(cut);
}

TEST(OnnxLoader, RealModelLoadsWithItsOpsetAndWeights) {
  const auto g = load_onnx(mnist8().string());
  EXPECT_GE(g.opset, 7);
  EXPECT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.outputs.size(), 1u);
  std::int64_t params = 0;
  for (const auto& [name, c] : g.constants) params += static_cast<std::int64_t>(c.floats.size());
  EXPECT_GT(params, 5000);  // two conv layers and a 256x10 classifier
}

}  // namespace

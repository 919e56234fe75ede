// Small ONNX models written with the protobuf classes, plus sidecars, so each bad-model test states exactly
// what is wrong with its file. The base model is a valid CIFAR-shaped classifier (3x32x32 -> 10 logits).
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli_run.hpp"

namespace flipguard::robustness {

using namespace flipguard::testing;

inline onnx::TensorProto float_tensor(const std::string& name, const std::vector<std::int64_t>& dims,
                                      const std::vector<float>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  return t;
}

inline void set_value_info(onnx::ValueInfoProto* v, const std::string& name,
                           const std::vector<std::int64_t>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op,
                                 const std::vector<std::string>& in, const std::vector<std::string>& out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(op + "_" + std::to_string(g->node_size()));
  for (const auto& i : in) n->add_input(i);
  for (const auto& o : out) n->add_output(o);
  return n;
}

// input [1,3,32,32] -> GlobalAveragePool -> Flatten -> Gemm(W [10,3], B [10], transB) -> logits [1,10].
inline onnx::ModelProto tiny_classifier() {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("tiny");
  set_value_info(g->add_input(), "input", {1, 3, 32, 32});
  set_value_info(g->add_output(), "logits", {1, 10});
  std::vector<float> w(30);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
  *g->add_initializer() = float_tensor("W", {10, 3}, w);
  *g->add_initializer() = float_tensor("B", {10}, std::vector<float>(10, 0.0f));
  add_node(g, "GlobalAveragePool", {"input"}, {"pooled"});
  add_node(g, "Flatten", {"pooled"}, {"flat"});
  auto* gemm = add_node(g, "Gemm", {"flat", "W", "B"}, {"logits"});
  auto* a = gemm->add_attribute();
  a->set_name("transB");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(1);
  return m;
}

// Writes `onnx_bytes` as DIR/NAME.onnx and a sidecar DIR/NAME.json (resnet20's, pointing at it); returns
// the sidecar path for --model.
inline std::string write_model(const TempDir& dir, const std::string& name, const std::string& onnx_bytes) {
  write_file(dir / (name + ".onnx"), onnx_bytes);
  auto sidecar = nlohmann::json::parse(read_file(models_dir() / "resnet20.json"));
  sidecar["name"] = name;
  sidecar["onnx"] = name + ".onnx";
  sidecar["sha256"] = "";
  write_file(dir / (name + ".json"), sidecar.dump(2));
  return (dir / (name + ".json")).string();
}

inline std::string write_model(const TempDir& dir, const std::string& name, const onnx::ModelProto& m) {
  return write_model(dir, name, m.SerializeAsString());
}

// N inputs of 3x32x32 float32 (the base model's) as .npy bytes (version 1.0), values (i % 97) / 97 + offset.
inline std::string npy_inputs(int n, float offset = 0.0f) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(n) + ", 3, 32, 32), }";
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(dict.size() & 0xff);
  bytes += static_cast<char>(dict.size() >> 8);
  bytes += dict;
  for (int i = 0; i < n * 3 * 32 * 32; ++i) {
    const float v = static_cast<float>(i % 97) / 97.0f + offset;
    bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return bytes;
}

// A one-trial Q2.5 campaign at BER 1e-3 on the shared models and assets, then `extra`.
inline std::vector<std::string> small_campaign(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"campaign",
                                "--models-dir",
                                models_dir().string(),
                                "--assets",
                                assets_dir().string(),
                                "--formats",
                                "q2.5",
                                "--protections",
                                "none",
                                "--bers",
                                "1e-3",
                                "--trials",
                                "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace flipguard::robustness

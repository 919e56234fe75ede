// An operator added from outside the library, as docs/extending.md ("An operator") describes: its builder and
// its shape rule registered together in one place (engine::OpRegistrar), then a small ONNX file that uses it
// loaded, shape-inferred (a Shape of its output folds at load time only if its rule is known), built and run.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/layer.hpp"
#include "engine/op_registry.hpp"
#include "engine/value.hpp"
#include "model/onnx_loader.hpp"
#include "model/shape_inference.hpp"
#include "support/temp_files.hpp"

namespace {

using flipguard::engine::BuildContext;
using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::engine::OpEntry;
using flipguard::engine::OpRegistrar;
using flipguard::model::Dims;

// --- the toy operators: each one's builder and shape rule side by side ---

// Negate: y = -x. Its shape is its input's: it names a shared rule.
void build_negate(const flipguard::model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims dims = ctx.value(x).dims;
  const auto count = flipguard::model::element_count(dims);
  const int y = ctx.define(n.outputs.at(0), dims, flipguard::engine::plain_desc(dims));
  ctx.add_layer(std::make_unique<flipguard::engine::FunctionLayer>(
      "Negate " + n.name, std::vector<int>{x}, y, [count](const std::vector<const float*>& in, float* out) {
        for (std::int64_t i = 0; i < count; ++i) out[i] = -in[0][i];
      }));
}

OpEntry negate() {
  return {.build = build_negate,
          .min_opset = 1,
          .max_opset = 17,
          .attributes = {},
          .shape = flipguard::model::same_shape_as_input};
}

// MirrorLast: each row along the last axis followed by its reverse, so the last dim doubles. Its own rule,
// which the builder uses as well.
Dims mirrored(Dims d) {
  if (d.empty()) throw std::invalid_argument("MirrorLast of a scalar");
  d.back() *= 2;
  return d;
}

flipguard::model::OptionalShapes mirror_last_shape(const flipguard::model::ShapeQuery& in) {
  if (!in.known(0)) return {};
  return {mirrored(in[0])};
}

void build_mirror_last(const flipguard::model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in_dims = ctx.value(x).dims, out_dims = mirrored(in_dims);
  const std::int64_t width = in_dims.back(), rows = flipguard::model::element_count(in_dims) / width;
  const int y = ctx.define(n.outputs.at(0), out_dims, flipguard::engine::plain_desc(out_dims));
  ctx.add_layer(std::make_unique<flipguard::engine::FunctionLayer>(
      "MirrorLast " + n.name, std::vector<int>{x}, y,
      [rows, width](const std::vector<const float*>& in, float* out) {
        for (std::int64_t r = 0; r < rows; ++r)
          for (std::int64_t i = 0; i < width; ++i)
            out[r * 2 * width + i] = out[r * 2 * width + 2 * width - 1 - i] = in[0][r * width + i];
      }));
}

OpEntry mirror_last(bool with_shape_rule = true) {
  return {.build = build_mirror_last,
          .min_opset = 1,
          .max_opset = 17,
          .attributes = {},
          .shape = with_shape_rule ? flipguard::model::ShapeRule(mirror_last_shape) : nullptr};
}

// --- the model ---

onnx::ValueInfoProto value_info(const std::string& name, const std::vector<std::int64_t>& dims) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  return v;
}

onnx::TensorProto int64_tensor(const std::string& name, const std::vector<std::int64_t>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(static_cast<std::int64_t>(values.size()));
  for (auto v : values) t.add_int64_data(v);
  return t;
}

void add_node(onnx::GraphProto* g, const std::string& name, const std::string& op,
              const std::vector<std::string>& in, const std::string& out) {
  auto* n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  for (const auto& i : in) n->add_input(i);
  n->add_output(out);
}

// x [1,2,3] -> Negate -> MirrorLast [1,2,6] -> Reshape to [first dim of its Shape, -1] = [1,12]. The
// Shape/Slice/Concat arithmetic folds at load time only when MirrorLast's output shape is inferred.
std::string write_toy_model(const flipguard::testing::TempDir& dir) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("toy_operators");
  *g->add_input() = value_info("x", {1, 2, 3});
  *g->add_output() = value_info("y", {1, 12});
  *g->add_initializer() = int64_tensor("zero", {0});
  *g->add_initializer() = int64_tensor("one", {1});
  *g->add_initializer() = int64_tensor("rest", {-1});
  add_node(g, "negate", "Negate", {"x"}, "negated");
  add_node(g, "mirror", "MirrorLast", {"negated"}, "mirrored");
  add_node(g, "shape", "Shape", {"mirrored"}, "dims");
  add_node(g, "batch", "Slice", {"dims", "zero", "one"}, "batch_dim");
  auto* concat = g->add_node();
  concat->set_name("target");
  concat->set_op_type("Concat");
  concat->add_input("batch_dim");
  concat->add_input("rest");
  concat->add_output("target_dims");
  auto* axis = concat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(0);
  add_node(g, "flatten", "Reshape", {"mirrored", "target_dims"}, "y");
  const auto path = dir / "toy_operators.onnx";
  std::ofstream(path, std::ios::binary) << m.SerializeAsString();
  return path.string();
}

std::vector<float> run(const std::string& path) {
  ExecutorOptions options;
  options.batch = 1;
  Executor ex(flipguard::model::load_onnx(path), options);
  EXPECT_EQ(ex.output_dims(), (Dims{1, 12}));
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<float> y(static_cast<size_t>(ex.output_size()), 0.f);
  ex.run(x.data(), 1, y.data());
  return y;
}

std::string error_of(const std::string& path) {
  try {
    run(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ToyOperator, RunsThroughLoadShapeInferenceBuildAndExecute) {
  const flipguard::testing::TempDir dir("toy-operator");
  const std::string path = write_toy_model(dir);
  const OpRegistrar negate_op("Negate", negate()), mirror_op("MirrorLast", mirror_last());
  EXPECT_EQ(run(path), (std::vector<float>{-1, -2, -3, -3, -2, -1, -4, -5, -6, -6, -5, -4}));
}

TEST(ToyOperator, ShapeInferenceFindsTheRegisteredRule) {
  const OpRegistrar mirror_op("MirrorLast", mirror_last());
  const auto& ops = flipguard::engine::builtin_ops();
  flipguard::model::Graph g;
  g.opset = 13;
  flipguard::model::Node n;
  n.op_type = "MirrorLast";
  n.inputs = {"x"};
  n.outputs = {"y"};
  const auto out = flipguard::model::infer_output_dims(n, g, {Dims{4, 5}}, false, ops);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].has_value());
  EXPECT_EQ(*out[0], (Dims{4, 10}));
  // Model's own table, which knows ONNX's operators only, has no rule for it.
  EXPECT_FALSE(flipguard::model::infer_output_dims(n, g, {Dims{4, 5}}, false)[0].has_value());
}

TEST(ToyOperator, WithoutItsShapeRuleTheShapeArithmeticCannotFold) {
  const flipguard::testing::TempDir dir("toy-operator");
  const std::string path = write_toy_model(dir);
  const OpRegistrar negate_op("Negate", negate()), mirror_op("MirrorLast", mirror_last(false));
  const std::string error = error_of(path);
  EXPECT_NE(error.find("Shape at node 'shape'"), std::string::npos) << error;
}

TEST(ToyOperator, UnregisteredItIsRefusedNamingTheFileTheOperatorAndTheNode) {
  const flipguard::testing::TempDir dir("toy-operator");
  const std::string path = write_toy_model(dir);
  { const OpRegistrar negate_op("Negate", negate()); }
  const std::string error = error_of(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("Negate at node 'negate'"), std::string::npos) << error;
  EXPECT_NE(error.find("MirrorLast at node 'mirror'"), std::string::npos) << error;
  EXPECT_EQ(flipguard::engine::builtin_ops().find("", "Negate"), nullptr);
}

TEST(ToyOperator, OneShapeRuleAndOneBuilderPerOperator) {
  // An operator's rule is in model's ONNX table or in its registration, never both.
  EXPECT_THROW(OpRegistrar("Tile", mirror_last()), std::logic_error);
  EXPECT_NO_THROW(OpRegistrar("Tile", mirror_last(false)));
  // An op type the engine builds already.
  EXPECT_THROW(OpRegistrar("Relu", negate()), std::logic_error);
  EXPECT_NE(flipguard::engine::builtin_ops().find("", "Relu"), nullptr);
}

TEST(OperatorRegistry, EveryOnnxOperatorTheEngineBuildsHasAShapeRule) {
  const auto& ops = flipguard::engine::builtin_ops();
  for (const auto& op : ops.op_types()) EXPECT_NE(ops.shape_rule("", op), nullptr) << op;
}

}  // namespace

// The layout pass (engine/layout_plan.hpp) on small fused graphs, for a CPU named here rather than the one
// running the test: which convs ask for the blocked layout (SqueezeNet's fire modules and stem, a
// bottleneck's residual path at batch > 1, depthwise-separable blocks on AMD only, nothing without AVX-512),
// how a rule resolves against its input's batch, height and layout, and which GlobalAveragePool a padded
// 1x1 conv absorbs. The executor tests (test_fire_module_layout, test_residual_layout,
// test_separable_layout, test_padded_pointwise_conv) check the kernels these plans lead to.
#include <gtest/gtest.h>

#include "engine/layout_plan.hpp"
#include "model/fuse_activations.hpp"
#include "support/batch_equivalence.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::ConvLayoutRule;
using flipguard::engine::ConvLayouts;
using flipguard::engine::ConvPlan;
using flipguard::engine::ConvTensorLayout;
using flipguard::engine::LayoutPlan;
using flipguard::engine::LayoutTarget;
using flipguard::model::Graph;
using flipguard::model::Node;
using flipguard::testing::node;
using flipguard::testing::random_conv;

constexpr LayoutTarget kIntel{true, false}, kAmd{true, true}, kAvx2{false, false};
constexpr auto kAny = ConvTensorLayout::Any, kBlocked = ConvTensorLayout::Blocked;

// A graph being written: convs (each "<out>0" plus a Relu "<out>", or bare "<out>"), then fused as the
// network builder gets it.
struct Builder {
  Graph g;
  unsigned seed = 1;
  explicit Builder(std::int64_t channels) {
    g.source = "plan.onnx";
    g.opset = 13;
    g.inputs = {{"x", {-1, channels, 32, 32}}};
  }
  void conv(const std::string& in, const std::string& out, std::int64_t c_in, std::int64_t c_out,
            std::int64_t k, std::int64_t stride = 1, bool relu = true) {
    g.nodes.push_back(random_conv(g, seed, in, relu ? out + "0" : out, c_in, c_out, k, stride));
    if (relu) g.nodes.push_back(node("Relu", {out + "0"}, out));
  }
  void add(Node n) { g.nodes.push_back(std::move(n)); }
  Graph fused(const std::string& output) {
    g.outputs = {{output, {}}};
    flipguard::model::fuse_activations(g);
    return g;
  }
};

// x [N,3] -> stem (3x3 stride 2) -> MaxPool -> fire module f (squeeze 1x1, expand 1x1 | 3x3, Concat).
Graph stem_and_fire() {
  Builder b(3);
  b.conv("x", "stem", 3, 32, 3, 2);
  auto pool = node("MaxPool", {"stem"}, "p");
  pool.attributes["kernel_shape"] = std::vector<std::int64_t>{3, 3};
  b.add(pool);
  b.conv("p", "fs", 32, 16, 1);
  b.conv("fs", "fe1", 16, 32, 1);
  b.conv("fs", "fe3", 16, 32, 3);
  auto cat = node("Concat", {"fe1", "fe3"}, "y");
  cat.attributes["axis"] = std::int64_t{1};
  b.add(cat);
  return b.fused("y");
}

// x [N,64] -> a bottleneck: a = 1x1 16, b = 3x3 16, c = 1x1 256, shortcut s = 1x1 256 of x, y1 = Relu(c + s)
// (fused into s: FusedConv with residual c) -> a2 = 1x1 16 of y1 -> ... c2 = 1x1 256, y = Relu(c2 + y1).
Graph bottleneck() {
  Builder b(64);
  b.conv("x", "a", 64, 16, 1);
  b.conv("a", "b", 16, 16, 3);
  b.conv("b", "c", 16, 256, 1, 1, false);
  b.conv("x", "s", 64, 256, 1, 1, false);
  b.add(node("Add", {"c", "s"}, "t"));
  b.add(node("Relu", {"t"}, "y1"));
  b.conv("y1", "a2", 256, 16, 1);
  b.conv("a2", "b2", 16, 16, 3);
  b.conv("b2", "c2", 16, 256, 1, 1, false);
  b.add(node("Add", {"c2", "y1"}, "t2"));
  b.add(node("Relu", {"t2"}, "y"));
  return b.fused("y");
}

// x [N,3] -> stem (3x3 stride 2, 16) -> d = depthwise 3x3 -> p = 1x1 24: one depthwise-separable block.
Graph separable() {
  Builder b(3);
  b.conv("x", "stem", 3, 16, 3, 2);
  b.conv("stem", "d", 1, 16, 3);
  b.g.nodes[b.g.nodes.size() - 2].attributes["group"] = std::int64_t{16};
  b.conv("d", "y", 16, 24, 1, 1, false);
  return b.fused("y");
}

void expect_rules(const LayoutPlan& plan, const std::string& conv, ConvLayoutRule one_image,
                  ConvLayoutRule batched) {
  EXPECT_EQ(plan.conv(conv).one_image, one_image) << conv;
  EXPECT_EQ(plan.conv(conv).batched, batched) << conv;
}

}  // namespace

TEST(LayoutPlan, FireModuleAndItsStemAreBlockedOnAvx512Only) {
  const Graph g = stem_and_fire();
  const LayoutPlan intel(g, 3, kIntel);
  // The stem and the convs feeding the Concat write blocked whatever the batch; the squeeze conv only keeps
  // a blocked input.
  for (const char* conv : {"stem", "fe1", "fe3"})
    expect_rules(intel, conv, ConvLayoutRule::BlockedOutput, ConvLayoutRule::BlockedOutput);
  expect_rules(intel, "fs", ConvLayoutRule::KeepBlockedInput, ConvLayoutRule::KeepBlockedInput);
  EXPECT_TRUE(intel.absorbed_nodes().empty());
  // An input of more than 4 channels is no image: that conv is no stem (and, at stride 2, reorders a blocked
  // input at batch > 1).
  expect_rules(LayoutPlan(g, 8, kIntel), "stem", ConvLayoutRule::KeepBlockedInput,
               ConvLayoutRule::LibraryChoice);
  // Without AVX-512 the library chooses everywhere.
  const LayoutPlan avx2(g, 3, kAvx2);
  for (const char* conv : {"stem", "fs", "fe1", "fe3"})
    expect_rules(avx2, conv, ConvLayoutRule::LibraryChoice, ConvLayoutRule::LibraryChoice);
}

TEST(LayoutPlan, ResidualPathIsBlockedForABatchOnly) {
  const Graph g = bottleneck();
  const LayoutPlan plan(g, 64, kIntel);
  // The residual sums (y1 = s + c, y = c2 + y1), the 1x1 conv producing a residual (c) and the 1x1 convs
  // sharing an input with them (a beside s, a2 beside c2).
  for (const char* conv : {"y1", "y", "c", "a", "a2"})
    expect_rules(plan, conv, ConvLayoutRule::KeepBlockedInput, ConvLayoutRule::Blocked);
  // The 3x3 convs keep a blocked input at batch > 1 only on a large input.
  for (const char* conv : {"b", "b2"})
    expect_rules(plan, conv, ConvLayoutRule::KeepBlockedInput, ConvLayoutRule::KeepLargeBlockedInput);
  // A FusedConv whose residual turns out to broadcast is built as its plain Conv, planned too: a 1x1 conv
  // sharing its input with the residual conv y.
  expect_rules(plan, "y#conv", ConvLayoutRule::KeepBlockedInput, ConvLayoutRule::Blocked);
}

TEST(LayoutPlan, SeparableBlocksAreBlockedOnAmdOnly) {
  const Graph g = separable();
  const LayoutPlan amd(g, 3, kAmd), intel(g, 3, kIntel);
  expect_rules(amd, "d", ConvLayoutRule::Blocked, ConvLayoutRule::Blocked);
  for (const char* conv : {"stem", "y"})
    expect_rules(amd, conv, ConvLayoutRule::BlockedOutput, ConvLayoutRule::BlockedOutput);
  expect_rules(intel, "d", ConvLayoutRule::KeepBlockedInput, ConvLayoutRule::KeepLargeBlockedInput);
  expect_rules(intel, "stem", ConvLayoutRule::KeepBlockedInput, ConvLayoutRule::LibraryChoice);
  expect_rules(intel, "y", ConvLayoutRule::KeepBlockedInput, ConvLayoutRule::KeepBlockedInput);
}

TEST(LayoutPlan, RulesResolveAgainstTheInputAsItIs) {
  ConvPlan p;
  p.one_image = ConvLayoutRule::KeepBlockedInput;
  p.batched = ConvLayoutRule::KeepLargeBlockedInput;
  const flipguard::model::Dims one{1, 16, 28, 28}, batch_small{4, 16, 28, 28}, batch_large{4, 16, 56, 56};
  EXPECT_EQ(p.resolve(one, true), (ConvLayouts{kBlocked, kBlocked}));
  EXPECT_EQ(p.resolve(one, false), (ConvLayouts{kAny, kAny}));
  EXPECT_EQ(p.resolve(batch_small, true), (ConvLayouts{kAny, kAny}));
  EXPECT_EQ(p.resolve(batch_large, true), (ConvLayouts{kBlocked, kBlocked}));
  EXPECT_EQ(p.resolve(batch_large, false), (ConvLayouts{kAny, kAny}));
  p.batched = ConvLayoutRule::BlockedOutput;
  EXPECT_EQ(p.resolve(batch_small, false), (ConvLayouts{kAny, kBlocked}));
  EXPECT_EQ(p.resolve(batch_small, true), (ConvLayouts{kBlocked, kBlocked}));
  p.batched = ConvLayoutRule::Blocked;
  EXPECT_EQ(p.resolve(batch_small, false), (ConvLayouts{kBlocked, kBlocked}));
  p.batched = ConvLayoutRule::LibraryChoice;
  EXPECT_EQ(p.resolve(batch_large, true), (ConvLayouts{kAny, kAny}));
}

TEST(LayoutPlan, PaddedPointwiseConvAbsorbsTheGlobalAveragePoolThatAloneReadsIt) {
  // x -> c = Relu(1x1 conv, pads 1) -> GlobalAveragePool g (-> y = g, or y = g + Mul(c, c) with a second
  // reader of c).
  const auto graph = [](bool second_reader, const std::string& activation) {
    Builder b(8);
    b.g.nodes.push_back(random_conv(b.g, b.seed, "x", "c0", 8, 4, 1));
    b.g.nodes.back().attributes["pads"] = std::vector<std::int64_t>{1, 1, 1, 1};
    b.add(node(activation, {"c0"}, "c"));
    b.add(node("GlobalAveragePool", {"c"}, "g"));
    if (second_reader) {
      b.add(node("Mul", {"c", "c"}, "m"));
      b.add(node("Add", {"g", "m"}, "y"));
    }
    return b.fused(second_reader ? "y" : "g");
  };
  const Graph alone = graph(false, "Relu");
  const LayoutPlan plan(alone, 8, kAvx2);
  ASSERT_TRUE(plan.conv("c").unpadded);
  ASSERT_TRUE(plan.conv("c").absorbed_pool.has_value());
  const size_t pool = *plan.conv("c").absorbed_pool;
  EXPECT_EQ(alone.nodes.at(pool).op_type, "GlobalAveragePool");
  EXPECT_TRUE(plan.absorbed(pool));
  EXPECT_EQ(plan.absorbed_nodes().size(), 1u);
  EXPECT_FALSE(plan.absorbed(0));

  // Another reader: the conv still runs unpadded but writes its border; the pool builds itself.
  const LayoutPlan shared(graph(true, "Relu"), 8, kAvx2);
  EXPECT_TRUE(shared.conv("c").unpadded);
  EXPECT_FALSE(shared.conv("c").absorbed_pool.has_value());
  EXPECT_TRUE(shared.absorbed_nodes().empty());

  // An activation the border cannot compute exactly keeps the padded kernel, and the pool.
  const LayoutPlan sigmoid(graph(false, "Sigmoid"), 8, kAvx2);
  EXPECT_FALSE(sigmoid.conv("c").unpadded);
  EXPECT_TRUE(sigmoid.absorbed_nodes().empty());
}

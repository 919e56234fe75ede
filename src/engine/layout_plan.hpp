// The layout pass: before any kernel is built, it decides from the graph's patterns which convolutions work
// in oneDNN's channel-blocked layout (nChw16c) rather than the library's choice, and which nodes an earlier
// node builds along with its own (absorbed). ONNX Runtime keeps such decisions in an optimizer pass (its
// NCHWc transformer), ncnn in ncnnoptimize; here the operator builders only read the plan (ops/conv.cpp).
//
// The plan cannot name every value's final layout: where it leaves the choice to oneDNN ("any"), only the
// primitive says what it picked. So a conv's plan is a rule that the builder resolves with what it then
// knows, its input's batch, height and layout (resolve()); ops that keep their input's layout (pooling,
// eltwise) need no entry.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "model/graph.hpp"

namespace flipguard::engine {

// The CPU a plan is for: the blocked rules were measured per instruction set and vendor.
struct LayoutTarget {
  bool avx512 = false;  // oneDNN runs its AVX-512 (avx512_core) kernels
  bool amd = false;     // an AMD CPU (the depthwise-separable rule)
  static LayoutTarget this_cpu();
};

// A layout a convolution asks oneDNN for, on its input or its output.
enum class ConvTensorLayout {
  Any,      // the library's choice
  Blocked,  // nChw16c
};

struct ConvLayouts {
  ConvTensorLayout src = ConvTensorLayout::Any, dst = ConvTensorLayout::Any;
  bool operator==(const ConvLayouts&) const = default;
};

// How a convolution asks for its layouts, given its input's layout when it is built.
enum class ConvLayoutRule {
  LibraryChoice,          // any, any
  KeepBlockedInput,       // a blocked input keeps it blocked (src, dst); otherwise the library's choice
  KeepLargeBlockedInput,  // the same, for an input of height >= kLargeHeight only (given to stride-1 convs)
  BlockedOutput,          // dst blocked; src the input as it comes when blocked, else the library's choice
  Blocked,                // src and dst blocked: a plain input is reordered
};

// Below this height a reorder into the blocked layout costs less than the blocked kernel loses (see
// layout_plan.cpp).
inline constexpr std::int64_t kLargeHeight = 56;

struct ConvPlan {
  // The input's batch is the graph input's in the models seen, but a Reshape may change it: the plan holds
  // the rule for one image and for several, and the builder takes the one its input's dims call for.
  ConvLayoutRule one_image = ConvLayoutRule::LibraryChoice;
  ConvLayoutRule batched = ConvLayoutRule::LibraryChoice;
  // A zero-padded 1x1 conv (stride 1, no residual, an activation the border can compute): it runs unpadded
  // plus a border fill (ops/border_fill.hpp).
  bool unpadded = false;
  // For an unpadded conv whose output only a GlobalAveragePool reads: that pool's node index. The conv
  // builds it (the border's share added to the pool), and the network builder skips it.
  std::optional<size_t> absorbed_pool;

  // The layouts to ask for: `x` is the input's dims, `blocked_input` whether it is in nChw16c.
  ConvLayouts resolve(const model::Dims& x, bool blocked_input) const;
};

class LayoutPlan {
 public:
  // `graph` as the network builder gets it (fused); `input_channels` is its input's channel count at run
  // time (the stem rule).
  LayoutPlan(const model::Graph& graph, std::int64_t input_channels, LayoutTarget target);

  // The plan of the conv writing `output` (a Conv or FusedConv of the graph, or the Conv split off a
  // FusedConv whose residual broadcasts, conv_before_broadcast_residual); the library's choice for any other.
  const ConvPlan& conv(const std::string& output) const;
  // True for a node an earlier node builds.
  bool absorbed(size_t node) const { return absorbed_.count(node) > 0; }
  const std::set<size_t>& absorbed_nodes() const { return absorbed_; }

 private:
  std::map<std::string, ConvPlan> convs_;  // conv output value -> its plan
  std::set<size_t> absorbed_;
};

// A FusedConv whose residual Z does not have the conv's shape cannot add it as a sum post-op: it is built as
// this plain Conv (output "<out>#conv"), an Add and its activation, which the unfused graph would run.
model::Node conv_before_broadcast_residual(const model::Node& fused);

}  // namespace flipguard::engine

#include "engine/layout_plan.hpp"

#include <algorithm>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "engine/ops/border_fill.hpp"
#include "model/fuse_activations.hpp"
#include "model/graph_index.hpp"
#include "platform/cpu_vendor.hpp"

namespace flipguard::engine {

LayoutTarget LayoutTarget::this_cpu() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
  return {(isa & avx512) == avx512, platform::cpu_vendor() == platform::CpuVendor::Amd};
}

ConvLayouts ConvPlan::resolve(const model::Dims& x, bool blocked_input) const {
  constexpr auto any = ConvTensorLayout::Any, blocked = ConvTensorLayout::Blocked;
  const ConvLayouts both{blocked, blocked};
  switch (x.at(0) == 1 ? one_image : batched) {
    case ConvLayoutRule::LibraryChoice:
      return {};
    case ConvLayoutRule::KeepBlockedInput:
      return blocked_input ? both : ConvLayouts{};
    case ConvLayoutRule::KeepLargeBlockedInput:
      return blocked_input && x.size() == 4 && x[2] >= kLargeHeight ? both : ConvLayouts{};
    case ConvLayoutRule::BlockedOutput:
      return {blocked_input ? blocked : any, blocked};
    case ConvLayoutRule::Blocked:
      return both;
  }
  return {};
}

model::Node conv_before_broadcast_residual(const model::Node& fused) {
  model::Node conv = fused;
  conv.domain.clear();
  conv.op_type = "Conv";
  conv.inputs.resize(3);
  conv.outputs = {fused.outputs.at(0) + "#conv"};
  conv.attributes.erase("activation");
  conv.attributes.erase("activation_params");
  return conv;
}

namespace {

bool has_input(const model::Node& n, size_t i) {
  return n.inputs.size() > i && !n.inputs[i].empty();
}

const model::Constant* constant(const model::Graph& g, const std::string& name) {
  const auto it = g.constants.find(name);
  return it == g.constants.end() ? nullptr : &it->second;
}

bool is_conv(const model::Node& n) {
  return (n.op_type == "Conv" && n.domain.empty()) ||
         (n.op_type == model::kFusedConv && n.domain == model::kInternalDomain);
}

// The weights of a 2-D conv (rank 4), or none.
const model::Constant* conv_weight(const model::Node* node, const model::Graph& g) {
  if (!node || (node->op_type != "Conv" && node->op_type != model::kFusedConv) || node->inputs.size() < 2)
    return nullptr;
  const model::Constant* w = constant(g, node->inputs[1]);
  return w && w->dims.size() == 4 ? w : nullptr;
}

bool small_conv(const model::Node* node, const model::Graph& g) {
  const model::Constant* w = conv_weight(node, g);
  return w && w->dims[1] * w->dims[2] * w->dims[3] <= 576;
}

bool pointwise_conv(const model::Node* node, const model::Graph& g) {
  const model::Constant* w = conv_weight(node, g);
  return w && w->dims[2] == 1 && w->dims[3] == 1;
}

// A 1x1 FusedConv adding a residual into >= 256 channels.
bool wide_residual_pointwise(const model::Node* node, const model::Graph& g) {
  const model::Constant* w = conv_weight(node, g);
  return w && w->dims[2] == 1 && w->dims[3] == 1 && w->dims[0] >= 256 && node->op_type == model::kFusedConv &&
         has_input(*node, 3);
}

// The layouts of 2-D convolutions on AVX-512. "any" lets oneDNN choose: on AVX2 it picks nChw8c, on AVX-512
// channels-last (brgconv). These cases run AVX-512's blocked layout (nChw16c, its jit kernels) instead:
// - A conv feeding a Concat of small convs (in_c x kernel <= 576, a 3x3 over 64 channels: SqueezeNet's fire
//   modules). At batch 1 the Concat then costs nothing (its blocked producers write into one buffer,
//   concat.cpp), at batch > 1 it copies one contiguous run per image and part, where channels-last copies
//   short per-pixel runs (SqueezeNet 1.1 at batch 16: +7 to +14 %). Wider convs stay in brgconv, 20-45 %
//   faster than the blocked kernels (GoogLeNet's 3x3 branches).
// - The stem that leads into such a module (BlockedByGraph::stem).
// - Batch > 1: the residual stream of a bottleneck ResNet (ResNet-50 and deeper). oneDNN 2.6's channels-last
//   1x1 kernel pays up to 60 % extra for a residual sum on large activations (16 x 256 x 56 x 56: 8-10.7 ms
//   with sum and ReLU, 5.5 ms without), the blocked 1x1 kernel 10-20 % (6.0 ms). So a 1x1 conv adding a
//   residual into >= 256 channels runs blocked, and so does the 1x1 conv producing that residual. Below 256
//   channels (MobileNet v2's projections) the reorders around the depthwise convs cost more than the sum.
// - On AMD CPUs (Zen 4 measured), a depthwise-separable block (BlockedByGraph::separable_block): oneDNN 2.6's
//   channels-last kernels (brdgmm_dw, brgconv_1x1) there run its small-channel, large-spatial convs 20-50 %
//   slower than the blocked jit_dw / jit_1x1 (MobileNet v2 batch 16 +31 %, batch 1 +9 %; MnasNet +22-28 %;
//   ShuffleNet v2 batch 16 +78 %, alternating pairs). On Intel CPUs channels-last stays, as measured there.
// A conv reading a blocked value stays blocked at batch 1; at batch > 1 if it is 1x1, or at stride 1 on
// 56 x 56 or more (kLargeHeight), where a reorder of the input costs more than the kernels differ; others
// (the bottleneck's 3x3 convs from 28 x 28 down: 20-40 % slower blocked) take a reorder. bench/engine_vs_ort
// measures the outcome.
class BlockedByGraph {
 public:
  BlockedByGraph(const model::Graph& g, const model::GraphIndex& index, bool batched)
      : g_(g), index_(index), batched_(batched) {}

  // A depthwise conv (one input channel per group, a kernel wider than 1x1) whose output only 1x1 convs
  // read: the middle of a depthwise-separable block (MobileNet's; not ConvNeXt's, nor one followed by
  // squeeze-excitation).
  bool separable_depthwise(const model::Node* node) const {
    const model::Constant* w = conv_weight(node, g_);
    if (!w || w->dims[0] < 2 || w->dims[1] != 1 || node->get_int("group", 1) != w->dims[0] ||
        (w->dims[2] == 1 && w->dims[3] == 1))
      return false;
    const auto readers = index_.readers(node->outputs.at(0));
    return !readers.empty() && std::all_of(readers.begin(), readers.end(),
                                           [&](const model::Node* r) { return pointwise_conv(r, g_); });
  }

  // A conv feeding a Concat whose inputs are all small convs.
  bool feeds_small_concat(const model::Node* m) const {
    if (!conv_weight(m, g_)) return false;
    const auto readers = index_.readers(m->outputs.at(0));
    return std::any_of(readers.begin(), readers.end(), [&](const model::Node* r) {
      return r->op_type == "Concat" &&
             std::all_of(r->inputs.begin(), r->inputs.end(), [&](const std::string& in) {
               const auto p = index_.producer(in);
               return p && small_conv(&g_.nodes[*p], g_);
             });
    });
  }

  // Batched: a residual conv of a bottleneck, or the 1x1 conv producing its residual.
  bool residual_path(const model::Node* m) const {
    if (!batched_) return false;
    if (wide_residual_pointwise(m, g_)) return true;
    if (!pointwise_conv(m, g_)) return false;
    const auto rs = index_.readers(m->outputs.at(0));
    return std::any_of(rs.begin(), rs.end(), [&](const model::Node* r) {
      return wide_residual_pointwise(r, g_) && r->inputs[3] == m->outputs[0];
    });
  }

  // Batched: a 1x1 conv sharing its input with the residual path (it shares the blocked copy too).
  bool beside_residual_path(const model::Node& m) const {
    const auto siblings = index_.readers(m.inputs.at(0));
    return batched_ && pointwise_conv(&m, g_) &&
           std::any_of(siblings.begin(), siblings.end(),
                       [&](const model::Node* s) { return residual_path(s); });
  }

  // A depthwise-separable block: its depthwise conv, the conv producing the depthwise conv's input, and the
  // 1x1 convs reading its output.
  bool separable_block(const model::Node& m) const {
    if (separable_depthwise(&m)) return true;
    const auto readers = index_.readers(m.outputs.at(0));
    if (conv_weight(&m, g_) && std::any_of(readers.begin(), readers.end(),
                                           [&](const model::Node* r) { return separable_depthwise(r); }))
      return true;
    const auto producer = index_.producer(m.inputs.at(0));
    return pointwise_conv(&m, g_) && producer && separable_depthwise(&g_.nodes[*producer]);
  }

  // The stem: a conv on the graph's input (<= 4 channels: an image) whose MaxPool feeds only convs that run
  // blocked whatever their input, or 1x1 convs feeding only such convs (SqueezeNet's first fire module).
  // Blocked, the stem's kernel reads the plain input as it is (channels-last reorders it first: 4.2 + 0.5 ms
  // vs 2.9 ms at batch 16) and the pool runs blocked (2.2 vs 2.7 ms). GoogLeNet's stem, whose pool feeds a
  // 3x3 conv through a 1x1, stays channels-last: blocked there, the network is 8 % slower.
  bool stem(const model::Node& n, std::int64_t input_channels) const {
    if (index_.producer(n.inputs.at(0)) || input_channels > 4) return false;
    const auto blocked = [&](const model::Node* c) { return feeds_small_concat(c) || residual_path(c); };
    const auto pools = index_.readers(n.outputs.at(0));
    return !pools.empty() && std::all_of(pools.begin(), pools.end(), [&](const model::Node* pool) {
      const auto convs = index_.readers(pool->outputs.at(0));
      return pool->op_type == "MaxPool" && !convs.empty() &&
             std::all_of(convs.begin(), convs.end(), [&](const model::Node* c) {
               const auto next = index_.readers(c->outputs.at(0));
               return blocked(c) || (pointwise_conv(c, g_) && !next.empty() &&
                                     std::all_of(next.begin(), next.end(), blocked));
             });
    });
  }

  // The rule of conv `n` reading `input_channels` channels, for this batch size.
  ConvLayoutRule rule(const model::Node& n, std::int64_t input_channels, bool amd) const {
    if (feeds_small_concat(&n) || stem(n, input_channels)) return ConvLayoutRule::BlockedOutput;
    if (amd && separable_block(n))
      return separable_depthwise(&n) ? ConvLayoutRule::Blocked : ConvLayoutRule::BlockedOutput;
    if (!batched_) return ConvLayoutRule::KeepBlockedInput;
    if (residual_path(&n) || beside_residual_path(n)) return ConvLayoutRule::Blocked;
    if (pointwise_conv(&n, g_)) return ConvLayoutRule::KeepBlockedInput;
    return n.get_ints("strides", {1, 1}) == std::vector<std::int64_t>{1, 1}
               ? ConvLayoutRule::KeepLargeBlockedInput
               : ConvLayoutRule::LibraryChoice;
  }

 private:
  const model::Graph& g_;
  const model::GraphIndex& index_;
  bool batched_;
};

// A zero-padded 1x1 conv with stride 1, no residual and an activation the border fill computes: the
// unpadded conv plus the border give the same outputs (ops/border_fill.hpp). Pads come from the attribute
// (a 1x1 kernel at stride 1 gets none from auto_pad).
bool runs_unpadded(const model::Node& n, const model::Graph& g) {
  const model::Constant* w = has_input(n, 1) ? constant(g, n.inputs[1]) : nullptr;
  if (!w || w->dims.size() < 3 || w->dims.size() > 5 || has_input(n, 3) || n.get_int("group", 1) != 1 ||
      !ops::border_activation(n))
    return false;
  const auto ones = [](const model::Dims& d) {
    return std::all_of(d.begin(), d.end(), [](auto v) { return v == 1; });
  };
  if (!ones(model::Dims(w->dims.begin() + 2, w->dims.end())) || !ones(n.get_ints("strides")) ||
      !ones(n.get_ints("dilations")))
    return false;
  if (n.get_string("auto_pad", "NOTSET") != "NOTSET") return false;
  const model::Dims pads = n.get_ints("pads");
  return std::any_of(pads.begin(), pads.end(), [](auto v) { return v != 0; }) &&
         std::none_of(pads.begin(), pads.end(), [](auto v) { return v < 0; });
}

}  // namespace

LayoutPlan::LayoutPlan(const model::Graph& graph, std::int64_t input_channels, LayoutTarget target) {
  const model::GraphIndex index(graph);
  const BlockedByGraph one_image(graph, index, false), batched(graph, index, true);
  // The channels of a conv's input, where the stem rule needs them: the graph input's (a constant's
  // otherwise; a conv on a computed value is not a stem).
  const auto channels = [&](const model::Node& n) -> std::int64_t {
    if (!graph.inputs.empty() && n.inputs.at(0) == graph.inputs[0].name) return input_channels;
    const model::Constant* c = constant(graph, n.inputs.at(0));
    return c && c->dims.size() > 1 ? c->dims[1] : 0;
  };
  const auto plan = [&](const model::Node& n) {
    ConvPlan p;
    if (target.avx512 && conv_weight(&n, graph)) {
      p.one_image = one_image.rule(n, channels(n), target.amd);
      p.batched = batched.rule(n, channels(n), target.amd);
    }
    p.unpadded = runs_unpadded(n, graph);
    return p;
  };
  for (const model::Node& n : graph.nodes) {
    if (!is_conv(n) || n.inputs.empty() || n.outputs.empty()) continue;
    ConvPlan p = plan(n);
    if (const model::Node* pool = index.sole_reader(n.outputs[0]);
        p.unpadded && pool && pool->domain.empty() && pool->op_type == "GlobalAveragePool") {
      p.absorbed_pool = index.index_of(*pool);
      absorbed_.insert(*p.absorbed_pool);
    }
    convs_[n.outputs[0]] = p;
    if (n.op_type == model::kFusedConv && has_input(n, 3)) {
      const model::Node conv = conv_before_broadcast_residual(n);
      convs_[conv.outputs[0]] = plan(conv);
    }
  }
}

const ConvPlan& LayoutPlan::conv(const std::string& output) const {
  static const ConvPlan library_choice;
  const auto it = convs_.find(output);
  return it == convs_.end() ? library_choice : it->second;
}

}  // namespace flipguard::engine

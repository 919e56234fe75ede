// A zero-padded 1x1 convolution runs as the unpadded convolution plus a border fill (engine/ops/
// border_fill.hpp): against a per-element reference, for symmetric and asymmetric pads, channel counts that
// do and do not fill a channel block, with and without bias and activation; a faulted bias shows on the
// border as on the interior; a conv the fill cannot do exactly (Sigmoid) keeps the padded kernel. Read only
// by a GlobalAveragePool, the border is never written: the pool of the interior adds the border's share.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/blocked_layout.hpp"
#include "engine/executor.hpp"
#include "engine/ops/border_fill.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::model::Node;
using flipguard::testing::node;

constexpr std::int64_t N = 2, H = 5, W = 4;

struct Case {
  std::int64_t in_c = 16, out_c = 12;
  std::vector<std::int64_t> pads{1, 1, 1, 1};  // top, left, bottom, right
  bool bias = true;
  std::string activation;  // "", "Relu", "LeakyRelu", "Clip", "Sigmoid"
  bool pooled = false;     // a GlobalAveragePool of the conv is the output
};

Graph graph(const Case& c) {
  Graph g;
  g.source = "padded-pointwise.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, c.in_c, H, W}}};
  g.outputs = {{"y", {}}};
  std::mt19937 rng(11);
  std::normal_distribution<float> d;
  std::vector<float> w(static_cast<size_t>(c.out_c * c.in_c)), b(static_cast<size_t>(c.out_c));
  for (auto& v : w) v = d(rng);
  for (auto& v : b) v = d(rng);  // both signs: the activation matters at the border
  g.constants["w"] = Constant{{c.out_c, c.in_c, 1, 1}, w, {}};
  g.constants["b"] = Constant{{c.out_c}, b, {}};
  Node conv = node("Conv", {"x", "w"}, c.activation.empty() ? "y" : "z");
  if (c.bias) conv.inputs.push_back("b");
  conv.attributes["kernel_shape"] = std::vector<std::int64_t>{1, 1};
  conv.attributes["pads"] = c.pads;
  g.nodes = {conv};
  if (!c.activation.empty()) {
    Node act = node(c.activation, {"z"}, "y");
    if (c.activation == "LeakyRelu") act.attributes["alpha"] = 0.1f;
    if (c.activation == "Clip") {
      g.constants["lo"] = Constant{{}, {-0.5f}, {}};
      g.constants["hi"] = Constant{{}, {0.75f}, {}};
      act.inputs = {"z", "lo", "hi"};
    }
    g.nodes.push_back(act);
  }
  if (c.pooled) {
    g.nodes.back().outputs = {"full"};
    g.nodes.push_back(node("GlobalAveragePool", {"full"}, "y"));
  }
  return g;
}

float activate(const std::string& a, double v) {
  if (a == "Relu") return static_cast<float>(v > 0 ? v : 0);
  if (a == "LeakyRelu") return static_cast<float>(v > 0 ? v : 0.1 * v);
  if (a == "Clip") return static_cast<float>(std::min(std::max(v, -0.5), 0.75));
  if (a == "Sigmoid") return static_cast<float>(1 / (1 + std::exp(-v)));
  return static_cast<float>(v);
}

// The convolution of the zero-padded input, per element, with bias `b`.
std::vector<float> reference(const Case& c, const Graph& g, const std::vector<float>& x,
                             const std::vector<float>& b) {
  const auto& w = g.constants.at("w").floats;
  const std::int64_t oh = H + c.pads[0] + c.pads[2], ow = W + c.pads[1] + c.pads[3];
  std::vector<float> y;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < c.out_c; ++o)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          double acc = c.bias ? b[static_cast<size_t>(o)] : 0.0;
          const std::int64_t si = i - c.pads[0], sj = j - c.pads[1];
          if (si >= 0 && si < H && sj >= 0 && sj < W)
            for (std::int64_t k = 0; k < c.in_c; ++k)
              acc += static_cast<double>(w[static_cast<size_t>(o * c.in_c + k)]) *
                     x[static_cast<size_t>(((n * c.in_c + k) * H + si) * W + sj)];
          y.push_back(activate(c.activation, acc));
        }
  if (!c.pooled) return y;
  std::vector<float> means;
  const auto plane = static_cast<size_t>(oh * ow);
  for (size_t start = 0; start < y.size(); start += plane) {
    double sum = 0;
    for (size_t i = start; i < start + plane; ++i) sum += y[i];
    means.push_back(static_cast<float>(sum / static_cast<double>(plane)));
  }
  return means;
}

std::vector<float> input(std::int64_t channels) {
  std::mt19937 rng(5);
  std::normal_distribution<float> d;
  std::vector<float> x(static_cast<size_t>(N * channels * H * W));
  for (auto& v : x) v = d(rng);
  return x;
}

Case activated(const std::string& activation, bool pooled = false) {
  Case c;
  c.activation = activation;
  c.pooled = pooled;
  return c;
}

// Runs the case (bias element `faulted` set to `value` when >= 0) and compares with the reference.
void expect_computes(const Case& c, bool decomposed, std::int64_t faulted = -1, float value = 0.f) {
  const Graph g = graph(c);
  ExecutorOptions opt;
  opt.batch = N;
  opt.weights.biases = true;
  Executor ex(g, opt);
  EXPECT_EQ(ex.summary().find("unpadded") != std::string::npos, decomposed) << ex.summary();
  EXPECT_EQ(ex.summary().find("Pad border") != std::string::npos, decomposed && !c.pooled) << ex.summary();
  EXPECT_EQ(ex.summary().find("of the interior + border") != std::string::npos, decomposed && c.pooled)
      << ex.summary();
  std::vector<float> b = g.constants.at("b").floats;
  if (faulted >= 0) {
    ex.weight("b").write(faulted, value);
    b[static_cast<size_t>(faulted)] = value;
  }
  const auto x = input(c.in_c);
  std::vector<float> y(static_cast<size_t>(ex.output_size() * N));
  ex.run(x.data(), N, y.data());
  const auto want = reference(c, g, x, b);
  ASSERT_EQ(y.size(), want.size());
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_NEAR(y[i], want[i], 1e-4f * (1 + std::abs(want[i]))) << c.activation << " element " << i;
}

TEST(PaddedPointwiseConv, ComputesTheConvolutionOfTheZeroPaddedInput) {
  expect_computes({}, true);
  Case asymmetric;  // one side unpadded
  asymmetric.pads = {2, 0, 1, 3};
  expect_computes(asymmetric, true);
  Case whole_blocks;
  whole_blocks.in_c = 8, whole_blocks.out_c = 16;
  expect_computes(whole_blocks, true);
  Case no_bias;  // the border is 0
  no_bias.in_c = 3, no_bias.out_c = 5, no_bias.bias = false;
  expect_computes(no_bias, true);
}

TEST(PaddedPointwiseConv, BorderIsTheActivationOfTheBias) {
  for (const std::string a : {"Relu", "LeakyRelu", "Clip"}) expect_computes(activated(a), true);
}

TEST(PaddedPointwiseConv, AFaultedBiasShowsOnTheBorder) {
  expect_computes({}, true, 3, 1e6f);
  expect_computes(activated("Relu"), true, 7, -2.5f);
  expect_computes(activated("Relu"), true, 7, 2.5f);
}

TEST(PaddedPointwiseConv, OtherActivationsAndStridesKeepThePaddedKernel) {
  expect_computes(activated("Sigmoid"), false);
  Case unpadded;  // nothing to pad: the plain conv
  unpadded.pads = {0, 0, 0, 0};
  expect_computes(unpadded, false);
}

TEST(PaddedPointwiseConv, AGlobalAverageOfItAddsTheBordersShareToThePoolOfTheInterior) {
  Case plain;
  plain.pooled = true;
  expect_computes(plain, true);
  Case asymmetric = plain;
  asymmetric.pads = {2, 0, 1, 3};
  expect_computes(asymmetric, true);
  Case whole_blocks = plain;
  whole_blocks.in_c = 8, whole_blocks.out_c = 16;
  expect_computes(whole_blocks, true);
  Case no_bias = plain;
  no_bias.in_c = 3, no_bias.out_c = 5, no_bias.bias = false;
  expect_computes(no_bias, true);
  for (const std::string a : {"Relu", "LeakyRelu", "Clip"}) expect_computes(activated(a, true), true);
  // The border's share is computed from the stored bias at each run.
  expect_computes(plain, true, 3, 1e6f);
  expect_computes(activated("Relu", true), true, 7, -2.5f);
  expect_computes(activated("Relu", true), true, 7, 2.5f);
  // A conv that keeps the padded kernel is pooled as it is.
  expect_computes(activated("Sigmoid", true), false);
}

}  // namespace

// The fill itself in every layout it takes, whatever layout this machine's kernels choose: plain,
// channels-last and 8/16-channel blocks (20 channels: the blocks' padding channels must come out 0), 2D and
// 3D.
TEST(BorderFill, EveryLayoutMatchesTheLogicalPadding) {
  using dnnl::memory;
  using tag = memory::format_tag;
  using flipguard::engine::BlockedLayout;
  using flipguard::engine::ops::BorderFill;
  using flipguard::model::Dims;
  struct Layout {
    tag t;
    const char* name;
  };
  for (const bool three_d : {false, true}) {
    const Dims in = three_d ? Dims{2, 20, 2, 3, 4} : Dims{2, 20, 3, 4};
    const Dims pad = three_d ? Dims{1, 0, 2} : Dims{1, 2};
    const Dims pad_end = three_d ? Dims{0, 1, 1} : Dims{2, 1};
    Dims out = in;
    for (size_t i = 0; i < pad.size(); ++i) out[i + 2] += pad[i] + pad_end[i];
    const std::vector<Layout> layouts = three_d ? std::vector<Layout>{{tag::ncdhw, "plain"},
                                                                      {tag::ndhwc, "channels-last"},
                                                                      {tag::nCdhw8c, "8c"},
                                                                      {tag::nCdhw16c, "16c"}}
                                                : std::vector<Layout>{{tag::nchw, "plain"},
                                                                      {tag::nhwc, "channels-last"},
                                                                      {tag::nChw8c, "8c"},
                                                                      {tag::nChw16c, "16c"}};
    for (const auto& [t, name] : layouts) {
      const memory::desc in_md(memory::dims(in.begin(), in.end()), memory::data_type::f32, t);
      const auto out_md = flipguard::engine::ops::same_layout(in_md, out);
      ASSERT_TRUE(out_md) << name;
      const BorderFill fill(in_md, in, *out_md, out, pad);
      const std::int64_t padded_c = fill.padded_channels();
      ASSERT_EQ(padded_c, in_md.data.padded_dims[1]) << name;
      // The interior holds a distinct value per logical element; the padding channels of a block hold junk
      // the fill must not copy.
      std::vector<float> interior(in_md.get_size() / sizeof(float), 99.f),
          border(static_cast<size_t>(padded_c));
      for (std::int64_t c = 0; c < padded_c; ++c) border[static_cast<size_t>(c)] = c < 20 ? -1.f - c : 0.f;
      const BlockedLayout il(in_md), ol(*out_md);
      const auto spatial = [](const Dims& d) {
        std::int64_t s = 1;
        for (size_t i = 2; i < d.size(); ++i) s *= d[i];
        return s;
      };
      const auto index = [](const Dims& d, std::int64_t n, std::int64_t c, std::int64_t s) {
        std::vector<std::int64_t> idx(d.size());
        idx[0] = n, idx[1] = c;
        for (size_t i = d.size(); i-- > 2;) idx[i] = s % d[i], s /= d[i];
        return idx;
      };
      for (std::int64_t n = 0; n < 2; ++n)
        for (std::int64_t c = 0; c < 20; ++c)
          for (std::int64_t s = 0; s < spatial(in); ++s)
            interior[static_cast<size_t>(il.offset(index(in, n, c, s).data()))] =
                static_cast<float>((n * 20 + c) * 1000 + s);
      std::vector<float> y(out_md->get_size() / sizeof(float), 42.f);
      fill.run(interior.data(), border.data(), y.data());
      for (std::int64_t n = 0; n < 2; ++n)
        for (std::int64_t c = 0; c < padded_c; ++c)
          for (std::int64_t s = 0; s < spatial(out); ++s) {
            const auto o = index(out, n, c, s);
            bool inside = true;
            std::int64_t si = 0;
            for (size_t i = 2; i < out.size(); ++i) {
              const std::int64_t v = o[i] - pad[i - 2];
              inside = inside && v >= 0 && v < in[i];
              si = si * in[i] + v;
            }
            const float want = c >= 20  ? 0.f
                               : inside ? static_cast<float>((n * 20 + c) * 1000 + si)
                                        : -1.f - c;
            ASSERT_EQ(y[static_cast<size_t>(ol.offset(o.data()))], want)
                << name << (three_d ? " 3D" : " 2D") << " n " << n << " c " << c << " pixel " << s;
          }
    }
  }
}

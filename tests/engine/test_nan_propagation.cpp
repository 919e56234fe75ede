// NaN through operators, as PyTorch and ONNX Runtime compute it: a NaN input or weight comes out NaN
// wherever the reference's does (docs/protections.md, "NaN through operators"). oneDNN's fast kernels for
// Relu, Clip, Exp, max pooling and Softmax drop a NaN; the executor reruns a run that met one with
// faithful kernels (engine/layer.hpp). Each case checks NaN positions exactly and the other values against
// the reference formula, NaN at the start of a vector block, inside one and in a tail element.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "engine/executor.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Constant;
using flipguard::model::Dims;
using flipguard::model::Graph;
using flipguard::model::Node;
using flipguard::testing::node;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

Graph graph_of(const Dims& in, std::vector<Node> nodes, std::map<std::string, Constant> constants = {}) {
  Graph g;
  g.source = "nan.onnx";
  g.opset = 13;
  g.inputs = {{"x", in}};
  g.outputs = {{"y", {}}};
  g.constants = std::move(constants);
  g.nodes = std::move(nodes);
  return g;
}

std::vector<float> normal(size_t count, unsigned seed = 3) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(count);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<float> run(Executor& ex, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * ex.batch()));
  ex.run(x.data(), ex.batch(), y.data());
  return y;
}

// NaN exactly where `want` has NaN; other values within `tol` (Inf equal).
void expect_same(const std::vector<float>& got, const std::vector<float>& want, float tol,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " [" << i << "] = " << got[i] << ", want NaN";
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << what << " [" << i << "]";
    } else {
      EXPECT_NEAR(got[i], want[i], tol * std::max(1.f, std::fabs(want[i]))) << what << " [" << i << "]";
    }
  }
}

// The reference activations (PyTorch's CPU formulas): NaN in, NaN out.
float relu(float x) {
  return std::isnan(x) ? x : x > 0 ? x : 0.f;
}
float clip(float x, float lo, float hi) {
  return std::isnan(x) ? x : std::min(std::max(x, lo), hi);
}

Node with(Node n, const std::string& attr, flipguard::model::AttributeValue v) {
  n.attributes[attr] = std::move(v);
  return n;
}

// [2, 37] with NaN first, in the middle and last of each row's 37 (the tail of a 16- or 8-float block), and
// +Inf / -Inf.
std::vector<float> special_rows() {
  auto x = normal(74);
  for (size_t r = 0; r < 2; ++r) {
    x[r * 37 + 0] = kNaN;
    x[r * 37 + 20] = kNaN;
    x[r * 37 + 36] = kNaN;
    x[r * 37 + 3] = kInf;
    x[r * 37 + 4] = -kInf;
  }
  return x;
}

struct Unary {
  std::string op;
  std::function<float(float)> ref;
  std::map<std::string, flipguard::model::AttributeValue> attrs = {};
  std::map<std::string, Constant> constants = {};
  std::vector<std::string> extra_inputs = {};
};

TEST(NanPropagation, StandaloneActivations) {
  const auto sig = [](float x) { return 1.f / (1.f + std::exp(-x)); };
  const std::vector<Unary> ops = {
      {"Relu", relu},
      {"LeakyRelu", [](float x) { return x > 0 || std::isnan(x) ? x : 0.1f * x; }, {{"alpha", 0.1f}}},
      {"Clip",
       [](float x) { return clip(x, 0.f, 6.f); },
       {},
       {{"lo", Constant{{}, {0.f}, {}}}, {"hi", Constant{{}, {6.f}, {}}}},
       {"lo", "hi"}},
      {"Clip",
       [](float x) { return clip(x, -1.f, 1.f); },
       {},
       {{"lo", Constant{{}, {-1.f}, {}}}, {"hi", Constant{{}, {1.f}, {}}}},
       {"lo", "hi"}},
      {"Clip",
       [](float x) { return clip(x, 0.5f, 2.f); },
       {},
       {{"lo", Constant{{}, {0.5f}, {}}}, {"hi", Constant{{}, {2.f}, {}}}},
       {"lo", "hi"}},
      {"Sigmoid", sig},
      {"Tanh", [](float x) { return std::tanh(x); }},
      {"HardSigmoid",
       [](float x) { return std::isnan(x) ? x : std::min(std::max(0.2f * x + 0.5f, 0.f), 1.f); }},
      {"HardSwish", [](float x) { return x * std::min(std::max(x + 3.f, 0.f), 6.f) / 6.f; }},
      {"Elu", [](float x) { return x > 0 || std::isnan(x) ? x : std::exp(x) - 1.f; }},
      {"Exp", [](float x) { return std::exp(x); }},
      {"Abs", [](float x) { return std::fabs(x); }},
      {"Neg", [](float x) { return -x; }},
  };
  for (const auto& u : ops) {
    Node n = node(u.op, {"x"}, "y");
    for (const auto& in : u.extra_inputs) n.inputs.push_back(in);
    n.attributes.insert(u.attrs.begin(), u.attrs.end());
    ExecutorOptions opt;
    opt.batch = 2;
    Executor ex(graph_of({-1, 37}, {n}, u.constants), opt);
    const auto x = special_rows();
    std::vector<float> want(x.size());
    for (size_t i = 0; i < x.size(); ++i) want[i] = u.ref(x[i]);
    expect_same(run(ex, x), want, 1e-5f, u.op);
    // Without a NaN nothing reruns.
    const long before = ex.faithful_runs();
    auto clean = normal(74, 5);
    clean[3] = kInf;
    clean[40] = -kInf;
    run(ex, clean);
    EXPECT_EQ(ex.faithful_runs(), before) << u.op << ": a clean run took the faithful kernels";
  }
}

// A conv of 16 input channels into 32 (vector blocks of 16, or 8 on AVX2) over [2, 16, 5, 7], with bias.
struct ConvCase {
  Dims x_dims{2, 16, 5, 7};
  std::int64_t out_c = 32;
  std::vector<float> w = normal(32 * 16 * 9, 11), b = normal(32, 12);

  std::map<std::string, Constant> constants() const {
    return {{"w", Constant{{out_c, 16, 3, 3}, w, {}}}, {"b", Constant{{out_c}, b, {}}}};
  }
  // 3x3, pad 1, stride 1, in double; NaN and Inf propagate as IEEE arithmetic does.
  std::vector<float> conv(const std::vector<float>& x, const std::vector<float>& wt) const {
    const std::int64_t N = x_dims[0], C = x_dims[1], H = x_dims[2], W = x_dims[3];
    std::vector<float> y(static_cast<size_t>(N * out_c * H * W));
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t o = 0; o < out_c; ++o)
        for (std::int64_t i = 0; i < H; ++i)
          for (std::int64_t j = 0; j < W; ++j) {
            double s = b[static_cast<size_t>(o)];
            for (std::int64_t c = 0; c < C; ++c)
              for (std::int64_t ki = 0; ki < 3; ++ki)
                for (std::int64_t kj = 0; kj < 3; ++kj) {
                  const std::int64_t ii = i + ki - 1, jj = j + kj - 1;
                  if (ii < 0 || ii >= H || jj < 0 || jj >= W) continue;
                  s += double(wt[static_cast<size_t>(((o * C + c) * 3 + ki) * 3 + kj)]) *
                       x[static_cast<size_t>(((n * C + c) * H + ii) * W + jj)];
                }
            y[static_cast<size_t>(((n * out_c + o) * H + i) * W + j)] = static_cast<float>(s);
          }
    return y;
  }
};

Node conv_node() {
  return with(node("Conv", {"x", "w", "b"}, "c"), "pads", std::vector<std::int64_t>{1, 1, 1, 1});
}

TEST(NanPropagation, FusedConvActivations) {
  const ConvCase cc;
  struct Act {
    std::string name;
    std::vector<Node> nodes;
    std::map<std::string, Constant> constants;
    std::function<float(float)> ref;
  };
  const std::vector<Act> acts = {
      {"Conv+Relu", {node("Relu", {"c"}, "y")}, {}, relu},
      {"Conv+Clip(0,6)",
       {node("Clip", {"c", "lo", "hi"}, "y")},
       {{"lo", Constant{{}, {0.f}, {}}}, {"hi", Constant{{}, {6.f}, {}}}},
       [](float v) { return clip(v, 0.f, 6.f); }},
      {"Conv+Clip(-1,1)",
       {node("Clip", {"c", "lo", "hi"}, "y")},
       {{"lo", Constant{{}, {-1.f}, {}}}, {"hi", Constant{{}, {1.f}, {}}}},
       [](float v) { return clip(v, -1.f, 1.f); }},
      {"Conv+LeakyRelu",
       {with(node("LeakyRelu", {"c"}, "y"), "alpha", 0.1f)},
       {},
       [](float v) { return v > 0 || std::isnan(v) ? v : 0.1f * v; }},
  };
  auto x = normal(2 * 16 * 35, 13);
  x[0] = kNaN;                      // image 0, channel 0, first pixel
  x[16 * 35 + 35 * 7 + 17] = kNaN;  // image 0, channel 7, inside
  x[x.size() - 1] = kNaN;           // image 1, last channel, last pixel
  for (const auto& a : acts) {
    std::vector<Node> nodes{conv_node()};
    nodes.insert(nodes.end(), a.nodes.begin(), a.nodes.end());
    auto constants = cc.constants();
    constants.insert(a.constants.begin(), a.constants.end());
    ExecutorOptions opt;
    opt.batch = 2;
    Executor ex(graph_of({-1, 16, 5, 7}, nodes, constants), opt);
    ASSERT_NE(ex.summary().find("+ " + a.nodes[0].op_type), std::string::npos) << ex.summary();
    auto want = cc.conv(x, cc.w);
    for (auto& v : want) v = a.ref(v);
    expect_same(run(ex, x), want, 1e-4f, a.name + " with NaN inputs");

    // A NaN weight (what Weight.write([4], [nan]) stores), the centre of output channel 0's kernel: that
    // channel is NaN everywhere (a border tap would meet the zero padding: 0 x NaN in im2col kernels).
    const auto clean_x = normal(2 * 16 * 35, 14);
    const auto clean_y = run(ex, clean_x);
    ex.weight("w").write(4, kNaN);
    auto wt = cc.w;
    wt[4] = kNaN;
    want = cc.conv(clean_x, wt);
    for (auto& v : want) v = a.ref(v);
    expect_same(run(ex, clean_x), want, 1e-4f, a.name + " with a NaN weight");
    ex.weight("w").restore(std::vector<std::int64_t>{4});
    // Restored, the fast kernels give the clean result bit for bit.
    const long before = ex.faithful_runs();
    EXPECT_EQ(run(ex, clean_x), clean_y) << a.name;
    EXPECT_EQ(ex.faithful_runs(), before) << a.name;
  }
}

TEST(NanPropagation, ConvReluWithResidualSum) {
  const ConvCase cc;
  const std::vector<Node> nodes{conv_node(), node("Relu", {"x"}, "r"), node("Conv", {"r", "w2"}, "c2"),
                                node("Add", {"c", "c2"}, "s"), node("Relu", {"s"}, "y")};
  auto constants = cc.constants();
  const auto w2 = normal(32 * 16, 21);
  constants["w2"] = Constant{{32, 16, 1, 1}, w2, {}};
  ExecutorOptions opt;
  opt.batch = 2;
  Executor ex(graph_of({-1, 16, 5, 7}, nodes, constants), opt);
  auto x = normal(2 * 16 * 35, 15);
  x[35 * 3 + 8] = kNaN;
  auto y = run(ex, x);
  // Image 0 is NaN where the 3x3 window or the 1x1 conv reads pixel (1, 1) of channel 3; image 1 is finite.
  for (std::int64_t o = 0; o < 32; ++o)
    for (std::int64_t i = 0; i < 5; ++i)
      for (std::int64_t j = 0; j < 7; ++j) {
        const bool hit = std::abs(i - 1) <= 1 && std::abs(j - 1) <= 1;
        EXPECT_EQ(std::isnan(y[static_cast<size_t>((o * 5 + i) * 7 + j)]), hit) << o << " " << i << " " << j;
        EXPECT_FALSE(std::isnan(y[static_cast<size_t>(((32 + o) * 5 + i) * 7 + j)]));
      }
}

TEST(NanPropagation, FusedGemmAndMatMulActivations) {
  const std::int64_t k = 37, n_out = 19;
  const auto w = normal(static_cast<size_t>(k * n_out), 31), b = normal(static_cast<size_t>(n_out), 32);
  for (const std::string op : {"Gemm", "MatMul"}) {
    for (const std::string act : {"Relu", "Clip"}) {
      std::vector<Node> nodes;
      if (op == "Gemm")
        nodes.push_back(node("Gemm", {"x", "w", "b"}, "g"));
      else
        nodes = {node("MatMul", {"x", "w"}, "m"), node("Add", {"m", "b"}, "g")};
      nodes.push_back(act == "Relu" ? node("Relu", {"g"}, "y") : node("Clip", {"g", "lo", "hi"}, "y"));
      std::map<std::string, Constant> constants{{"w", Constant{{k, n_out}, w, {}}},
                                                {"b", Constant{{n_out}, b, {}}},
                                                {"lo", Constant{{}, {0.f}, {}}},
                                                {"hi", Constant{{}, {1.5f}, {}}}};
      ExecutorOptions opt;
      opt.batch = 3;
      Executor ex(graph_of({-1, k}, nodes, constants), opt);
      auto x = normal(static_cast<size_t>(3 * k), 33);
      x[5] = kNaN;            // row 0
      x[2 * k + 36] = -kInf;  // row 2: -Inf x w, +-Inf by the sign of w
      std::vector<float> want(static_cast<size_t>(3 * n_out));
      for (std::int64_t r = 0; r < 3; ++r)
        for (std::int64_t c = 0; c < n_out; ++c) {
          double s = b[static_cast<size_t>(c)];
          for (std::int64_t i = 0; i < k; ++i)
            s += double(x[static_cast<size_t>(r * k + i)]) * w[static_cast<size_t>(i * n_out + c)];
          const auto v = static_cast<float>(s);
          want[static_cast<size_t>(r * n_out + c)] = act == "Relu" ? relu(v) : clip(v, 0.f, 1.5f);
        }
      expect_same(run(ex, x), want, 1e-4f, op + "+" + act);
    }
  }
}

TEST(NanPropagation, MaxPooling) {
  for (const std::int64_t channels : {3, 16, 20}) {
    // 3x3 windows, stride 2, pad 1 over 7x9: each output reads up to 9 inputs.
    const Dims in{1, channels, 7, 9};
    auto pool = node("MaxPool", {"x"}, "y");
    pool.attributes["kernel_shape"] = std::vector<std::int64_t>{3, 3};
    pool.attributes["strides"] = std::vector<std::int64_t>{2, 2};
    pool.attributes["pads"] = std::vector<std::int64_t>{1, 1, 1, 1};
    ExecutorOptions opt;
    opt.batch = 1;
    for (const bool global : {false, true}) {
      Executor ex(graph_of({-1, channels, 7, 9}, {global ? node("GlobalMaxPool", {"x"}, "y") : pool}), opt);
      auto x = normal(static_cast<size_t>(channels * 63), 41);
      x[0] = kNaN;                                                     // channel 0, first of its window
      x[static_cast<size_t>((channels - 1) * 63 + 2 * 9 + 2)] = kNaN;  // last channel, inside 4 windows
      x[static_cast<size_t>(63 + 10)] = -kInf;
      std::vector<float> want;
      const std::int64_t oh = global ? 1 : 4, ow = global ? 1 : 5;
      for (std::int64_t c = 0; c < channels; ++c)
        for (std::int64_t i = 0; i < oh; ++i)
          for (std::int64_t j = 0; j < ow; ++j) {
            float m = -kInf;
            for (std::int64_t a = 0; a < 7; ++a)
              for (std::int64_t b = 0; b < 9; ++b) {
                if (!global && (std::abs(a - 2 * i) > 1 || std::abs(b - 2 * j) > 1)) continue;
                const float v = x[static_cast<size_t>((c * 7 + a) * 9 + b)];
                m = std::isnan(v) || std::isnan(m) ? kNaN : std::max(m, v);
              }
            want.push_back(m);
          }
      expect_same(run(ex, x), want, 0.f,
                  (global ? "GlobalMaxPool C=" : "MaxPool C=") + std::to_string(channels));
    }
  }
}

TEST(NanPropagation, SoftmaxRows) {
  for (const std::string op : {"Softmax", "LogSoftmax"}) {
    ExecutorOptions opt;
    opt.batch = 4;
    Executor ex(graph_of({-1, 37}, {node(op, {"x"}, "y")}), opt);
    const auto clean = normal(4 * 37, 51);
    const auto clean_y = run(ex, clean);
    auto x = clean;
    x[20] = kNaN;                                           // row 0: a NaN
    x[37 + 36] = kInf;                                      // row 1: +Inf
    for (size_t i = 0; i < 37; ++i) x[2 * 37 + i] = -kInf;  // row 2: only -Inf
    const auto y = run(ex, x);
    for (size_t i = 0; i < 37 * 3; ++i) EXPECT_TRUE(std::isnan(y[i])) << op << " [" << i << "]";
    // Row 3 is untouched: the fast kernel's values, bit for bit.
    for (size_t i = 37 * 3; i < 37 * 4; ++i) EXPECT_EQ(y[i], clean_y[i]) << op << " [" << i << "]";
  }
}

}  // namespace

namespace {

// The GELUs as PyTorch exports them, written out (x * 0.5 * (1 + erf(x / sqrt 2)) and GPT-2's tanh form),
// fused into one eltwise (model/fuse_gelu.hpp) and from there into the MatMul before them: a NaN in the
// product comes out NaN, as the written-out formula gives it.
TEST(NanPropagation, FusedGelus) {
  const std::int64_t k = 37, n_out = 19;
  const auto w = normal(static_cast<size_t>(k * n_out), 41);
  for (const bool tanh_form : {false, true}) {
    std::vector<Node> nodes{node("MatMul", {"x", "w"}, "m")};
    if (tanh_form) {
      nodes.insert(nodes.end(), {node("Mul", {"m", "half"}, "mh"), node("Pow", {"m", "three"}, "cube"),
                                 node("Mul", {"cube", "c"}, "cc"), node("Add", {"m", "cc"}, "inner"),
                                 node("Mul", {"inner", "k"}, "scaled"), node("Tanh", {"scaled"}, "t"),
                                 node("Add", {"t", "one"}, "a"), node("Mul", {"mh", "a"}, "y")});
    } else {
      nodes.insert(nodes.end(),
                   {node("Div", {"m", "sqrt2"}, "s"), node("Erf", {"s"}, "e"), node("Add", {"e", "one"}, "a"),
                    node("Mul", {"m", "a"}, "ma"), node("Mul", {"ma", "half"}, "y")});
    }
    std::map<std::string, Constant> constants{
        {"w", Constant{{k, n_out}, w, {}}},
        {"half", Constant{{}, {0.5f}, {}}},
        {"one", Constant{{}, {1.f}, {}}},
        {"three", Constant{{}, {3.f}, {}}},
        {"c", Constant{{}, {0.044715f}, {}}},
        {"k", Constant{{}, {static_cast<float>(std::sqrt(2.0 / 3.141592653589793))}, {}}},
        {"sqrt2", Constant{{}, {static_cast<float>(std::sqrt(2.0))}, {}}}};
    ExecutorOptions opt;
    opt.batch = 3;
    Executor ex(graph_of({-1, k}, nodes, constants), opt);
    ASSERT_NE(ex.summary().find(tanh_form ? "+ GeluTanh" : "+ Gelu"), std::string::npos) << ex.summary();
    auto x = normal(static_cast<size_t>(3 * k), 43);
    x[5] = kNaN;  // row 0
    std::vector<float> want(static_cast<size_t>(3 * n_out));
    for (std::int64_t r = 0; r < 3; ++r)
      for (std::int64_t c = 0; c < n_out; ++c) {
        double s = 0;
        for (std::int64_t i = 0; i < k; ++i)
          s += double(x[static_cast<size_t>(r * k + i)]) * w[static_cast<size_t>(i * n_out + c)];
        const double g =
            tanh_form
                ? 0.5 * s * (1 + std::tanh(std::sqrt(2.0 / 3.141592653589793) * (s + 0.044715 * s * s * s)))
                : 0.5 * s * (1 + std::erf(s / std::sqrt(2.0)));
        want[static_cast<size_t>(r * n_out + c)] = static_cast<float>(g);
      }
    expect_same(run(ex, x), want, 1e-4f, tanh_form ? "MatMul + GeluTanh" : "MatMul + Gelu");
  }
}

}  // namespace

// The value hook (engine/value_hook.hpp): the executor reports the values its layers write, with a view in
// logical coordinates whatever the physical layout. Checked on real models and images against a second
// executor running a modified graph: an Add (or Mul) node inserted after the value does what the hook did,
// so a view that maps a logical element to the wrong physical one, or a hook that fires too early or too
// late, moves the logits away from the reference's.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "data/datasets/dataset_registry.hpp"
#include "data/loading/batch_loader.hpp"
#include "data/manifest/manifest.hpp"
#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"
#include "support/test_paths.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::engine::ValueHook;
using flipguard::engine::ValueView;
using flipguard::engine::WrittenValue;
using flipguard::model::Graph;

Graph load(const std::string& model) {
  return flipguard::model::load_onnx((flipguard::testing::models_dir() / (model + ".onnx")).string());
}

// `count` real images of the model's data set, preprocessed as its sidecar says.
std::vector<float> images(const std::string& model, size_t count) {
  const auto spec = flipguard::data::load_manifest(flipguard::testing::models_dir() / (model + ".json"));
  flipguard::data::BatchLoader loader(
      std::shared_ptr<const flipguard::data::Dataset>(
          flipguard::data::open_dataset(spec.dataset, flipguard::testing::assets_dir())),
      spec);
  std::vector<size_t> indices(count);
  for (size_t i = 0; i < count; ++i) indices[i] = 3 * i + 1;
  std::vector<float> input(count * loader.sample_floats());
  std::vector<int> targets(count);
  loader.fill_indices(indices, input.data(), targets.data());
  return input;
}

std::vector<float> run(Executor& ex, const std::vector<float>& x, int count) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * count));
  ex.run(x.data(), count, y.data());
  return y;
}

std::vector<std::string> names(const std::vector<WrittenValue>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) out.push_back(v.name);
  return out;
}

WrittenValue find(const std::vector<WrittenValue>& values, const std::string& name) {
  const auto it = std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.name == name; });
  if (it == values.end()) throw std::runtime_error("no written value '" + name + "'");
  return *it;
}

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::abs(x)));
  return m;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

// --- hooks ---

class NoopHook : public ValueHook {
 public:
  void run_started(int) override {}
  void value_written(int, ValueView&, bool) override {}
};

// Reads every element and writes it back: a view whose set and get disagree, or that writes padding or
// another value's memory, changes the logits.
class RewriteHook : public ValueHook {
 public:
  void run_started(int) override {}
  void value_written(int, ValueView& view, bool) override {
    for (int n = 0; n < view.images(); ++n)
      for (std::int64_t i = 0; i < view.elements_per_image(); ++i) view.set(n, i, view.get(n, i));
  }
};

// Adds `delta` to element `element` of image `image` of the one armed value.
class AddHook : public ValueHook {
 public:
  AddHook(int image, std::int64_t element, float delta) : image_(image), element_(element), delta_(delta) {}
  void run_started(int) override {}
  void value_written(int, ValueView& view, bool) override {
    view.set(image_, element_, view.get(image_, element_) + delta_);
  }

 private:
  int image_;
  std::int64_t element_;
  float delta_;
};

// Doubles every element through for_each_span, counting the elements it was given.
class DoubleHook : public ValueHook {
 public:
  void run_started(int) override {}
  void value_written(int, ValueView& view, bool) override {
    expected += view.elements_per_image() * view.images();
    view.for_each_span([this](float* data, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i) data[i] *= 2;
      seen += n;  // spans may come from several threads
    });
  }
  std::int64_t expected = 0;
  std::atomic<std::int64_t> seen = 0;
};

// What the executor told the hook, in order.
class RecordingHook : public ValueHook {
 public:
  struct Event {
    int started;  // images of run_started, or -1 for value_written
    int value;
    bool repeat;
    bool operator==(const Event&) const = default;
  };
  void run_started(int images) override { events.push_back({images, -1, false}); }
  void value_written(int value, ValueView&, bool repeat) override { events.push_back({-1, value, repeat}); }
  std::vector<Event> events;
};

// --- reference graphs ---

// `g` with a node `op`(value, operand) inserted after `value`'s producer: the producer writes `value#pre`
// and the new node writes `value`, so every reader (and the graph output) reads the new node's result.
Graph insert_after(Graph g, const std::string& value, const std::string& op,
                   flipguard::model::Constant operand) {
  const auto producer = std::find_if(g.nodes.begin(), g.nodes.end(), [&](const auto& n) {
    return std::find(n.outputs.begin(), n.outputs.end(), value) != n.outputs.end();
  });
  if (producer == g.nodes.end()) throw std::runtime_error("no node writes '" + value + "'");
  const std::string pre = value + "#pre", constant = value + "#operand";
  for (auto& o : producer->outputs)
    if (o == value) o = pre;
  g.constants[constant] = std::move(operand);
  flipguard::model::Node n;
  n.name = value + "#inserted";
  n.op_type = op;
  n.inputs = {pre, constant};
  n.outputs = {value};
  g.nodes.insert(producer + 1, n);
  return g;
}

// The logits of a run where `value`'s element (image, i) got `delta` added: by the hook, and by the graph.
struct Exactness {
  std::vector<float> hooked, reference, clean;
};

Exactness add_delta(const std::string& model, int batch, const std::vector<float>& x,
                    const std::string& value, int image, std::int64_t element, float delta) {
  ExecutorOptions opt;
  opt.batch = batch;
  Executor ex(load(model), opt);
  Exactness r;
  r.clean = run(ex, x, batch);
  AddHook hook(image, element, delta);
  ex.arm_value_hook(&hook, {value});
  r.hooked = run(ex, x, batch);
  const WrittenValue v = find(ex.written_values(), value);
  flipguard::model::Constant c;
  c.dims = v.dims;
  c.floats.assign(static_cast<size_t>(flipguard::model::element_count(v.dims)), 0.f);
  const std::int64_t per_image = flipguard::model::element_count(v.dims) / v.dims[0];
  c.floats[static_cast<size_t>(image * per_image + element)] = delta;
  Executor reference(insert_after(load(model), value, "Add", std::move(c)), opt);
  r.reference = run(reference, x, batch);
  return r;
}

void expect_exact(const Exactness& r, const std::string& what) {
  const double scale = std::max(1.0, max_abs(r.reference));
  EXPECT_LE(max_diff(r.hooked, r.reference), 1e-5 * scale) << what;
  // The delta must show well above the tolerance, or the comparison would not catch a wrong element.
  EXPECT_GT(max_diff(r.hooked, r.clean), 1e-4 * scale) << what;
}

// --- tests ---

struct ModelCase {
  const char* name;
  friend void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.name; }
};

class ValueHookModels : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ValueHookModels, ArmedHooksThatChangeNothingLeaveTheLogitsBitIdentical) {
  const std::string model = GetParam().name;
  const auto x = images(model, 3);
  for (const int batch : {1, 3}) {
    ExecutorOptions opt;
    opt.batch = batch;
    Executor ex(load(model), opt);
    const auto all = names(ex.written_values());
    ASSERT_GT(all.size(), 10u);
    // A full batch (read in place) and, at batch 3, a partial one (copied in and zero-padded).
    for (const int count : batch == 1 ? std::vector<int>{1} : std::vector<int>{3, 2}) {
      const auto clean = run(ex, x, count);
      NoopHook noop;
      ex.arm_value_hook(&noop, all);
      EXPECT_EQ(run(ex, x, count), clean) << model << " batch " << batch << " count " << count << ", no-op";
      RewriteHook rewrite;
      ex.arm_value_hook(&rewrite, all);
      EXPECT_EQ(run(ex, x, count), clean) << model << " batch " << batch << " count " << count << ", rewrite";
      ex.arm_value_hook(nullptr, {});
    }
  }
}

TEST_P(ValueHookModels, WrittenValuesAreMaterialisedGraphValuesInRunOrder) {
  ExecutorOptions opt;
  opt.batch = 2;
  Executor ex(load(GetParam().name), opt);
  const auto values = ex.written_values();
  const auto cuts = ex.cut_points();
  std::set<std::string> listed;
  int last_cut = 0;
  for (const auto& v : values) {
    EXPECT_TRUE(listed.insert(v.name).second) << v.name << " listed twice";
    EXPECT_EQ(v.name.find('#'), std::string::npos) << v.name << ": an engine copy";
    EXPECT_TRUE(std::binary_search(cuts.begin(), cuts.end(), v.cut)) << v.name << " cut " << v.cut;
    EXPECT_GE(v.cut, last_cut) << v.name << ": not in run order";
    last_cut = v.cut;
    ASSERT_FALSE(v.dims.empty());
    EXPECT_EQ(v.dims[0], 2) << v.name;
    EXPECT_FALSE(v.node.empty());
    EXPECT_FALSE(v.op.empty());
  }
  const Graph& g = ex.graph();
  EXPECT_FALSE(listed.count(g.inputs[0].name));
  EXPECT_TRUE(listed.count(g.outputs[0].name));
  // A Conv output only a Relu reads is fused away: only the Relu's output exists.
  int fused = 0;
  for (const auto& n : g.nodes) {
    if (n.op_type != "Conv" || g.use_count(n.outputs[0]) != 1) continue;
    const bool relu_reads = std::any_of(g.nodes.begin(), g.nodes.end(), [&](const auto& r) {
      return r.op_type == "Relu" && r.inputs[0] == n.outputs[0];
    });
    if (!relu_reads) continue;
    ++fused;
    EXPECT_FALSE(listed.count(n.outputs[0])) << n.outputs[0] << " is fused into its Relu";
  }
  if (std::string(GetParam().name) != "mobilenet_v2_100") {  // v2 has Clip (ReLU6)
    EXPECT_GT(fused, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ValueHookModels,
                         ::testing::Values(ModelCase{"resnet20"}, ModelCase{"mobilenet_v2_100"},
                                           ModelCase{"squeezenet11"}));

// One value of a model, and the logical element to change.
struct ExactCase {
  const char* model;
  int batch;
  const char* value;  // empty: the graph output
  const char* kind;   // the layout or role it stands for (on an AVX-512 machine)
  int image;
  std::int64_t c, h, w;
  friend void PrintTo(const ExactCase& c, std::ostream* os) { *os << c.model << " " << c.value; }
};

class ValueHookExactness : public ::testing::TestWithParam<ExactCase> {};

TEST_P(ValueHookExactness, AddingThroughTheHookEqualsAnAddNodeInTheGraph) {
  const ExactCase& t = GetParam();
  const auto x = images(t.model, static_cast<size_t>(t.batch));
  ExecutorOptions opt;
  opt.batch = t.batch;
  std::string value = t.value;
  std::int64_t element = 0;
  {
    Executor ex(load(t.model), opt);
    if (value.empty()) value = ex.graph().outputs[0].name;
    const WrittenValue v = find(ex.written_values(), value);
    const auto& d = v.dims;
    ASSERT_GE(d.size(), 2u);
    ASSERT_LT(t.c, d[1]) << value << " " << flipguard::model::dims_to_string(d);
    element = t.c;
    if (d.size() == 4) {
      ASSERT_LT(t.h, d[2]);
      ASSERT_LT(t.w, d[3]);
      element = (t.c * d[2] + t.h) * d[3] + t.w;
    }
  }
  // Large enough to show in the logits from SqueezeNet's first layers, whose single elements weigh little.
  expect_exact(add_delta(t.model, t.batch, x, value, t.image, element, 1000.f),
               std::string(t.model) + " " + value + " (" + t.kind + ")");
}

// The layouts named are those an AVX-512 machine builds (other CPUs differ; the checks hold for any).
INSTANTIATE_TEST_SUITE_P(
    Zoo, ValueHookExactness,
    ::testing::Values(
        ExactCase{"resnet20", 2, "/layer1/layer1.0/Relu_output_0", "channels-last", 1, 5, 3, 7},
        ExactCase{"resnet20", 2, "/layer2/layer2.0/bn2/BatchNormalization_output_0",
                  "channels-last, later overwritten in place by the residual sum", 0, 17, 9, 2},
        ExactCase{"resnet20", 2, "/layer2/layer2.0/shortcut/Pad_output_0", "plain", 1, 20, 4, 11},
        ExactCase{"resnet20", 2, "/layer2/layer2.0/Add_output_0", "written in place over its addend", 1, 31,
                  15, 0},
        ExactCase{"resnet20", 2, "/Flatten_output_0", "a view (Flatten)", 0, 40, 0, 0},
        ExactCase{"resnet20", 2, "", "the output", 1, 3, 0, 0},
        ExactCase{"mobilenet_v2_100", 2, "MobilenetV2/expanded_conv_1/project_2",
                  "channels-last, 24 channels", 1, 23, 40, 17},
        ExactCase{"mobilenet_v2_100", 2, "MobilenetV2/expanded_conv_2/add_2", "a residual sum", 0, 2, 55, 55},
        ExactCase{"mobilenet_v2_100", 2, "", "the output, a view (Squeeze)", 1, 1000, 0, 0},
        ExactCase{"squeezenet11", 1, "fire2/expand3x3_fire2/relu_expand3x3",
                  "nChw16c, the second part of an in-place concatenation", 0, 33, 20, 30},
        ExactCase{"squeezenet11", 1, "fire3/concat", "nChw16c, a concatenation built in place", 0, 100, 2,
                  50},
        ExactCase{"squeezenet11", 2, "pool10", "nChw16c with padded channels (1000 of 1008)", 1, 998, 0, 0},
        ExactCase{"squeezenet11", 2, "conv1_relu_conv1", "nChw16c", 1, 47, 112, 3},
        ExactCase{"squeezenet11", 2, "fire4/squeeze1x1_fire4/relu_squeeze1x1", "nChw16c", 0, 31, 27, 0},
        ExactCase{"squeezenet11", 2, "", "the output, a view (Flatten) of a reorder", 1, 7, 0, 0}));

// for_each_span: every element of the run's images once, whatever the layout (a partial batch included).
struct SpanCase {
  const char* model;
  int batch, count;
  const char* value;
  friend void PrintTo(const SpanCase& c, std::ostream* os) { *os << c.model << " " << c.value; }
};

class ValueHookSpans : public ::testing::TestWithParam<SpanCase> {};

TEST_P(ValueHookSpans, DoublingEverySpanEqualsAMulNodeInTheGraph) {
  const SpanCase& t = GetParam();
  const auto x = images(t.model, static_cast<size_t>(t.batch));
  ExecutorOptions opt;
  opt.batch = t.batch;
  Executor ex(load(t.model), opt);
  const auto clean = run(ex, x, t.count);
  DoubleHook hook;
  ex.arm_value_hook(&hook, {t.value});
  const auto hooked = run(ex, x, t.count);
  const WrittenValue v = find(ex.written_values(), t.value);
  EXPECT_EQ(hook.expected, flipguard::model::element_count(v.dims) / v.dims[0] * t.count);
  EXPECT_EQ(hook.seen.load(), hook.expected);
  Executor reference(insert_after(load(t.model), t.value, "Mul", flipguard::model::Constant{{1}, {2.f}, {}}),
                     opt);
  const auto expected = run(reference, x, t.count);
  const double scale = std::max(1.0, max_abs(expected));
  EXPECT_LE(max_diff(hooked, expected), 1e-5 * scale);
  EXPECT_GT(max_diff(hooked, clean), 1e-3 * scale);
}

INSTANTIATE_TEST_SUITE_P(
    Zoo, ValueHookSpans,
    ::testing::Values(SpanCase{"resnet20", 3, 2, "/layer1/layer1.2/Relu_1_output_0"},
                      SpanCase{"resnet20", 3, 3, "/layer3/layer3.0/shortcut/Pad_output_0"},
                      SpanCase{"mobilenet_v2_100", 3, 2, "MobilenetV2/expanded_conv_1/project_2"},
                      SpanCase{"squeezenet11", 1, 1, "fire5/expand1x1_fire5/relu_expand1x1"},
                      SpanCase{"squeezenet11", 3, 2, "pool10"},
                      SpanCase{"squeezenet11", 3, 3, "fire6/concat"}));

TEST(ValueHookCalls, RunStartedAndValueWrittenFollowTheRuns) {
  ExecutorOptions opt;
  opt.batch = 3;
  Executor ex(load("resnet20"), opt);
  const auto x = images("resnet20", 3);
  const auto values = ex.written_values();
  RecordingHook hook;
  ex.arm_value_hook(&hook, names(values));
  using Event = RecordingHook::Event;
  const auto expected_run = [&](int count, int from_cut) {
    std::vector<Event> e{{count, -1, false}};
    for (int i = 0; i < static_cast<int>(values.size()); ++i)
      if (values[static_cast<size_t>(i)].cut >= from_cut) e.push_back({-1, i, false});
    return e;
  };
  run(ex, x, 3);
  EXPECT_EQ(hook.events, expected_run(3, 0));
  hook.events.clear();
  run(ex, x, 2);
  EXPECT_EQ(hook.events, expected_run(2, 0));
  hook.events.clear();

  // A prefix tells the hook nothing; the suffix reports the values its layers complete.
  const int cut = ex.cut_points()[ex.cut_points().size() / 2];
  ex.run_prefix(x.data(), 2, cut);
  EXPECT_TRUE(hook.events.empty());
  std::vector<float> y(static_cast<size_t>(ex.output_size() * 3));
  ex.run_suffix(y.data());
  EXPECT_EQ(hook.events, expected_run(2, cut));
  const auto suffix_events = hook.events.size();
  EXPECT_GT(suffix_events, 2u);
  EXPECT_LT(suffix_events, values.size() + 1);
  hook.events.clear();

  // Armed for some values, given out of run order: the indices are the list's, the order the run's.
  const std::vector<std::string> some{values[5].name, values[2].name};
  ex.arm_value_hook(&hook, some);
  run(ex, x, 1);
  EXPECT_EQ(hook.events, (std::vector<Event>{{1, -1, false}, {-1, 1, false}, {-1, 0, false}}));
  hook.events.clear();

  for (const bool null_hook : {true, false}) {
    ex.arm_value_hook(&hook, names(values));
    if (null_hook)
      ex.arm_value_hook(nullptr, names(values));
    else
      ex.arm_value_hook(&hook, {});
    run(ex, x, 3);
    ex.run_prefix(x.data(), 3, cut);
    ex.run_suffix(y.data());
    EXPECT_TRUE(hook.events.empty()) << (null_hook ? "null hook" : "empty list");
  }
}

TEST(ValueHookCalls, UnknownOrRepeatedNamesAreRefused) {
  ExecutorOptions opt;
  opt.batch = 1;
  Executor ex(load("resnet20"), opt);
  NoopHook hook;
  const auto values = ex.written_values();
  try {
    ex.arm_value_hook(&hook, {values[0].name, "no_such_value"});
    FAIL() << "an unknown name was armed";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'no_such_value'"), std::string::npos) << what;
    EXPECT_NE(what.find(values[0].name), std::string::npos) << what;
    EXPECT_NE(what.find(values[11].name), std::string::npos) << what;
    EXPECT_NE(what.find(std::to_string(values.size())), std::string::npos) << what;
  }
  // The input is read, not written; a Conv fused with its activation never writes its own output.
  EXPECT_THROW(ex.arm_value_hook(&hook, {ex.graph().inputs[0].name}), std::invalid_argument);
  EXPECT_THROW(ex.arm_value_hook(&hook, {values[1].name, values[1].name}), std::invalid_argument);
  // A refused arming changes nothing (here: nothing was armed).
  RecordingHook recording;
  EXPECT_THROW(ex.arm_value_hook(&recording, {values[1].name, "no_such_value"}), std::invalid_argument);
  std::vector<float> y(static_cast<size_t>(ex.output_size()));
  ex.run(images("resnet20", 1).data(), 1, y.data());
  EXPECT_TRUE(recording.events.empty());
}

// Writes a NaN into one value (the input of a MaxPool, whose fast kernel skips it) and records every call.
class NanHook : public RecordingHook {
 public:
  explicit NanHook(int target) : target_(target) {}
  void value_written(int value, ValueView& view, bool repeat) override {
    RecordingHook::value_written(value, view, repeat);
    if (value == target_) view.set(0, 1234, std::numeric_limits<float>::quiet_NaN());
  }

 private:
  int target_;
};

TEST(ValueHookCalls, ANanSetThroughTheHookRerunsFaithfullyAndReportsTheValuesAgain) {
  ExecutorOptions opt;
  opt.batch = 1;
  Executor ex(load("squeezenet11"), opt);
  const auto x = images("squeezenet11", 1);
  const Graph& g = ex.graph();
  const auto pool =
      std::find_if(g.nodes.begin(), g.nodes.end(), [](const auto& n) { return n.op_type == "MaxPool"; });
  ASSERT_NE(pool, g.nodes.end());
  const auto all = names(ex.written_values());
  const auto target = std::find(all.begin(), all.end(), pool->inputs[0]);
  ASSERT_NE(target, all.end()) << pool->inputs[0];
  NanHook hook(static_cast<int>(target - all.begin()));
  ex.arm_value_hook(&hook, all);
  const long faithful = ex.faithful_runs();
  const auto y = run(ex, x, 1);
  EXPECT_EQ(ex.faithful_runs(), faithful + 1);
  // Every value once, then again in the faithful rerun of the whole network.
  using Event = RecordingHook::Event;
  std::vector<Event> expected{{1, -1, false}};
  for (const bool repeat : {false, true})
    for (int i = 0; i < static_cast<int>(all.size()); ++i) expected.push_back({-1, i, repeat});
  EXPECT_EQ(hook.events, expected);
  EXPECT_TRUE(std::any_of(y.begin(), y.end(), [](float v) { return std::isnan(v); }));

  // Disarmed, the same executor runs clean again, without a faithful rerun.
  ex.arm_value_hook(nullptr, {});
  const auto clean = run(ex, x, 1);
  EXPECT_EQ(ex.faithful_runs(), faithful + 1);
  EXPECT_TRUE(std::none_of(clean.begin(), clean.end(), [](float v) { return std::isnan(v); }));
}

// Writes a NaN like NanHook, and tells the executor a NaN is likely once value `likely_from` is written.
class LikelyNanHook : public NanHook {
 public:
  LikelyNanHook(int target, int likely_from) : NanHook(target), likely_from_(likely_from) {}
  void run_started(int images) override {
    NanHook::run_started(images);
    likely_ = false;
  }
  void value_written(int value, ValueView& view, bool repeat) override {
    NanHook::value_written(value, view, repeat);
    likely_ = likely_ || value == likely_from_;
  }
  bool nan_likely() const override { return likely_; }

 private:
  int likely_from_;
  bool likely_ = false;
};

TEST(ValueHookCalls, AHookThatFindsANanLikelySwitchesToTheFaithfulKernelsWithTheSameLogits) {
  ExecutorOptions opt;
  opt.batch = 1;
  Executor ex(load("squeezenet11"), opt);
  const auto x = images("squeezenet11", 1);
  const Graph& g = ex.graph();
  const auto pool =
      std::find_if(g.nodes.begin(), g.nodes.end(), [](const auto& n) { return n.op_type == "MaxPool"; });
  ASSERT_NE(pool, g.nodes.end());
  const auto all = names(ex.written_values());
  const int target = static_cast<int>(std::find(all.begin(), all.end(), pool->inputs[0]) - all.begin());
  ASSERT_LT(target, static_cast<int>(all.size()));
  const auto n = static_cast<int>(all.size());
  using Event = RecordingHook::Event;

  // The reference: the fast pass swallows the NaN at the pool, and the whole run goes again faithfully.
  NanHook rerun(target);
  ex.arm_value_hook(&rerun, all);
  const long runs = ex.faithful_runs(), switches = ex.faithful_switches();
  const auto reference = run(ex, x, 1);
  ASSERT_EQ(ex.faithful_runs(), runs + 1);
  ASSERT_TRUE(std::any_of(reference.begin(), reference.end(), [](float v) { return std::isnan(v); }));
  const auto same_bits = [&](const std::vector<float>& y) {
    return y.size() == reference.size() &&
           std::memcmp(y.data(), reference.data(), y.size() * sizeof(float)) == 0;
  };

  // Told at the NaN itself: the layers after it run faithful at once, no rerun, every value heard once.
  LikelyNanHook at_once(target, target);
  ex.arm_value_hook(&at_once, all);
  EXPECT_TRUE(same_bits(run(ex, x, 1)));
  EXPECT_EQ(ex.faithful_runs(), runs + 1);
  EXPECT_EQ(ex.faithful_switches(), switches + 1);
  std::vector<Event> once{{1, -1, false}};
  for (int i = 0; i < n; ++i) once.push_back({-1, i, false});
  EXPECT_EQ(at_once.events, once);

  // Told three values after a fast MaxPool swallowed it: the range runs again from its start, the values
  // heard so far as repeats and the others for the first time.
  const int late = target + 3;
  ASSERT_LT(late, n);
  LikelyNanHook too_late(target, late);
  ex.arm_value_hook(&too_late, all);
  EXPECT_TRUE(same_bits(run(ex, x, 1)));
  EXPECT_EQ(ex.faithful_runs(), runs + 2);
  EXPECT_EQ(ex.faithful_switches(), switches + 1);
  std::vector<Event> split{{1, -1, false}};
  for (int i = 0; i <= late; ++i) split.push_back({-1, i, false});
  for (int i = 0; i < n; ++i) split.push_back({-1, i, i <= late});
  EXPECT_EQ(too_late.events, split);
  ex.arm_value_hook(nullptr, {});
}

}  // namespace

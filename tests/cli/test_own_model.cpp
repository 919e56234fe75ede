// A model of one's own, end to end through the CLI: ONNX files exported here with seeded random weights run
// without a sidecar (--preset), equal to an equivalent sidecar and to a sidecar model-init writes; a zoo
// model's accuracy through the sidecar-less path equals its sidecar's; inspect-model and --tensors by node
// name; run's .npy (read back by numpy) equals eval's path; run reproduces a campaign trial; a tensor file of
// model inputs needs no preset; data without labels prints n/a, never 0 %; a model exported at a fixed batch
// runs at it in every command; bad input is a one-line error naming the file or the flag.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>

#include "campaign/running/campaign_setup.hpp"
#include "campaign/settings/campaign_config.hpp"
#include "engine/executor.hpp"
#include "evaluation/evaluate_set.hpp"
#include "model/onnx_loader.hpp"
#include "report/results_reader.hpp"
#include "support/cli_run.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using flipguard::testing::one_line_error;
using flipguard::testing::run_cli;
using flipguard::testing::TempDir;

namespace {

const fs::path kModels = flipguard::testing::models_dir();

// The models of tests/cli/export_test_models.py, exported once for the whole suite.
class OwnModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("own-model");
    const std::string cmd =
        "/usr/bin/python3 " +
        (flipguard::testing::source_dir() / "tests" / "cli" / "export_test_models.py").string() + " " +
        dir_->path().string() + " >/dev/null 2>&1";
    exported_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(exported_) << "tests/cli/export_test_models.py failed"; }
  static std::string model(const std::string& name) { return (dir_->path() / name).string(); }
  static fs::path scratch(const std::string& name) { return dir_->path() / name; }

  static TempDir* dir_;
  static bool exported_;
};
TempDir* OwnModel::dir_ = nullptr;
bool OwnModel::exported_ = false;

struct Npy {
  std::string header;
  std::vector<float> values;
};

// The values of a float32 .npy file this project wrote (numpy's own reading is checked separately).
Npy read_npy(const fs::path& path) {
  const std::string bytes = flipguard::testing::read_file(path);
  Npy n;
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return n;
  const std::size_t len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  n.header = bytes.substr(10, len);
  n.values.resize((bytes.size() - 10 - len) / sizeof(float));
  std::memcpy(n.values.data(), bytes.data() + 10 + len, n.values.size() * sizeof(float));
  return n;
}

std::vector<std::string> run_args(std::vector<std::string> args, const fs::path& out) {
  args.insert(args.begin(), "run");
  args.push_back("--out");
  args.push_back(out.string());
  return args;
}

engine::ExecutorOptions options(int batch, int threads) {
  engine::ExecutorOptions o;
  o.batch = batch;
  o.threads = threads;
  return o;
}

double printed_top1(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("top-1 +([0-9.]+) %"))) return -1;
  return std::stod(m[1]);
}

}  // namespace

// A torchvision model exported here runs with --preset torchvision exactly as through a hand-written
// sidecar of the same recipe, and as through the sidecar model-init writes.
TEST_F(OwnModel, PresetEqualsAnEquivalentSidecarAndModelInitsSidecar) {
  const std::vector<std::string> data = {"--data", "imagenet-val1300", "--images", "6", "--batch", "4"};
  auto a = data;
  a.insert(a.end(), {"--model", model("squeezenet.onnx"), "--preset", "torchvision"});
  const auto ra = run_cli(run_args(a, scratch("preset.npy")));
  ASSERT_EQ(ra.exit_code, 0) << ra.err;

  std::ofstream(scratch("by_hand.json")) << R"({
    "name": "squeezenet", "onnx": "squeezenet.onnx",
    "input": {"name": "image", "channels": 3, "height": 224, "width": 224},
    "output": {"name": "logits", "classes": 1000},
    "preprocess": {"resize_shorter": 256, "crop": [224, 224], "channel_order": "RGB",
                   "scale": 0.00392156862745098, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}})";
  auto b = data;
  b.insert(b.end(), {"--model", scratch("by_hand.json").string()});
  const auto rb = run_cli(run_args(b, scratch("by_hand.npy")));
  ASSERT_EQ(rb.exit_code, 0) << rb.err;

  const auto init = run_cli({"model-init", model("squeezenet.onnx"), "--preset", "torchvision", "--data",
                             "imagenet-val1300", "--out", scratch("init.json").string()});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::vector<std::string> c = {"--images", "6", "--batch", "4", "--model", scratch("init.json").string()};
  const auto rc = run_cli(run_args(c, scratch("init.npy")));  // its default dataset: the one model-init got
  ASSERT_EQ(rc.exit_code, 0) << rc.err;

  const auto pa = read_npy(scratch("preset.npy")), pb = read_npy(scratch("by_hand.npy")),
             pc = read_npy(scratch("init.npy"));
  ASSERT_EQ(pa.values.size(), 6u * 1000);
  EXPECT_EQ(pa.values, pb.values);
  EXPECT_EQ(pa.values, pc.values);
  const std::string written = flipguard::testing::read_file(scratch("init.json"));
  for (const char* field :
       {"\"sha256\"", "\"name\": \"image\"", "\"classes\": 1000", "\"dataset\": \"imagenet-val1300\"",
        "\"resize_shorter\": 256", "\"onnx\": \"squeezenet.onnx\""})
    EXPECT_NE(written.find(field), std::string::npos) << field << " missing in\n" << written;
}

// Layout from the graph: the same weights behind a channels-last input give the same outputs.
TEST_F(OwnModel, ChannelsLastInputIsReadFromTheGraph) {
  const std::vector<std::string> data = {"--data", "cifar10-lossless200", "--images", "20", "--preset",
                                         "cifar"};
  auto a = data, b = data;
  a.insert(a.end(), {"--model", model("tiny_nchw.onnx")});
  b.insert(b.end(), {"--model", model("tiny_nhwc.onnx")});
  ASSERT_EQ(run_cli(run_args(a, scratch("nchw.npy"))).exit_code, 0);
  const auto rb = run_cli(run_args(b, scratch("nhwc.npy")));
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  const auto na = read_npy(scratch("nchw.npy")), nb = read_npy(scratch("nhwc.npy"));
  ASSERT_EQ(na.values.size(), 200u);
  ASSERT_EQ(nb.values.size(), 200u);
  for (size_t i = 0; i < na.values.size(); ++i) EXPECT_NEAR(na.values[i], nb.values[i], 1e-5) << i;
  const auto init = run_cli({"model-init", model("tiny_nhwc.onnx"), "--preset", "cifar"});
  EXPECT_NE(init.out.find("\"layout\": \"NHWC\""), std::string::npos) << init.out;
}

// A zoo model without its sidecar: --preset cifar with the sidecar's mean/std is the sidecar's recipe, so
// the clean accuracy is the same to the image.
TEST_F(OwnModel, ZooModelWithoutSidecarHasTheSidecarsAccuracy) {
  const std::vector<std::string> common = {"eval", "--data", "cifar10-jpeg", "--images", "200"};
  auto with = common, without = common;
  with.insert(with.end(), {"--model", "resnet20"});
  without.insert(without.end(), {"--model", (kModels / "resnet20.onnx").string(), "--preset", "cifar",
                                 "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225"});
  const auto a = run_cli(with), b = run_cli(without);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_GT(printed_top1(a.out), 50);
  EXPECT_EQ(printed_top1(a.out), printed_top1(b.out)) << a.out << b.out;
}

TEST_F(OwnModel, InspectModelListsTheStoredWeightsAndSelectsByNodeName) {
  const auto r = run_cli({"inspect-model", "resnet20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // conv1: 16 x 3 x 3 x 3 = 432 weights; q2.5 stores 8 bits each, fp32 32.
  EXPECT_TRUE(std::regex_search(r.out, std::regex("conv1\\.weight +/conv1/Conv +Conv +\\[16,3,3,3\\] +432 "
                                                  "+[0-9.e+-]+ +13824 +6912 +6912 +3456 +3456")))
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("linear\\.weight +/linear/Gemm +Gemm +\\[10,64\\] +640 ")))
      << r.out;
  EXPECT_NE(r.out.find("resnet20.onnx: 20 stored weight tensors"), std::string::npos) << r.out;

  // The executor's own count of stored weights.
  engine::Executor ex(model::load_onnx((kModels / "resnet20.onnx").string()), options(1, 1));
  std::int64_t weights = 0;
  for (const auto& s : ex.weights())
    if (!s->role().ends_with(".bias")) weights += s->size();
  EXPECT_NE(r.out.find(std::to_string(weights) + " weights"), std::string::npos) << r.out;

  const auto node = run_cli({"inspect-model", "resnet20", "--tensors", "/layer1/layer1.0/conv2/Conv"});
  ASSERT_EQ(node.exit_code, 0) << node.err;
  EXPECT_NE(node.out.find("1 stored weight tensors"), std::string::npos) << node.out;
  EXPECT_NE(node.out.find("layer1.0.conv2.weight"), std::string::npos) << node.out;

  const auto none = run_cli({"inspect-model", "resnet20", "--tensors", "no_such_layer"});
  EXPECT_TRUE(one_line_error(none, {"tensors 'no_such_layer' matches no stored weight",
                                    "conv1.weight (node /conv1/Conv)", "linear.weight (node /linear/Gemm)"}));
}

// run's file is a NumPy array (numpy reads it) holding exactly the logits of the evaluation path campaigns
// and eval use.
TEST_F(OwnModel, RunWritesTheLogitsOfTheEvaluationPath) {
  const auto r =
      run_cli(run_args({"--model", "resnet20", "--images", "50", "--batch", "16"}, scratch("r20.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  campaign::CampaignConfig c;
  c.model = "resnet20";
  c.images = 50;
  c.formats = {"fp32"};
  c.protections = {"none"};
  c.bers = {0};
  const auto setup = campaign::CampaignSetup::load(c);
  engine::Executor ex(model::load_onnx(setup.spec.onnx_path().string()), options(16, 2));
  std::vector<float> scratch_logits, expected;
  const auto eval = evaluation::evaluate_set(ex, setup.images, scratch_logits, [&](size_t done, const auto&) {
    const size_t n = done * 10 - expected.size();
    expected.insert(expected.end(), scratch_logits.begin(), scratch_logits.begin() + static_cast<long>(n));
  });
  const auto npy = read_npy(scratch("r20.npy"));
  EXPECT_EQ(npy.values, expected);
  EXPECT_NEAR(printed_top1(r.out), eval.counts.top1_percent(), 1e-9) << r.out;
  const auto e = run_cli({"eval", "--model", "resnet20", "--images", "50", "--batch", "16"});
  EXPECT_EQ(printed_top1(e.out), printed_top1(r.out)) << e.out;

  // numpy reads it back: float32, shape (50, 10), the same values.
  {
    std::ofstream raw(scratch("expected.f32"), std::ios::binary);
    raw.write(reinterpret_cast<const char*>(expected.data()),
              static_cast<std::streamsize>(expected.size() * 4));
  }
  const std::string py =
      "import numpy as np, sys; a = np.load(sys.argv[1]); "
      "b = np.fromfile(sys.argv[2], dtype='<f4').reshape(50, 10); "
      "assert a.dtype == np.float32 and a.shape == (50, 10), (a.dtype, a.shape); "
      "assert np.array_equal(a, b); print('numpy ok')";
  const std::string cmd = "/usr/bin/python3 -c " + flipguard::testing::shell_quote(py) + " " +
                          scratch("r20.npy").string() + " " + scratch("expected.f32").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

// run with a campaign's settings gives that trial's predictions: the same Top-1/Top-5 counts as its record.
TEST_F(OwnModel, RunReproducesACampaignTrial) {
  const std::string results = scratch("trial.jsonl").string();
  std::ofstream(scratch("study.toml")) << "model = \"resnet20\"\nimages = 60\nformats = [\"q2.5\"]\n"
                                          "protections = [\"none\"]\nbers = [2e-3]\ntrials = 3\nseed = 5\n"
                                          "fault = \"ber@bits=6-7\"\nresults = \""
                                       << results << "\"\n";
  const auto camp = run_cli({"campaign", "--config", scratch("study.toml").string()});
  ASSERT_EQ(camp.exit_code, 0) << camp.err;
  const auto records = report::read_results(results).records;
  const campaign::TrialRecord* rec = nullptr;
  for (const auto& r : records)
    if (r.protection == "none" && r.ber > 0 && r.trial == 2) rec = &r;
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->fault_model, "ber:0.002@bits=6-7");
  const auto r =
      run_cli(run_args({"--config", scratch("study.toml").string(), "--protection", "none", "--trial", "2"},
                       scratch("trial.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::to_string(rec->flips) + " flips"), std::string::npos) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("top-1 +[0-9.]+ % \\(([0-9]+)\\)"))) << r.out;
  EXPECT_EQ(std::stoll(m[1]), rec->top1) << r.out;
  // The same faults by node name.
  const auto by_node = run_cli(run_args({"--config", scratch("study.toml").string(), "--protection", "none",
                                         "--trial", "2", "--tensors", "/conv1/Conv"},
                                        scratch("node.npy")));
  const auto by_name = run_cli(run_args({"--config", scratch("study.toml").string(), "--protection", "none",
                                         "--trial", "2", "--tensors", "conv1.weight"},
                                        scratch("name.npy")));
  ASSERT_EQ(by_node.exit_code, 0) << by_node.err;
  ASSERT_EQ(by_name.exit_code, 0) << by_name.err;
  EXPECT_EQ(read_npy(scratch("node.npy")).values, read_npy(scratch("name.npy")).values);
}

// A trial of weights and activations together: run draws both sites' faults as the campaign did.
TEST_F(OwnModel, RunReproducesATrialOfTwoSites) {
  const std::string results = scratch("pair.jsonl").string();
  std::ofstream(scratch("pair.toml")) << "model = \"resnet20\"\nimages = 40\nformats = [\"int8\"]\n"
                                         "protections = [\"none\"]\nbers = [1e-4]\ntrials = 2\nseed = 4\n"
                                         "second_site = \"activations\"\nsecond_format = \"fp16\"\n"
                                         "second_protection = \"ranger\"\nsecond_ber = \"1e-5\"\n"
                                         "results = \""
                                      << results << "\"\n";
  const auto camp = run_cli({"campaign", "--config", scratch("pair.toml").string()});
  ASSERT_EQ(camp.exit_code, 0) << camp.err;
  const campaign::TrialRecord* rec = nullptr;
  const auto records = report::read_results(results).records;
  for (const auto& r : records)
    if (r.ber > 0 && r.trial == 1) rec = &r;
  ASSERT_NE(rec, nullptr);
  ASSERT_GT(rec->second_flips, 0);
  const auto r =
      run_cli(run_args({"--config", scratch("pair.toml").string(), "--protection", "none", "--trial", "1"},
                       scratch("pair.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("activations fp16 / ranger, tensors all, faults ber:1.0000000000000001e-05"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(std::to_string(rec->flips) + " flips (" + std::to_string(rec->second_flips) +
                       " at activations)"),
            std::string::npos)
      << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("top-1 +[0-9.]+ % \\(([0-9]+)\\)"))) << r.out;
  EXPECT_EQ(std::stoll(m[1]), rec->top1) << r.out;
}

// Model inputs in a tensor file are fed as they are: an .onnx without a sidecar needs no --preset for them.
// Images still need one, and say so.
TEST_F(OwnModel, TensorFileOfModelInputsNeedsNoPreset) {
  const auto e = run_cli({"eval", "--model", model("tiny_nchw.onnx"), "--data", model("fixed_x.npy")});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("80 images"), std::string::npos) << e.out;
  const auto r = run_cli(run_args(
      {"--model", model("tiny_nchw.onnx"), "--data", model("fixed_x.npy"), "--labels", model("fixed_y.npy")},
      scratch("tiny.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_npy(scratch("tiny.npy")).values.size(), 80u * 10u);
  const auto c =
      run_cli({"campaign", "--model", model("tiny_nchw.onnx"), "--data", model("fixed_x.npy"), "--formats",
               "fp32", "--bers", "1e-3", "--trials", "1", "--results", scratch("tiny.jsonl").string()});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(one_line_error(
      run_cli({"eval", "--model", model("tiny_nchw.onnx"), "--data", "cifar10-lossless200", "--images", "4"}),
      {model("tiny_nchw.onnx"), "has no sidecar: give --preset"}));
}

// Data without labels has no Top-1 or Top-5: every command that prints them says so, never 0.00 %.
TEST_F(OwnModel, DataWithoutLabelsPrintsNotApplicableNeverZero) {
  const std::vector<std::string> unlabelled = {"--model", model("tiny_nchw.onnx"), "--data",
                                               model("fixed_x.npy")};
  auto with = [&](std::vector<std::string> head, std::vector<std::string> tail) {
    head.insert(head.end(), unlabelled.begin(), unlabelled.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  const auto e = run_cli(with({"eval"}, {}));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("top-1      n/a (no labels)\ntop-5      n/a (no labels)\n"), std::string::npos)
      << e.out;
  const auto r = run_cli(run_args(with({}, {}), scratch("unlabelled.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("top-1      n/a (no labels), top-5 n/a (no labels), 0 non-finite"), std::string::npos)
      << r.out;
  const auto s = run_cli(with({"sweep-t"}, {"--images", "16", "--trials", "1", "--t", "1,2", "--results",
                                            scratch("unlabelled-sweep.jsonl").string()}));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("n/a (no labels)"), std::string::npos) << s.out;
  const auto l =
      run_cli(with({"layer-campaign"}, {"--images", "16", "--formats", "fp32", "--bers", "1e-3", "--trials",
                                        "1", "--results", scratch("unlabelled-layers.jsonl").string()}));
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_NE(l.out.find("fp32, none: Top-1 n/a (no labels)"), std::string::npos) << l.out;
  const std::regex zero("(^|[^.0-9])0\\.00([^0-9]|$)");  // 0.00 as a number of its own (not BER 0.001)
  // SDC-1 needs no labels (it compares with the fault-free model): its tables may well read 0.00.
  const auto without_sdc_tables = [](const std::string& text) {
    std::istringstream in(text);
    std::string kept;
    bool in_sdc = false;
    for (std::string line; std::getline(in, line);) {
      if (line.find("SDC-1") != std::string::npos)
        in_sdc = true;
      else if (line.empty() || line[0] != '|')
        in_sdc = false;
      if (!in_sdc) kept += line + "\n";
    }
    return kept;
  };
  for (const auto* out : {&e.out, &r.out, &s.out, &l.out})
    EXPECT_FALSE(std::regex_search(without_sdc_tables(*out), zero)) << *out;
  // The same data with labels: percentages.
  const auto labelled = run_cli(with({"eval"}, {"--labels", model("fixed_y.npy")}));
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  EXPECT_GE(printed_top1(labelled.out), 0) << labelled.out;
  EXPECT_EQ(labelled.out.find("n/a"), std::string::npos) << labelled.out;
}

// A model exported with a fixed batch (8, or 1 with a Reshape to [1, -1]) runs at that batch whatever --batch
// says, with one note, and computes PyTorch's logits: the same at --batch 16 as at its own batch, a short
// last chunk padded and its padding dropped.
TEST_F(OwnModel, FixedBatchModelRunsAtItsOwnBatch) {
  const auto torch = read_npy(scratch("fixed_torch.npy")).values;
  ASSERT_EQ(torch.size(), 80u * 10u);
  float scale = 0;
  for (float v : torch) scale = std::max(scale, std::abs(v));
  for (const auto& [file, batch] : {std::pair<std::string, int>{"fixed8.onnx", 8}, {"fixed1.onnx", 1}}) {
    const std::string n = std::to_string(batch);
    const std::vector<std::string> args = {"--model", model(file), "--data", model("fixed_x.npy")};
    const auto at16 = run_cli(run_args(args, scratch("at16.npy")));
    ASSERT_EQ(at16.exit_code, 0) << file << ": " << at16.err;
    EXPECT_EQ(at16.err, "note: model's batch is fixed at " + n + ": running at --batch " + n + " (not 16)\n");
    auto own = args;
    own.insert(own.end(), {"--batch", n});
    const auto at_own = run_cli(run_args(own, scratch("own.npy")));
    ASSERT_EQ(at_own.exit_code, 0) << at_own.err;
    EXPECT_EQ(at_own.err, "") << "no note when --batch is the model's";
    const auto logits = read_npy(scratch("at16.npy")).values;
    EXPECT_EQ(logits, read_npy(scratch("own.npy")).values) << file;
    ASSERT_EQ(logits.size(), torch.size());
    for (std::size_t i = 0; i < logits.size(); ++i)
      ASSERT_NEAR(logits[i], torch[i], 1e-5 * scale) << file << " value " << i;
    auto twenty = args;  // 8 + 8 + 4 (padded)
    twenty.insert(twenty.end(), {"--images", "20"});
    ASSERT_EQ(run_cli(run_args(twenty, scratch("twenty.npy"))).exit_code, 0);
    EXPECT_EQ(read_npy(scratch("twenty.npy")).values,
              std::vector<float>(logits.begin(), logits.begin() + 200));

    auto labelled = args;
    labelled.insert(labelled.begin(), "eval");
    labelled.insert(labelled.end(), {"--labels", model("fixed_y.npy")});
    const auto e = run_cli(labelled);
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_NE(e.out.find("top-1      50.00 %\ntop-5      80.00 %"), std::string::npos) << e.out;
    EXPECT_NE(e.out.find("(batch " + n + ","), std::string::npos) << e.out;
  }
}

// Campaigns on a fixed-batch model run at its batch and record it: the campaign is the same whatever --batch
// says (a rerun at the model's own batch finds every trial done), and design trials record batch 8.
TEST_F(OwnModel, FixedBatchCampaignsRecordTheBatchTheyRun) {
  const std::vector<std::string> args = {"campaign",
                                         "--model",
                                         model("fixed8.onnx"),
                                         "--data",
                                         model("fixed_x.npy"),
                                         "--labels",
                                         model("fixed_y.npy"),
                                         "--formats",
                                         "fp32",
                                         "--protections",
                                         "none",
                                         "--bers",
                                         "1e-2",
                                         "--trials",
                                         "2",
                                         "--results",
                                         scratch("fixed.jsonl").string()};
  const auto first = run_cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("note: model's batch is fixed at 8: running at --batch 8 (not 16)"),
            std::string::npos)
      << first.err;
  EXPECT_NE(first.out.find(": 3 trials run, 0 already in"), std::string::npos) << first.out;
  auto at8 = args;
  at8.insert(at8.end(), {"--batch", "8"});
  const auto again = run_cli(at8);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find(": 0 trials run, 3 already in"), std::string::npos) << again.out;
  const auto records = report::read_results(scratch("fixed.jsonl").string()).records;
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].ber, 0);
  EXPECT_EQ(records[0].top1, 40) << "PyTorch's Top-1 on these labels";

  const auto design = run_cli({"campaign", "--model", model("fixed8.onnx"), "--data", model("fixed_x.npy"),
                               "--labels", model("fixed_y.npy"), "--formats", "fp32", "--protections", "none",
                               "--bers", "1e-4", "--ci-target", "20", "--images-per-trial", "auto",
                               "--results", scratch("design.jsonl").string()});
  ASSERT_EQ(design.exit_code, 0) << design.err;
  int designed = 0;
  for (const auto& r : report::read_results(scratch("design.jsonl").string()).records)
    if (r.design_images > 0) {
      ++designed;
      EXPECT_EQ(r.design_batch, 8);
    }
  EXPECT_GT(designed, 0);

  const auto layers =
      run_cli({"layer-campaign", "--model", model("fixed8.onnx"), "--data", model("fixed_x.npy"), "--labels",
               model("fixed_y.npy"), "--formats", "fp32", "--bers", "1e-3", "--trials", "1", "--results",
               scratch("fixed-layers.jsonl").string()});
  ASSERT_EQ(layers.exit_code, 0) << layers.err;
  EXPECT_NE(layers.err.find("note: model's batch is fixed at 8"), std::string::npos) << layers.err;
  EXPECT_NE(layers.out.find("| 50.00"), std::string::npos) << layers.out;
}

TEST_F(OwnModel, BadInputIsOneLineNamingTheFileOrFlag) {
  std::ofstream(scratch("text.onnx")) << "{\"name\": \"a sidecar in disguise\"}";
  EXPECT_TRUE(one_line_error(run_cli({"eval", "--model", scratch("text.onnx").string(), "--preset", "none"}),
                             {scratch("text.onnx").string(), "not a valid ONNX model"}));
  EXPECT_TRUE(one_line_error(run_cli({"eval", "--model", model("two_inputs.onnx"), "--preset", "none"}),
                             {model("two_inputs.onnx"), "2 inputs ('a', 'b')"}));
  EXPECT_TRUE(one_line_error(run_cli({"eval", "--model", model("tiny_nchw.onnx"), "--preset", "imagenet"}),
                             {"--preset", "unknown preset 'imagenet'"}));
  EXPECT_TRUE(one_line_error(run_cli({"eval", "--model", model("tiny_nchw.onnx")}),
                             {model("tiny_nchw.onnx"), "has no sidecar: give --preset"}));
  EXPECT_TRUE(one_line_error(run_cli({"eval", "--model", model("tiny_nchw.onnx"), "--preset", "cifar",
                                      "--resize", "28", "--crop", "32"}),
                             {"--crop 32", "larger than the resize"}));
  EXPECT_TRUE(
      one_line_error(run_cli({"campaign", "--fault", "ber@bit=3"}), {"--fault", "unknown option '@bit=3'"}));
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--fault", "burst"}), {"--fault", "burst@len=4"}));
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--fault", "ber@bits=30"}),
                             {"fault 'ber@bits=30' names bit 30 but q2.5 stores 8 bits"}));
  EXPECT_TRUE(one_line_error(run_cli({"run", "--model", "resnet20", "--format", "q2.5", "--fault",
                                      "target@conv9.weight,0,1", "--out", scratch("t.npy").string()}),
                             {"fault target 'conv9.weight' is not a faulted stored weight"}));
  std::ofstream(scratch("bad.toml")) << "fault = \"stuck2\"\n";
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--config", scratch("bad.toml").string()}),
                             {scratch("bad.toml").string(), "fault 'stuck2'"}));
  EXPECT_TRUE(one_line_error(run_cli({"run", "--model", "resnet20"}), {"--out FILE.npy is required"}));
}

TEST(CliConventions, EveryFlagIsDescribedAndCampaignHelpListsTheDatasets) {
  for (const char* cmd :
       {"campaign", "eval", "run", "model-init", "inspect-model", "layer-campaign", "sweep-t"}) {
    const auto r = run_cli({cmd, "--help"});
    ASSERT_EQ(r.exit_code, 0) << cmd;
    // Every option line has a description after its flag, or on the next line when the flag is long.
    const auto lines = flipguard::testing::lines_of(r.out);
    for (size_t i = 0; i < lines.size() && !lines[i].starts_with("  --help, -h"); ++i)  // notes follow it
      if (lines[i].starts_with("  --")) {
        const auto gap = lines[i].find("  ", 2);
        const bool same_line =
            gap != std::string::npos && lines[i].find_first_not_of(' ', gap) != std::string::npos;
        const bool next_line = i + 1 < lines.size() && lines[i + 1].starts_with(std::string(26, ' ')) &&
                               lines[i + 1].find_first_not_of(' ') == 26;
        EXPECT_TRUE(same_line || next_line) << cmd << ": '" << lines[i] << "'";
      }
    if (std::string(cmd) != "model-init" && std::string(cmd) != "inspect-model") {
      EXPECT_NE(r.out.find("--assets DIR"), std::string::npos) << cmd;
      EXPECT_NE(r.out.find("$FLIPGUARD_ASSETS"), std::string::npos) << cmd;
    }
    EXPECT_NE(r.out.find("--models-dir DIR"), std::string::npos) << cmd;
  }
  const auto c = run_cli({"campaign", "--help"});
  for (const char* d : {"imagenet-val1300", "cifar10-jpeg", "cifar10-lossless200", "mnist-test"})
    EXPECT_NE(c.out.find(d), std::string::npos) << d;
}

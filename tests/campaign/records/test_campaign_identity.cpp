// A campaign's identity comes from content: the model file's bytes, every evaluated image's pixels and label,
// the preprocessing, and the settings that change outcomes. Each case changes one thing behind an unchanged
// name and checks that the identity notices; the legacy identity is moved by `rekey`, never silently mixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "campaign/records/legacy/legacy_identity.hpp"
#include "campaign/records/results_file.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "campaign/running/layer_campaign.hpp"
#include "campaign/running/rekey_campaign.hpp"
#include "data/datasets/dataset_registry.hpp"
#include "hashing/sha256.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;
using flipguard::testing::read_file;
using flipguard::testing::TempDir;
using flipguard::testing::write_file;

namespace {

const fs::path kSource = FLIPGUARD_SOURCE_DIR;

// A private copy of resnet20 (sidecar + ONNX) and of the CIFAR-10 lossless set, to change behind their names.
struct Fixture {
  TempDir dir{"identity"};
  fs::path models = dir / "models", assets = dir / "assets";
  fs::path images = assets / "cifar10" / "test-lossless-200";

  Fixture() {
    fs::create_directories(models);
    fs::copy_file(kSource / "models" / "resnet20.json", models / "resnet20.json");
    fs::copy_file(kSource / "models" / "resnet20.onnx", models / "resnet20.onnx");
    fs::create_directories(images);
    const fs::path real = data::resolve_assets_dir() / "cifar10" / "test-lossless-200";
    for (const auto& e : fs::directory_iterator(real)) {
      fs::copy_file(e.path(), images / e.path().filename());
      fs::permissions(images / e.path().filename(), fs::perms::owner_read | fs::perms::owner_write,
                      fs::perm_options::add);
    }
  }

  CampaignConfig config() const {
    CampaignConfig c;
    c.model = (models / "resnet20.json").string();
    c.assets_dir = assets.string();
    c.data = "cifar10-lossless200";
    c.images = 40;
    c.formats = {"q2.5"};
    c.protections = {"none"};
    c.bers = {1e-3};
    c.trials = 1;
    c.results = (dir / "results.jsonl").string();
    return c;
  }

  // The first image in the labels file (the dataset's order), and its label.
  std::string first_image() const {
    std::istringstream csv(read_file(images / "y_labels.csv"));
    std::string line;
    std::getline(csv, line);
    return line.substr(0, line.find(','));
  }

  void edit_sidecar(const std::string& from, const std::string& to) const {
    std::string s = read_file(models / "resnet20.json");
    const auto at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    write_file(models / "resnet20.json", s);
  }
};

CampaignIdentity identity_of(const CampaignConfig& c) {
  return CampaignSetup::load(c).identity;
}

}  // namespace

TEST(CampaignIdentity, IsStableForUnchangedContent) {
  Fixture f;
  const auto a = identity_of(f.config()), b = identity_of(f.config());
  EXPECT_EQ(a.id(), b.id());
  EXPECT_EQ(a.data_hash, b.data_hash);
  EXPECT_EQ(a.model_sha256.size(), 64u);
}

TEST(CampaignIdentity, ReplacedModelBytesUnderTheSameNameAreAnotherCampaign) {
  Fixture f;
  const auto before = identity_of(f.config());
  // Another network with the same input and output: a file swapped behind an unchanged sidecar name. The
  // sidecar's sha256 claim is removed, so nothing but the bytes themselves can tell.
  f.edit_sidecar("\"sha256\": \"b084f660f8aaa072e419499853080003a14a37324ae85b5ff8bd05f239efba0d\",", "");
  fs::copy_file(kSource / "models" / "resnet32.onnx", f.models / "resnet20.onnx",
                fs::copy_options::overwrite_existing);
  const auto after = identity_of(f.config());
  EXPECT_NE(after.model_sha256, before.model_sha256);
  EXPECT_NE(after.id(), before.id());
}

TEST(CampaignIdentity, ASidecarClaimingOtherBytesIsRefusedNamingBoth) {
  Fixture f;
  fs::copy_file(kSource / "models" / "resnet32.onnx", f.models / "resnet20.onnx",
                fs::copy_options::overwrite_existing);
  try {
    identity_of(f.config());
    FAIL() << "a sidecar whose sha256 does not match its model file was accepted";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("resnet20.json"), std::string::npos) << m;
    EXPECT_NE(m.find("b084f660f8aaa072e419499853080003a14a37324ae85b5ff8bd05f239efba0d"), std::string::npos)
        << m;
    EXPECT_NE(m.find(hashing::sha256_of_file(kSource / "models" / "resnet32.onnx")), std::string::npos) << m;
    EXPECT_NE(m.find("resnet20.onnx has "), std::string::npos) << m;
  }
}

TEST(CampaignIdentity, PreprocessingIsPartOfIt) {
  Fixture f;
  const auto before = identity_of(f.config());
  f.edit_sidecar("0.485", "0.5");
  const auto after = identity_of(f.config());
  EXPECT_EQ(after.model_sha256, before.model_sha256);
  EXPECT_EQ(after.data_hash, before.data_hash);  // the decoded pixels, before normalisation
  EXPECT_NE(after.preprocessing, before.preprocessing);
  EXPECT_NE(after.id(), before.id());
}

TEST(CampaignIdentity, OneChangedPixelIsAnotherDataSet) {
  Fixture f;
  const auto before = identity_of(f.config());
  const auto image = f.images / f.first_image();
  std::string bytes = read_file(image);
  bytes[1000] = static_cast<char>(bytes[1000] ^ 1);  // one bit of one pixel of the first evaluated image
  write_file(image, bytes);
  const auto after = identity_of(f.config());
  EXPECT_NE(after.data_hash, before.data_hash);
  EXPECT_NE(after.id(), before.id());
  // The old identity saw indices and labels only: it could not tell.
  Fixture g;
  EXPECT_EQ(CampaignSetup::load(f.config()).legacy_data_hash,
            CampaignSetup::load(g.config()).legacy_data_hash);
}

TEST(CampaignIdentity, AChangedLabelIsAnotherDataSet) {
  Fixture f;
  const auto before = identity_of(f.config());
  std::string csv = read_file(f.images / "y_labels.csv");
  const auto eol = csv.find('\n');
  const char old_label = csv[eol - 1];
  csv[eol - 1] = old_label == '0' ? '1' : '0';
  write_file(f.images / "y_labels.csv", csv);
  EXPECT_NE(identity_of(f.config()).data_hash, before.data_hash);
}

TEST(CampaignIdentity, SettingsThatChangeOutcomesArePartOfIt) {
  Fixture f;
  const std::string base = identity_of(f.config()).id();
  auto changed = [&](auto edit) {
    CampaignConfig c = f.config();
    edit(c);
    return identity_of(c).id();
  };
  EXPECT_NE(changed([](CampaignConfig& c) { c.batch = 7; }), base);
  EXPECT_NE(changed([](CampaignConfig& c) { c.threads = 1; }), base);
  EXPECT_NE(changed([](CampaignConfig& c) { c.seed = 5; }), base);
  EXPECT_NE(changed([](CampaignConfig& c) { c.images = 41; }), base);
  EXPECT_NE(changed([](CampaignConfig& c) { c.tensors = "conv1.weight"; }), base);
  EXPECT_NE(changed([](CampaignConfig& c) { c.floor = 20; }), base);
  // What only adds cells or trials is not: those are in each record's key.
  EXPECT_EQ(changed([](CampaignConfig& c) {
              c.bers = {1e-4, 1e-2};
              c.trials = 9;
              c.formats = {"fp16"};
            }),
            base);
}

// images_per_trial = auto is a campaign of its own, and then the design's target and trial bounds are part
// of it (they change the plan, so each trial's images and stratum); with a number they are not.
TEST(CampaignIdentity, AutoImagesPerTrialAndItsDesignArePartOfIt) {
  CampaignIdentity base;
  base.images_per_trial = 16;
  CampaignIdentity automatic = base;
  automatic.images_per_trial = kAutoImagesPerTrial;
  automatic.ci_target = 2;
  automatic.min_trials = 8;
  automatic.max_trials = 100;
  EXPECT_NE(automatic.id(), base.id());
  CampaignIdentity zero = base;
  zero.images_per_trial = 0;
  EXPECT_NE(automatic.id(), zero.id());
  for (auto edit :
       {+[](CampaignIdentity& i) { i.ci_target = 3; }, +[](CampaignIdentity& i) { i.min_trials = 9; },
        +[](CampaignIdentity& i) { i.max_trials = 500; }}) {
    CampaignIdentity changed = automatic;
    edit(changed);
    EXPECT_NE(changed.id(), automatic.id());
  }
}

TEST(CampaignIdentity, ARunRefusesResultsOfAnotherContent) {
  Fixture f;
  std::ostringstream log;
  run_campaign(
      f.config(), [](const CampaignProgress&) {}, log);
  std::string csv = read_file(f.images / "y_labels.csv");
  const auto eol = csv.find('\n');
  csv[eol - 1] = csv[eol - 1] == '0' ? '1' : '0';
  write_file(f.images / "y_labels.csv", csv);
  const std::string before = read_file(f.config().results);
  EXPECT_THROW(run_campaign(
                   f.config(), [](const CampaignProgress&) {}, log),
               std::runtime_error);
  EXPECT_EQ(read_file(f.config().results), before);
}

// A file written by the previous flipguard (the first records of results/paper/mobilenet_v1_025-float.jsonl
// as that version wrote them) on the real validation set.
class LegacyResults : public ::testing::Test {
 protected:
  TempDir dir{"rekey"};
  CampaignConfig config() const {
    CampaignConfig c;
    c.model = "mobilenet_v1_025";
    c.models_dir = (kSource / "models").string();
    c.data = "imagenet-val1300";
    c.images = 0;
    c.formats = {"fp32", "fp16"};
    c.protections = {"none", "scale", "ecc72"};
    c.bers = {1e-9, 1e-8};
    c.trials = 10;
    c.seed = 2411;
    c.results = (dir / "legacy.jsonl").string();
    return c;
  }
  void SetUp() override {
    fs::copy_file(kSource / "tests" / "campaign" / "data" / "legacy_mobilenet_v1_025.jsonl",
                  config().results);
  }
};

TEST_F(LegacyResults, ARunPointsToRekeyAndLeavesTheFileAlone) {
  const std::string before = read_file(config().results);
  std::ostringstream log;
  try {
    run_campaign(
        config(), [](const CampaignProgress&) {}, log);
    FAIL() << "a legacy results file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("flipguard rekey"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(config().results), before);
}

// The legacy file's records as if of fixed-point and INT8 cells: the legacy id holds no format, so it stays.
std::string as_fixed_point_records(std::string text) {
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"\"format\":\"fp32\"", "\"format\":\"q2.5\""},
        {"\"format\":\"fp16\"", "\"format\":\"int8\""}})
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at))
      text.replace(at, from.size(), to);
  return text;
}

TEST_F(LegacyResults, RekeyMovesEveryRecordToContentIdentityOnce) {
  write_file(config().results, as_fixed_point_records(read_file(config().results)));
  const std::string before = read_file(config().results);
  const auto setup = CampaignSetup::load(config());
  const auto s = rekey_results(config());
  EXPECT_EQ(s.records, 6);
  EXPECT_FALSE(s.layers);
  EXPECT_EQ(s.from, "f30e5aa3d708cb84");  // what that version wrote
  EXPECT_EQ(s.to, setup.campaign_id);
  const auto parsed = parse_results(config().results);
  ASSERT_EQ(parsed.records.size(), 6u);
  for (const auto& r : parsed.records) {
    EXPECT_EQ(r.campaign, setup.campaign_id);
    EXPECT_EQ(r.data_hash, setup.identity.data_hash);
    EXPECT_EQ(r.model_sha256, setup.identity.model_sha256);
  }
  // Only the identity fields changed.
  const auto old = parse_results_text(before, "before").records;
  ASSERT_EQ(old.size(), parsed.records.size());
  for (size_t i = 0; i < old.size(); ++i) {
    TrialRecord want = old[i];
    want.campaign = setup.campaign_id;
    want.data_hash = setup.identity.data_hash;
    EXPECT_EQ(nlohmann::json(parsed.records[i]).dump(), nlohmann::json(want).dump());
  }
  EXPECT_EQ(rekey_results(config()).records, 0);  // already current
  EXPECT_FALSE(flipguard::testing::temporary_left_beside(config().results));
}

// Float records were made while Relu, Clip and max pooling read NaN as 0: their trials may differ now.
TEST_F(LegacyResults, RekeyRefusesFloatRecordsMadeBeforeNaNWentThroughOperators) {
  const std::string before = read_file(config().results);
  try {
    rekey_results(config());
    FAIL() << "float records were rekeyed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("float format fp32"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("another results file"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(config().results), before);
}

TEST_F(LegacyResults, RekeyWithOtherSettingsRefusesAndLeavesTheFileAlone) {
  const std::string before = read_file(config().results);
  CampaignConfig other = config();
  other.seed = 2412;
  try {
    rekey_results(other);
    FAIL() << "rekey accepted settings the file was not written with";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("f30e5aa3d708cb84"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(config().results), before);
}

// The legacy records do not say how their images were preprocessed: a recipe other than the sidecar's cannot
// be verified against them, so rekey refuses it (else the resumed campaign would mix two recipes in one
// file). Settings that repeat the sidecar's values change nothing and pass.
TEST_F(LegacyResults, RekeyRefusesPreprocessingItCannotVerify) {
  write_file(config().results, as_fixed_point_records(read_file(config().results)));
  const std::string before = read_file(config().results);
  CampaignConfig other = config();
  other.mean = {0.5, 0.5, 0.5};
  other.resize_filter = "bilinear-noaa";
  try {
    rekey_results(other);
    FAIL() << "rekey accepted preprocessing settings the records cannot vouch for";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(config().results + ": records written before content identity"), std::string::npos) << m;
    EXPECT_NE(m.find("cannot verify --mean 0.5,0.5,0.5, --resize-filter bilinear-noaa"), std::string::npos)
        << m;
    EXPECT_NE(m.find("mobilenet_v1_025.json's"), std::string::npos) << m;
  }
  EXPECT_EQ(read_file(config().results), before);

  CampaignConfig same = config();  // the sidecar's own recipe, spelt out
  same.resize_filter = "bilinear-noaa";
  EXPECT_EQ(rekey_results(same).records, 6);
}

// A file of the identity before NaN went through the operators (v2): a run names rekey, which moves a file of
// fixed-point records and refuses one with a float record.
TEST(CampaignIdentity, AFileMadeBeforeNaNWentThroughOperatorsIsRekeyedWhenNoRecordIsFloat) {
  Fixture f;
  std::ostringstream log;
  run_campaign(
      f.config(), [](const CampaignProgress&) {}, log);
  const auto setup = CampaignSetup::load(f.config());
  const std::string now = setup.campaign_id, previous = setup.identity.id_before_nan_faithful();
  ASSERT_NE(now, previous);
  std::string text = read_file(f.config().results);
  for (auto at = text.find(now); at != std::string::npos; at = text.find(now, at))
    text.replace(at, now.size(), previous);
  write_file(f.config().results, text);
  try {
    run_campaign(
        f.config(), [](const CampaignProgress&) {}, log);
    FAIL() << "a file of the previous identity was resumed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("flipguard rekey"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(previous), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(f.config().results), text);
  // The same file with one record of fp16: refused, untouched.
  const std::string with_float = [&] {
    std::string t = text;
    const auto at = t.find("\"format\":\"q2.5\"");
    return t.replace(at, 15, "\"format\":\"fp16\"");
  }();
  write_file(f.config().results, with_float);
  EXPECT_THROW(rekey_results(f.config()), std::runtime_error);
  EXPECT_EQ(read_file(f.config().results), with_float);
  // Fixed-point records only: moved to today's identity, and the campaign resumes.
  write_file(f.config().results, text);
  const auto s = rekey_results(f.config());
  EXPECT_EQ(s.from, previous);
  EXPECT_EQ(s.to, now);
  EXPECT_GT(s.records, 0);
  const auto summary = run_campaign(
      f.config(), [](const CampaignProgress&) {}, log);
  EXPECT_EQ(summary.trials_run, 0);
}

// The settings table is the one definition of every campaign setting: the TOML reader, the flags, validation
// and docs/settings.md must all agree with it.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "campaign/settings/fault_setting.hpp"
#include "campaign/settings/second_rate.hpp"
#include "campaign/settings/settings.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "support/temp_files.hpp"
#include "support/test_paths.hpp"

namespace flipguard::campaign {
namespace {

TEST(Settings, DocsReferenceIsCurrent) {
  const std::string docs = testing::read_file(testing::source_dir() / "docs" / "settings.md");
  EXPECT_EQ(docs, settings_markdown())
      << "docs/settings.md is stale: run build/flipguard settings > docs/settings.md";
}

TEST(Settings, KeysAndFlagsAreUniqueAndEverySettingIsComplete) {
  std::set<std::string> keys, flags;
  for (const auto& s : settings()) {
    EXPECT_TRUE(s.key.empty() || keys.insert(s.key).second) << s.key;
    // A flag may repeat only across commands that never share it (scopes are disjoint).
    for (const auto& other : settings()) {
      if (&other != &s && other.flag == s.flag) {
        EXPECT_EQ(other.scope & s.scope, 0u) << s.flag;
      }
    }
    flags.insert(s.flag);
    EXPECT_TRUE(s.flag.starts_with("--")) << s.flag;
    EXPECT_FALSE(s.help.empty()) << s.flag;
    EXPECT_NE(s.scope, 0u) << s.flag;
    EXPECT_TRUE(s.assign && s.show) << s.flag;
    if (!s.key.empty()) {
      EXPECT_TRUE(s.check) << s.key << " has no check: validate() would not see it";
    }
  }
}

TEST(Settings, ImagesPerTrialTakesAuto) {
  const Setting* s = find_setting_by_key("images_per_trial");
  ASSERT_NE(s, nullptr);
  CampaignConfig c;
  s->assign(c, s->parse_text("auto", s->flag));
  EXPECT_EQ(c.images_per_trial, kAutoImagesPerTrial);
  EXPECT_EQ(s->show(c), "auto");
  EXPECT_THROW(s->parse_text("automatic", s->flag), std::invalid_argument);
  EXPECT_THROW(s->parse_text("-1", s->flag), std::invalid_argument);  // auto only by name
  std::istringstream toml("images_per_trial = \"auto\"\nci_target = 2\n");
  CampaignConfig t;
  t.load_toml(toml, "auto.toml");
  EXPECT_EQ(t.images_per_trial, kAutoImagesPerTrial);
  t.validate();
  std::istringstream bad("images_per_trial = \"many\"\n");
  EXPECT_THROW(CampaignConfig().load_toml(bad, "bad.toml"), std::exception);
  // The design stops on ci_target: auto without it is refused, naming why.
  CampaignConfig fixed;
  fixed.images_per_trial = kAutoImagesPerTrial;
  try {
    fixed.validate();
    ADD_FAILURE() << "auto without ci_target accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ci_target"), std::string::npos) << e.what();
  }
}

TEST(Settings, ACampaignDefaultsToTheDesignAndTrialsAloneRunFixedTrials) {
  // The campaign's defaults: the cell design until +-kDefaultCiTarget points, betting-mix intervals.
  CampaignConfig d = defaults_for(kForCampaign);
  resolve_given_settings(d);
  EXPECT_EQ(d.ci_target, kDefaultCiTarget);
  EXPECT_EQ(d.images_per_trial, kAutoImagesPerTrial);
  EXPECT_EQ(d.max_trials, kDefaultMaxTrials);
  EXPECT_EQ(d.interval, "betting-mix");
  d.validate();
  const auto with = [](const std::string& toml) {
    CampaignConfig c = defaults_for(kForCampaign);
    std::istringstream in(toml);
    c.load_toml(in, "study.toml");
    resolve_given_settings(c);
    c.validate();
    return c;
  };
  // trials alone: that many fixed trials, every trial over all images (as before the design existed).
  const auto fixed = with("trials = 7\n");
  EXPECT_EQ(fixed.ci_target, 0);
  EXPECT_EQ(fixed.images_per_trial, 0);
  EXPECT_EQ(fixed.trials, 7);
  // trials with a target: the target rules (trials is then the fixed count's setting, unused).
  EXPECT_EQ(with("trials = 7\nci_target = 3\n").ci_target, 3);
  // A sample per trial given with fixed trials is kept.
  EXPECT_EQ(with("trials = 7\nimages_per_trial = 16\n").images_per_trial, 16);
  // Where the design cannot apply, the default "auto" falls back to plain trials over all images...
  EXPECT_EQ(with("images = 32\n").images_per_trial, 0);
  EXPECT_EQ(with("floor = 20\n").images_per_trial, 0);
  EXPECT_EQ(with("ci_target = 0\n").images_per_trial, 0);
  // ... while "auto" asked for where it cannot apply is an error, as before.
  EXPECT_THROW(with("images = 32\nimages_per_trial = \"auto\"\n"), std::exception);
  // Given is given whatever the front end: the command-line form goes through the same table.
  CampaignConfig c = defaults_for(kForCampaign);
  set_setting(c, "trials", "3");
  resolve_given_settings(c);
  EXPECT_EQ(c.ci_target, 0);
  EXPECT_TRUE(c.given.count("trials"));
  // Plain adaptive trials asked for keep plain trials' own budget, not the design's.
  EXPECT_EQ(with("images_per_trial = 0\n").max_trials, CampaignConfig{}.max_trials);
  EXPECT_EQ(with("images = 32\n").max_trials, CampaignConfig{}.max_trials);
  EXPECT_EQ(with("images_per_trial = 0\nmax_trials = 300\n").max_trials, 300);
  // The library's own struct keeps fixed trials: a C++ caller's CampaignConfig{} is unchanged.
  EXPECT_EQ(CampaignConfig{}.ci_target, 0);
  EXPECT_EQ(CampaignConfig{}.images_per_trial, 0);
}

TEST(Settings, TheDataDecideTheDefaultsTheyMustAndOnlyThose) {
  // No labels: adaptive cells stop on SDC-1 unless a metric was asked for; too few images for the design:
  // plain trials over all of them. Each change is said.
  CampaignConfig c = defaults_for(kForCampaign);
  resolve_given_settings(c);
  auto notes = fit_defaults_to_data(c, false, 40);
  EXPECT_EQ(c.metric, "sdc1");
  EXPECT_EQ(c.images_per_trial, 0);
  EXPECT_EQ(c.max_trials, CampaignConfig{}.max_trials);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("no labels"), std::string::npos) << notes[0];
  EXPECT_NE(notes[1].find("40 images"), std::string::npos) << notes[1];
  c.validate();
  // Labelled data with enough images change nothing.
  CampaignConfig d = defaults_for(kForCampaign);
  resolve_given_settings(d);
  EXPECT_TRUE(fit_defaults_to_data(d, true, 200).empty());
  EXPECT_EQ(d.metric, "top1");
  EXPECT_EQ(d.images_per_trial, kAutoImagesPerTrial);
  // What was asked for stays, and the campaign's own checks then refuse it as before.
  CampaignConfig e = defaults_for(kForCampaign);
  set_setting(e, "metric", "top1");
  set_setting(e, "images_per_trial", "auto");
  resolve_given_settings(e);
  EXPECT_TRUE(fit_defaults_to_data(e, false, 40).empty());
  EXPECT_EQ(e.metric, "top1");
  EXPECT_EQ(e.images_per_trial, kAutoImagesPerTrial);
  // Fixed trials need neither.
  CampaignConfig f = defaults_for(kForCampaign);
  set_setting(f, "trials", "5");
  resolve_given_settings(f);
  EXPECT_TRUE(fit_defaults_to_data(f, false, 40).empty());
}

// Every keyed setting read from TOML and from its flag gives the same config; the value shown reads back.
TEST(Settings, TomlAndCommandLineAgreeForEverySetting) {
  // The stored weights are the only built-in fault site: a second one, for this test only (registered after
  // the table is built, so its help and docs/settings.md keep the built-in sites alone).
  (void)settings();
  constexpr fault_sites::FaultSiteType kSampleSite{.name = "sample",
                                                   .select = [](engine::Executor&, const std::string&) {
                                                     return std::unique_ptr<fault_sites::FaultSite>();
                                                   }};
  const fault_sites::FaultSiteRegistrar registrar{kSampleSite};
  // A non-default value per key, in command-line form, and the same in TOML.
  const std::map<std::string, std::pair<std::string, std::string>> samples{
      {"model", {"resnet56", "'resnet56'"}},
      {"data", {"cifar10-jpeg", "'cifar10-jpeg'"}},
      {"formats", {"fp32,q3.4", "['fp32', 'q3.4']"}},
      {"protections", {"scale+ecc72,clip", "['scale+ecc72', 'clip']"}},
      {"bers", {"0,1e-06,0.5", "[0, 1e-6, 0.5]"}},
      {"fault", {"stuck1@bits=0-4,7", "'stuck1@bits=0-4,7'"}},
      {"preset", {"torchvision", "'torchvision'"}},
      {"resize", {"256", "256"}},
      {"crop", {"224x200", "'224x200'"}},
      {"mean", {"0.5,0.25,1", "[0.5, 0.25, 1]"}},
      {"std", {"2,3,4", "[2, 3.0, 4]"}},
      {"scale", {"1/255", "'1/255'"}},
      {"channel_order", {"BGR", "'BGR'"}},
      {"resize_filter", {"bilinear-noaa", "'bilinear-noaa'"}},
      {"trials", {"7", "7"}},
      {"ci_target", {"2.5", "2.5"}},
      {"min_trials", {"8", "8"}},
      {"max_trials", {"64", "64"}},
      {"wave", {"3", "3"}},
      {"interval", {"t", "'t'"}},
      {"classes", {"synsets.txt", "'synsets.txt'"}},
      {"labels", {"y.npy", "'y.npy'"}},
      {"metric", {"sdc1", "'sdc1'"}},
      {"shortcuts", {"off", "'off'"}},
      {"floor", {"20", "20"}},
      {"images", {"300", "300"}},
      {"images_per_trial", {"16", "16"}},
      {"seed", {"9223372036854775807", "9223372036854775807"}},
      {"tensors", {"conv.*", "'conv.*'"}},
      {"site", {"sample", "'sample'"}},
      {"calibration_images", {"32", "32"}},
      {"second_site", {"activations", "'activations'"}},
      {"second_tensors", {"^/layer2/", "'^/layer2/'"}},
      {"second_format", {"fp16", "'fp16'"}},
      {"second_protection", {"ranger", "'ranger'"}},
      {"second_fault", {"stuck1", "'stuck1'"}},
      {"second_ber", {"cell*10", "'cell*10'"}},
      {"unfused", {"^/layer1/", "'^/layer1/'"}},
      {"batch", {"32", "32"}},
      {"threads", {"3", "3"}},
      {"bad_images", {"skip", "'skip'"}},
      {"results", {"r/x.jsonl", "'r/x.jsonl'"}},
      {"models_dir", {"m", "'m'"}},
      {"assets_dir", {"a", "'a'"}},
  };
  for (const auto& s : settings()) {
    if (s.key.empty()) continue;
    const auto it = samples.find(s.key);
    ASSERT_NE(it, samples.end()) << "no sample value for setting '" << s.key << "': add one";
    CampaignConfig from_flag, from_toml;
    s.assign(from_flag, s.parse_text(it->second.first, s.flag));
    std::istringstream in(s.key + " = " + it->second.second + "\n");
    from_toml.load_toml(in, "t.toml");
    EXPECT_EQ(s.show(from_flag), it->second.first) << s.key;
    EXPECT_EQ(s.show(from_toml), it->second.first) << s.key;
    EXPECT_NE(s.show(from_flag), s.show(CampaignConfig{})) << s.key << ": the sample is the default";
  }
}

TEST(Settings, MetricIsTop1OrSdc1) {
  CampaignConfig c;
  EXPECT_EQ(c.stopping().metric, Metric::top1);
  set_setting(c, "metric", "sdc1");
  EXPECT_EQ(c.stopping().metric, Metric::sdc1);
  try {
    set_setting(c, "metric", "top5");
    ADD_FAILURE() << "metric top5 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("metric 'top5' is not one of top1, sdc1"), std::string::npos)
        << e.what();
  }
}

TEST(Settings, ValidateChecksEveryRangeOfTheTable) {
  for (const auto& s : settings()) {
    if (s.type != SettingType::integer && s.type != SettingType::number) continue;
    if (s.key.empty()) continue;
    CampaignConfig c;
    c.ci_target = 1;  // min/max/wave are checked in any case; keep the pair consistent
    EXPECT_NO_THROW(c.validate()) << s.key;
    // Just below the range: refused by the flag, by the TOML reader and by validate().
    const double below = s.type == SettingType::integer ? s.min - 1 : s.min - 0.5;
    EXPECT_THROW(
        (void)s.assign(c, s.type == SettingType::integer ? SettingValue(static_cast<std::int64_t>(below))
                                                         : SettingValue(below)),
        std::invalid_argument)
        << s.key;
    std::ostringstream toml;
    toml << s.key << " = "
         << (s.type == SettingType::integer ? std::to_string(static_cast<std::int64_t>(below))
                                            : std::to_string(below));
    std::istringstream in(toml.str());
    EXPECT_THROW(c.load_toml(in, "t.toml"), std::runtime_error) << toml.str();
  }
  CampaignConfig c;
  c.trials = 0;
  EXPECT_THROW(c.validate(), std::invalid_argument);
  c = CampaignConfig{};
  c.batch = 5000;
  EXPECT_THROW(c.validate(), std::invalid_argument);
  c = CampaignConfig{};
  c.formats.clear();
  EXPECT_THROW(c.validate(), std::invalid_argument);
}

TEST(Settings, ListsRefuseEmptyValuesAndRepeatedItems) {
  const auto* bers = find_setting_by_key("bers");
  const auto* formats = find_setting_by_key("formats");
  const auto* protections = find_setting_by_key("protections");
  const auto* results = find_setting_by_key("results");
  CampaignConfig c;
  EXPECT_THROW(bers->parse_text("", "--bers"), std::invalid_argument);
  EXPECT_THROW(results->parse_text("", "--results"), std::invalid_argument);
  EXPECT_THROW(results->assign(c, std::string()), std::invalid_argument);
  EXPECT_THROW(bers->assign(c, bers->parse_text("1e-3,0.001", "--bers")), std::invalid_argument);
  EXPECT_THROW(formats->assign(c, formats->parse_text("q2.5,fp16,q2.5", "--formats")), std::invalid_argument);
  EXPECT_THROW(protections->assign(c, protections->parse_text("scale+ecc72,ecc72+scale", "--protections")),
               std::invalid_argument);
  // Repeated items set programmatically are caught by validate().
  c.formats = {"fp16", "fp16"};
  EXPECT_THROW(c.validate(), std::invalid_argument);
}

TEST(Settings, SubnormalRatesAreRates) {
  const auto* bers = find_setting_by_key("bers");
  const auto v = std::get<std::vector<double>>(bers->parse_text("1e-310", "--bers"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_GT(v[0], 0.0);
  EXPECT_THROW(bers->parse_text("1e400", "--bers"), std::invalid_argument);
}

TEST(Settings, SetSettingByKeyUsesTheTable) {
  CampaignConfig c;
  set_setting(c, "bers", "1e-4,1e-3");
  EXPECT_EQ(c.bers, (std::vector<double>{1e-4, 1e-3}));
  set_setting(c, "trials", "3");
  EXPECT_EQ(c.trials, 3);
  EXPECT_THROW(set_setting(c, "trials", "0"), std::invalid_argument);
  EXPECT_THROW(set_setting(c, "no_such_key", "1"), std::invalid_argument);
}

}  // namespace
}  // namespace flipguard::campaign

namespace flipguard::campaign {
namespace {

std::string validate_error(const CampaignConfig& c) {
  try {
    c.validate();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

TEST(SecondSite, ItsRateFollowsTheCellOrStaysFixedAndTheCleanCellHasNone) {
  EXPECT_DOUBLE_EQ(parse_second_rate("cell").at(1e-5), 1e-5);
  EXPECT_DOUBLE_EQ(parse_second_rate("cell*10").at(1e-5), 1e-4);
  EXPECT_DOUBLE_EQ(parse_second_rate("cell*0.5").at(1e-5), 5e-6);
  EXPECT_DOUBLE_EQ(parse_second_rate("1e-7").at(1e-3), 1e-7);
  for (const char* rule : {"cell", "cell*10", "1e-7"}) EXPECT_EQ(parse_second_rate(rule).at(0), 0) << rule;
  // Canonical text: two spellings of one rule are one campaign.
  EXPECT_EQ(to_string(parse_second_rate("cell*1e1")), to_string(parse_second_rate("cell*10")));
  EXPECT_EQ(to_string(parse_second_rate("cell*1")), "cell");
  for (const char* bad : {"", "cel", "cell*", "cell*0", "cell*-2", "cell*x", "2", "-1e-5", "1e-5x", "nan"})
    EXPECT_THROW(parse_second_rate(bad), std::invalid_argument) << bad;

  CampaignConfig c;
  EXPECT_EQ(c.second_fault_spec(1e-4), "");  // no second site
  set_setting(c, "second_site", "activations");
  set_setting(c, "second_ber", "cell*10");
  EXPECT_EQ(c.second_fault_spec(1e-4), fault_spec("ber", 1e-3));
  EXPECT_EQ(c.second_fault_spec(0), "");
}

TEST(SecondSite, ValidateRefusesTheSameSiteARateBeyondOneAndABitTheFormatLacks) {
  CampaignConfig c;
  c.second_site = "activations";
  EXPECT_EQ(validate_error(c), "");
  c.second_site = c.site;
  EXPECT_NE(validate_error(c).find("is the campaign's site"), std::string::npos) << validate_error(c);
  c.second_site = "activations";
  c.bers = {1e-3, 0.5};
  c.second_ber = "cell*10";
  EXPECT_NE(validate_error(c).find("gives a rate of 5"), std::string::npos) << validate_error(c);
  c.bers = {1e-5};
  c.second_format = "fp16";
  c.second_fault = "ber@bits=20";
  EXPECT_NE(validate_error(c).find("fp16 stores 16 bits"), std::string::npos) << validate_error(c);
  c.second_fault = "ber@bits=14";
  c.second_protection = "clip-act";
  EXPECT_EQ(validate_error(c), "");
  EXPECT_THROW(set_setting(c, "second_format", "fp13"), std::invalid_argument);
  EXPECT_THROW(set_setting(c, "second_protection", "nonsense"), std::invalid_argument);
  EXPECT_THROW(set_setting(c, "second_ber", "2"), std::invalid_argument);
}

}  // namespace
}  // namespace flipguard::campaign

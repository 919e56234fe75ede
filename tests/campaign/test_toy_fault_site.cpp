// A fault site defined outside the library, as a new site is written, and run through the campaign path like
// the built-in one: `biases`, faults in the stored biases of the layers the `tensors` selection picks. The
// site is the entry below (what the executor must expose, how targets are chosen); one registrar line makes
// it known, the `site` setting then takes it, and the records show its faults: they land in the biases only
// (every weight reads its fault-free value), and a high rate changes most answers.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "campaign/records/campaign_identity.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "campaign/settings/settings.hpp"
#include "engine/executor.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "fault_sites/slot_selection.hpp"
#include "fault_sites/slot_site.hpp"
#include "faults/fault_model.hpp"
#include "hashing/fnv1a.hpp"
#include "model/onnx_loader.hpp"
#include "model/weight_users.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

using namespace flipguard;
using namespace flipguard::campaign;

namespace {

using namespace flipguard::fault_sites;

void expose_biases(engine::WeightSelection& selection) {
  selection.biases = true;
}

// The biases read by the nodes that read the selected weights: `--tensors conv1` faults conv1's bias.
std::unique_ptr<FaultSite> select_biases(engine::Executor& executor, const std::string& selection) {
  const auto users = model::weight_users(executor.graph());
  std::set<const model::Node*> layers;
  for (const auto* w : select_slots(executor, selection))
    if (const auto it = users.find(w->name()); it != users.end())
      layers.insert(it->second.begin(), it->second.end());
  std::vector<engine::WeightSlot*> biases;
  for (auto& s : executor.weights()) {
    if (!s->role().ends_with(".bias")) continue;
    const auto it = users.find(s->name());
    if (it == users.end()) continue;
    for (const auto* n : it->second)
      if (layers.contains(n)) {
        biases.push_back(s.get());
        break;
      }
  }
  return std::make_unique<SlotSite>(executor, std::move(biases));
}

constexpr FaultSiteType kBiases{
    .name = "biases",
    .summary = "the stored biases of the selected layers",
    .redraw = Redraw::kPerTrial,
    .patches_before_run = true,
    .expose = expose_biases,
    .select = select_biases,
};

std::int64_t count_elements(const std::vector<engine::WeightSlot*>& slots) {
  std::int64_t n = 0;
  for (const auto* s : slots) n += s->size();
  return n;
}

}  // namespace

TEST(ToyFaultSite, FaultsLandInTheSelectedBiasesAndNowhereElse) {
  const FaultSiteRegistrar registrar{kBiases};
  engine::ExecutorOptions eo;
  eo.batch = 2;
  kBiases.expose(eo.weights);
  engine::Executor ex(model::load_onnx((flipguard::testing::models_dir() / "resnet20.onnx").string()), eo);
  const auto site = fault_site_type("biases").select(ex, "all");
  auto& slots = static_cast<const SlotSite&>(*site).slots();
  ASSERT_FALSE(slots.empty());
  for (const auto* s : slots) EXPECT_TRUE(s->role().ends_with(".bias")) << s->name();
  const std::int64_t bias_elements = count_elements(slots);

  const auto faults = site->configure("fp32", "none");
  const auto model = faults::FaultModel::parse("ber:0.01");
  const auto stats = faults->inject({.model = model, .seed = 3, .trial = 0});
  EXPECT_GT(stats.flips, 0);
  EXPECT_GT(stats.changed_weights, 0);
  EXPECT_LE(stats.changed_weights, bias_elements);
  std::int64_t changed_biases = 0;
  for (auto& s : ex.weights()) {
    const auto clean = s->clean();
    for (std::int64_t i = 0; i < s->size(); ++i) {
      const bool same = s->read(i) == clean[static_cast<std::size_t>(i)];
      if (s->role().ends_with(".bias"))
        changed_biases += same ? 0 : 1;
      else
        ASSERT_TRUE(same) << "weight " << s->name() << "[" << i << "] was faulted";
    }
  }
  EXPECT_GT(changed_biases, 0);
  faults->restore();
  for (const auto* s : slots)
    for (std::int64_t i = 0; i < s->size(); ++i)
      ASSERT_EQ(s->read(i), s->clean()[static_cast<std::size_t>(i)]) << s->name();
}

TEST(ToyFaultSite, RunsACampaignThroughTheRegistry) {
  // Registered after the settings table is built: other tests of this binary (that docs/settings.md is
  // current) see the built-in sites alone.
  (void)settings();
  const FaultSiteRegistrar registrar{kBiases};
  const auto results = flipguard::testing::scratch_path("biases.jsonl");
  CampaignConfig c = flipguard::testing::resnet20_campaign(results);
  c.formats = {"fp32"};
  c.protections = {"none"};
  c.bers = {0.01};
  c.trials = 3;
  c.images = 20;
  set_setting(c, "site", "biases");
  EXPECT_EQ(c.site, "biases");
  try {
    set_setting(c, "site", "gradients");
    ADD_FAILURE() << "an unknown site was taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("weights, activations or biases"), std::string::npos) << e.what();
  }

  // ResNet-20's biases after BatchNorm folding: one per output channel of each convolution, and the
  // classifier's.
  engine::ExecutorOptions eo;
  kBiases.expose(eo.weights);
  engine::Executor ex(model::load_onnx((flipguard::testing::models_dir() / "resnet20.onnx").string()), eo);
  const std::int64_t bias_elements =
      count_elements(static_cast<const SlotSite&>(*kBiases.select(ex, "all")).slots());

  std::int64_t images = 0, sdc = 0;
  int faulty = 0;
  std::set<std::string> campaigns;
  for (const auto& r : flipguard::testing::run_campaign_records(c)) {
    campaigns.insert(r.campaign);
    if (r.ber == 0) {
      EXPECT_EQ(r.flips, 0);
      continue;
    }
    ++faulty;
    EXPECT_GT(r.flips, 0);
    EXPECT_GT(r.changed_weights, 0);
    // Far fewer than the 268336 weights could give: only biases change.
    EXPECT_LE(r.changed_weights, bias_elements);
    EXPECT_EQ(r.critical_words, bias_elements);  // the words the faults could hit are the biases
    images += r.images;
    sdc += r.sdc1;
  }
  EXPECT_EQ(faulty, 3);
  // About 220 of the biases' bits flip per trial, some high exponent bits among them: most answers change.
  EXPECT_GT(static_cast<double>(sdc), 0.5 * static_cast<double>(images)) << sdc << " of " << images;

  // A campaign of its own: the site is part of the identity, and the weights' campaign keeps its id.
  ASSERT_EQ(campaigns.size(), 1u);
  CampaignConfig weights = c;
  weights.site = "weights";
  const auto setup = CampaignSetup::load(weights);
  EXPECT_NE(*campaigns.begin(), setup.campaign_id);
  EXPECT_EQ(setup.campaign_id, setup.identity.id());
  std::filesystem::remove(results);
}

TEST(ToyFaultSite, TheDefaultSiteLeavesCampaignIdsAsTheyWere) {
  CampaignIdentity id;
  id.model_sha256 = "m";
  id.data = "d";
  id.data_hash = "h";
  id.preprocessing = "p";
  id.seed = 1;
  id.tensors = "all";
  id.fault = "ber";
  id.batch = 16;
  id.threads = 2;
  // The text every campaign id hashed before sites existed.
  const std::string text =
      "flipguard-campaign-v3\nmodel-sha256 m\ndata d\ndata-hash h\npreprocessing p\nseed 1\ntensors all\n"
      "fault ber\nfloor 0\nimages-per-trial 0\nbatch 16\nthreads 2\n";
  EXPECT_EQ(id.id(), hashing::hex16(hashing::fnv1a(hashing::kFnvOffset, text.data(), text.size())));
  CampaignIdentity biases = id;
  biases.site = "biases";
  EXPECT_NE(biases.id(), id.id());
}

// The fault-site registry: the stored weights are the built-in default, sites register for a scope and are
// checked, and the stored-weights site answers for the `tensors` selection as the slot functions do.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <stdexcept>
#include <string>

#include "engine/executor.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/slot_selection.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"
#include "model/onnx_loader.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::fault_sites;

namespace {

engine::Executor resnet20() {
  engine::ExecutorOptions eo;
  eo.batch = 1;
  return engine::Executor(
      model::load_onnx((fs::path(FLIPGUARD_SOURCE_DIR) / "models" / "resnet20.onnx").string()), eo);
}

std::unique_ptr<FaultSite> select_nothing(engine::Executor&, const std::string&) {
  return nullptr;
}

constexpr FaultSiteType kToy{.name = "toy", .summary = "nothing at all", .select = select_nothing};

}  // namespace

TEST(FaultSiteRegistry, StoredWeightsAreTheBuiltInDefault) {
  const auto types = fault_site_types();
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.front()->name, "weights");
  EXPECT_EQ(kDefaultSite, "weights");
  const FaultSiteType* weights = find_fault_site_type("weights");
  ASSERT_NE(weights, nullptr);
  EXPECT_EQ(weights->redraw, Redraw::kPerTrial);
  EXPECT_TRUE(weights->patches_before_run);
  EXPECT_EQ(weights->expose, nullptr);
  const FaultSiteType* activations = find_fault_site_type("activations");
  ASSERT_NE(activations, nullptr);
  EXPECT_EQ(activations->redraw, Redraw::kPerInference);
  EXPECT_FALSE(activations->patches_before_run);
  EXPECT_EQ(find_fault_site_type("gradients"), nullptr);
  EXPECT_EQ(&fault_site_type("weights"), weights);
  try {
    (void)fault_site_type("gradients");
    ADD_FAILURE() << "an unknown site was found";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'gradients': expected weights or activations"), std::string::npos)
        << e.what();
  }
  const std::string help = fault_site_help();
  EXPECT_NE(help.find("`weights`: the model's stored weights"), std::string::npos) << help;
  EXPECT_NE(help.find("drawn once per trial"), std::string::npos) << help;
  EXPECT_NE(help.find("`activations`: the values nodes write"), std::string::npos) << help;
  EXPECT_NE(help.find("drawn anew for every inference and image"), std::string::npos) << help;
}

TEST(FaultSiteRegistry, SitesRegisterForAScopeAndAreChecked) {
  {
    const FaultSiteRegistrar registrar{kToy};
    EXPECT_EQ(find_fault_site_type("toy"), &kToy);
    EXPECT_EQ(fault_site_types().back(), &kToy);
    EXPECT_EQ(fault_site_names(" or "), "weights, activations or toy");
    EXPECT_NE(fault_site_help().find("`toy`: nothing at all (faults drawn once per trial)"),
              std::string::npos);
    EXPECT_THROW(register_fault_site_type(kToy), std::logic_error);  // taken
  }
  EXPECT_EQ(find_fault_site_type("toy"), nullptr);
  EXPECT_EQ(fault_site_names(" or "), "weights or activations");

  constexpr FaultSiteType nameless{.select = select_nothing};
  EXPECT_THROW(register_fault_site_type(nameless), std::logic_error);
  constexpr FaultSiteType blind{.name = "blind"};
  EXPECT_THROW(register_fault_site_type(blind), std::logic_error);
  constexpr FaultSiteType twin{.name = "weights", .select = select_nothing};
  EXPECT_THROW(register_fault_site_type(twin), std::logic_error);
  EXPECT_EQ(fault_site_types().size(), 2u);
  unregister_fault_site_type(fault_site_type("weights"));  // a built-in one stays
  EXPECT_NE(find_fault_site_type("weights"), nullptr);
}

TEST(StoredWeightsSite, AnswersForTheSelectionAsTheSlotFunctionsDo) {
  auto ex = resnet20();
  const auto& type = fault_site_type("weights");
  const auto site = type.select(ex, "all");
  const auto slots = select_slots(ex, "all");
  ASSERT_EQ(site->targets().size(), slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) EXPECT_EQ(site->targets()[i], slots[i]->name());
  const auto sizes = site->stored_sizes();
  EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0}), 268336);  // ResNet-20's weights
  EXPECT_EQ(site->first_faulted_cut(), 0);

  const auto ber = faults::FaultModel::parse("ber:0.001");
  EXPECT_EQ(site->critical_words(ber, memory::Format::parse("q2.5")), 268336);
  EXPECT_EQ(
      site->critical_words(faults::FaultModel::parse("burst:0.001:len=4"), memory::Format::parse("q2.5")), 0);
  EXPECT_EQ(
      site->critical_words(faults::FaultModel::parse("ber:0.001@bits=0"), memory::Format::parse("q2.5")),
      0);  // the critical bit is masked out

  // The last weight alone: trials may start at the cut before the layer reading it.
  const std::string last = slots.back()->name();
  const auto late = type.select(ex, last);
  EXPECT_EQ(late->targets(), std::vector<std::string>{last});
  EXPECT_EQ(late->first_faulted_cut(), ex.cut_before(last));
  EXPECT_GT(late->first_faulted_cut(), 0);

  EXPECT_NO_THROW(site->check_targets(faults::FaultModel::parse("target:" + last + ",0,7")));
  EXPECT_THROW(late->check_targets(faults::FaultModel::parse("target:" + slots.front()->name() + ",0,7")),
               std::invalid_argument);
  EXPECT_THROW(type.select(ex, "no_such_tensor_anywhere"), std::invalid_argument);
}

TEST(StoredWeightsSite, AConfigurationIsTheStoredWeightsOwn) {
  auto ex = resnet20();
  const auto site = fault_site_type("weights").select(ex, "all");
  const auto model = faults::FaultModel::parse("ber:0.0001");
  TrialPatchStats through_site;
  std::vector<float> faulty_read;
  {
    const auto faults = site->configure("q2.5", "ecc72");
    EXPECT_EQ(faults->critical_words(model), 268336);
    EXPECT_GT(faults->memory_overhead(), 0);
    through_site = faults->inject({.model = model, .seed = 5, .trial = 2});
    for (const auto* s : select_slots(ex, "all"))
      for (std::int64_t i = 0; i < s->size(); ++i) faulty_read.push_back(s->read(i));
    const auto after = faults->restore();
    EXPECT_EQ(after.flips, 0);  // every fault was patched in before the run
    EXPECT_EQ(after.changed_weights, 0);
  }
  FaultyWeights direct(ex, select_slots(ex, "all"), "q2.5", "ecc72");
  const auto stats = direct.inject(model, 5, 2);
  EXPECT_GT(stats.flips, 0);
  EXPECT_EQ(through_site.flips, stats.flips);
  EXPECT_EQ(through_site.changed_weights, stats.changed_weights);
  EXPECT_EQ(through_site.ecc_corrected, stats.ecc_corrected);
  EXPECT_EQ(through_site.critical_faults, stats.critical_faults);
  std::size_t k = 0;
  for (const auto* s : select_slots(ex, "all"))
    for (std::int64_t i = 0; i < s->size(); ++i, ++k) ASSERT_EQ(s->read(i), faulty_read[k]) << s->name();
}

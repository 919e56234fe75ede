#include "fault_sites/campaign_sites.hpp"

#include <stdexcept>

#include "fault_sites/fault_site_registry.hpp"
#include "fault_sites/site_pair.hpp"

namespace flipguard::fault_sites {

std::unique_ptr<FaultSite> select_campaign_sites(engine::Executor& executor,
                                                 const campaign::CampaignConfig& config) {
  auto first = fault_site_type(config.site).select(executor, config.tensors);
  if (!config.has_second_site()) return first;
  std::shared_ptr<FaultSite> second;
  try {
    second = fault_site_type(config.second_site).select(executor, config.second_tensors);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("second_tensors: " + std::string(e.what()));
  }
  SecondSiteConfig second_config{.format = config.second_format,
                                 .protection = config.second_protection,
                                 .model_at = [config](double cell_rate) -> std::optional<faults::FaultModel> {
                                   const std::string spec = config.second_fault_spec(cell_rate);
                                   if (spec.empty()) return std::nullopt;
                                   return faults::FaultModel::parse(spec);
                                 }};
  return std::make_unique<SitePair>(std::move(first), std::move(second), std::move(second_config));
}

void expose_campaign_sites(const campaign::CampaignConfig& config, engine::WeightSelection& selection) {
  if (const auto& site = fault_site_type(config.site); site.expose) site.expose(selection);
  if (config.has_second_site())
    if (const auto& site = fault_site_type(config.second_site); site.expose) site.expose(selection);
}

bool campaign_sites_patch_before_run(const campaign::CampaignConfig& config) {
  return fault_site_type(config.site).patches_before_run &&
         (!config.has_second_site() || fault_site_type(config.second_site).patches_before_run);
}

bool campaign_sites_need_calibration(const campaign::CampaignConfig& config, const std::string& format,
                                     const std::string& protection) {
  const auto& first = fault_site_type(config.site);
  if (first.needs_calibration && first.needs_calibration(format, protection)) return true;
  if (!config.has_second_site()) return false;
  const auto& second = fault_site_type(config.second_site);
  return second.needs_calibration && second.needs_calibration(config.second_format, config.second_protection);
}

}  // namespace flipguard::fault_sites

#include "cli/campaign_options.hpp"

#include <climits>

namespace flipguard::cli {

std::set<std::string> grid_flags() {
  return {"--config",  "--model",   "--data",       "--formats", "--protections", "--bers",
          "--fault",   "--trials",  "--seed",       "--tensors", "--images",      "--batch",
          "--threads", "--results", "--models-dir", "--assets",  "--bad-images"};
}

void apply_grid_options(const Options& opt, campaign::CampaignConfig& c) {
  if (!opt.get("--config").empty()) c.load_toml(opt.get("--config"));
  auto set = [&](const char* flag, std::string& field) {
    if (!opt.get(flag).empty()) field = opt.get(flag);
  };
  set("--model", c.model);
  set("--data", c.data);
  set("--fault", c.fault);
  set("--tensors", c.tensors);
  set("--results", c.results);
  set("--models-dir", c.models_dir);
  set("--assets", c.assets_dir);
  set("--bad-images", c.bad_images);
  if (!opt.get("--formats").empty()) c.formats = campaign::split_list(opt.get("--formats"));
  if (!opt.get("--protections").empty()) c.protections = campaign::split_list(opt.get("--protections"));
  if (!opt.get("--bers").empty()) c.bers = campaign::parse_rates(opt.get("--bers"), "--bers");
  c.trials = static_cast<int>(opt.get_int("--trials", c.trials, 1, 1000000));
  c.seed = static_cast<std::uint64_t>(opt.get_int("--seed", static_cast<long>(c.seed), 0, LONG_MAX));
  c.images = opt.get_int("--images", c.images, 0, 1L << 30);
  c.batch = static_cast<int>(opt.get_int("--batch", c.batch, 1, 4096));
  c.threads = static_cast<int>(opt.get_int("--threads", c.threads, 1, 1024));
}

}  // namespace flipguard::cli

// flipguard rekey: moves a results file written before content identity to today's campaign id.
#include <cstdio>

#include "campaign/running/rekey_campaign.hpp"
#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"

namespace flipguard::cli {
namespace {

int run(const Arguments& args) {
  campaign::CampaignConfig config = args.config;
  if (args.positionals.size() > 1) throw UsageError("takes one results file");
  if (args.positionals.size() == 1) config.results = args.positionals[0];
  const auto s = campaign::rekey_results(config);
  if (s.records == 0)
    std::printf("rekey: %s already has content identity (campaign %s); nothing to do\n",
                config.results.c_str(), s.to.c_str());
  else
    std::printf("rekey: %lld records of %s moved from %scampaign %s to %s\n",
                static_cast<long long>(s.records), config.results.c_str(), s.layers ? "layer " : "",
                s.from.c_str(), s.to.c_str());
  return 0;
}

const RegisterCommand reg{
    {.name = "rekey",
     .summary = "move a results file of an older flipguard to today's campaign identity",
     .positionals = "[RESULTS.jsonl]",
     .settings = campaign::kForCampaign,
     .config_file = true,
     .notes =
         "Results files written before campaigns were identified by content (the model file's SHA-256, every "
         "evaluated image's decoded pixels and label, the preprocessing, batch and threads) are refused by "
         "today's runs. Give rekey the settings the file was written with (the same --config, or flags): it "
         "loads the model and images, proves the records are of those settings' old identity, and rewrites "
         "them with today's campaign id and data hash, under the file's lock, through a temporary file "
         "renamed into place. A file of other settings is refused and left untouched, and so are "
         "preprocessing settings (--preset, --mean, ...) that change the sidecar's recipe: the old records "
         "do not say which recipe made them. Files written before NaN went through the engine's operators as "
         "in PyTorch (Relu, Clip and max pooling read a NaN as 0 then) are moved the same way when all their "
         "records are of fixed-point or INT8 formats, whose trials come out the same; a record of a float "
         "format (fp32, fp16, bf16) is refused, any file's: its trial may come out otherwise now. Works for "
         "campaign and layer-campaign files; RESULTS.jsonl overrides the settings' results path.",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli

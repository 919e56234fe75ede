// A layer-targeted campaign: the vulnerability study that faults one stored tensor (layer) at a time. Per
// layer and batch, the layers before the faulted one run once (the clean prefix, snapshotted at the cut);
// every trial of every (format x protection x BER) then runs only the suffix from that snapshot. Faults and
// counts are those of an ordinary campaign with `tensors` = that layer, bit for bit: same keyed fault
// streams, and the suffix computes exactly what a full forward pass computes.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "campaign/records/campaign_identity.hpp"
#include "campaign/settings/campaign_config.hpp"

namespace flipguard::campaign {

struct LayerCampaignProgress {
  int layers_done = 0, layers_total = 0;
  std::string layer;  // the layer just finished (or skipped, its records being present)
  bool skipped = false;
  std::int64_t trials_done = 0, trials_total = 0;
  double seconds = 0;  // since the start
};

struct LayerCampaignSummary {
  std::string results_path, campaign_id;
  std::vector<std::string> layers;  // faulted tensors, in execution order
  int layers_run = 0, layers_skipped = 0;
  std::int64_t trials_run = 0, trials_skipped = 0;
  double seconds = 0;
};

// Identity of a layer campaign's records: that of its ordinary campaign with tensors "layers:<tensors>", so a
// results file of an ordinary campaign is never mixed with one of a layer campaign. `before_nan_faithful`:
// the id it had before NaN went through the engine's operators (CampaignIdentity::id_before_nan_faithful).
std::string layer_campaign_id(const CampaignIdentity& identity, bool before_nan_faithful = false);

// `config.tensors` selects the layers; each record's `tensors` field is its layer's name. Records of a
// layer are appended when all its trials are done; rerunning resumes with the first incomplete layer.
// scale@logits protections are refused: they rescale biases of every layer, so the prefix would differ per
// protection.
LayerCampaignSummary run_layer_campaign(const CampaignConfig& config,
                                        const std::function<void(const LayerCampaignProgress&)>& progress,
                                        std::ostream& log);

}  // namespace flipguard::campaign

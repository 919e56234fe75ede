// A layer-targeted campaign: the vulnerability study that faults one target of the campaign's fault site at
// a time: one stored tensor (layer) of the stored-weights site, one value nodes write of the activations
// site. Per target and batch, the layers before its cut (FaultSite::first_faulted_cut: the first layer
// reading the weight, the layer writing the value) run once (the clean prefix, snapshotted at the cut); every
// trial of every (format x protection x BER) then runs only the suffix from that snapshot. Faults and counts
// are those of an ordinary campaign with `tensors` = that target, bit for bit: same keyed fault streams
// (activation faults keyed by each image's dataset index, as there), and the suffix computes exactly what a
// full forward pass computes.
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
  std::string results_path, campaign_id, site;
  std::vector<std::string> layers;  // the site's targets (stored tensors, values), in execution order
  std::vector<int> cuts;            // per layer: the cut its trials start from (Executor::cut_points)
  int layers_run = 0, layers_skipped = 0;
  std::int64_t trials_run = 0, trials_skipped = 0;
  // The executor's work over the run (Executor::layers_executed, faithful_runs): prefixes once per batch,
  // suffixes per pass, any calibration passes, and suffixes rerun with the NaN-faithful kernels.
  std::int64_t layers_executed = 0, faithful_runs = 0;
  double seconds = 0;
};

// Identity of a layer campaign's records: that of its ordinary campaign with tensors "layers:<tensors>", so a
// results file of an ordinary campaign is never mixed with one of a layer campaign. `before_nan_faithful`:
// the id it had before NaN went through the engine's operators (CampaignIdentity::id_before_nan_faithful).
std::string layer_campaign_id(const CampaignIdentity& identity, bool before_nan_faithful = false);

// `config.site` and `config.tensors` select the layers; each record's `tensors` field is its layer's name (a
// value's records name its node, op and elements per image too). Configurations that need ranges profile
// them once, on the setup's calibration images, for every layer. Records of a layer are appended when all its
// trials are done; rerunning resumes with the first incomplete layer. scale@logits protections are refused:
// they rescale biases of every layer, so the prefix would differ per protection.
LayerCampaignSummary run_layer_campaign(const CampaignConfig& config,
                                        const std::function<void(const LayerCampaignProgress&)>& progress,
                                        std::ostream& log);

}  // namespace flipguard::campaign

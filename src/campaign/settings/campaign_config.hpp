// What a campaign is: a model on a dataset, a grid of (format x protection x BER) cells, trials per cell,
// a seed, which stored tensors are faulted and the image budget. The fields and their defaults are declared
// here; how each is named, read, checked and documented is declared once in the settings table
// (settings.hpp), from which the TOML reader below, the command line and the docs come.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/settings/stopping_rule.hpp"

namespace flipguard::campaign {

// The fault site a campaign faults unless told otherwise (stored weights); only another site enters the
// campaign's identity, so every id from before sites existed stays as it was.
inline constexpr std::string_view kDefaultSite = "weights";

inline constexpr std::int64_t kAutoImagesPerTrial = -1;  // images_per_trial = "auto"
// The design images_per_trial = "auto" follows (planning/cell_design.hpp): images per pilot trial, and the
// most images per trial its plan may choose (also the fewest images such a campaign may have).
inline constexpr int kDesignPilotImages = 16;
inline constexpr int kDesignMaxImages = 64;

struct CampaignConfig {
  std::string model = "resnet20";  // name in the models folder, a path to a sidecar .json, or an .onnx file
  std::string data;                // dataset name or path (data_source.hpp); empty: the model's default
  std::string classes;             // classes file for a folder of class subfolders (folder name -> label)
  std::string labels;              // labels .npy for a .npy of inputs
  // How images are fed (model_recipe.hpp): a named preset, then explicit values, over the sidecar's. Empty
  // (0 for scale): not given.
  std::string preset;             // torchvision, caffe, cifar, none
  std::string resize;             // "N" (shorter side), "HxW" (exact) or "0" (none)
  std::string crop;               // "N", "HxW" or "0"
  std::vector<double> mean, std;  // one per input channel
  std::string scale;              // a number or a fraction such as "1/255"
  std::string channel_order;      // RGB, BGR, GRAY
  std::string resize_filter;      // bilinear, bilinear-noaa
  std::vector<std::string> formats{"q2.5", "fp16"};
  std::vector<std::string> protections{"none", "scale"};
  std::vector<double> bers{1e-5, 1e-4, 1e-3};
  // What a fault does at each cell's rate (fault_setting.hpp): ber, stuck0, stuck1 (with @bits=LIST for a bit
  // mask), burst@len=L, or target@TENSOR,ELEMENT,BIT;...; kept in canonical form.
  std::string fault = "ber";
  int trials = 10;  // per cell when adaptive trials are off (ci_target 0; giving trials alone turns them off)
  // Adaptive trials: a cell runs waves of `wave` trials until the 95% CI half-width of its Top-1 is at
  // most ci_target points (after at least min_trials) or max_trials ran.
  double ci_target = 0;
  int min_trials = 4, max_trials = 100, wave = 4;
  // Interval over trials, for stopping and reporting: "betting-mix" (betting with a bold bet mixed in) or
  // "betting" (valid at any n and under adaptive stopping) or "t" (Student t, approximate). See
  // docs/statistics.md.
  std::string interval = "betting-mix";
  // What adaptive cells stop on: "top1" (Top-1 accuracy; needs labels) or "sdc1" (SDC-1: images whose Top-1
  // differs from the fault-free model's; needs none).
  std::string metric = "top1";
  // Early-stopped trials: a faulty trial stops once its Top-1 is below `floor` percent at
  // kFloorConfidence (0: off). Part of the campaign's identity, since it changes what records contain.
  double floor = 0;
  // This process runs shard `shard` of `shards` (whole cells, balanced by trials; see shard_cells).
  int shard = 0, shards = 1;
  std::uint64_t seed = 1;
  std::string tensors = "all";  // "all" or an ECMAScript regex over stored tensor names
  // Where faults land, a fault-site registry entry (fault_sites/fault_site_registry.hpp); `tensors` selects
  // among its targets.
  std::string site{kDefaultSite};
  // A second fault site faulted in the same trials as `site` (weights and activations together), held in one
  // configuration of its own over the grid (fault_sites/site_pair.hpp): "none", or a site's name. Its faults
  // are `second_fault` at `second_ber` (second_rate.hpp): a rate, or "cell" / "cell*K" to follow each cell's.
  std::string second_site = "none";
  std::string second_tensors = "all";
  std::string second_format = "fp32";
  std::string second_protection = "none";
  std::string second_fault = "ber";
  std::string second_ber = "cell";
  // Values the engine keeps apart from the activation it would fuse after them (a Conv's output before its
  // Relu), so that the activations site can fault them: "none", "all", a name or a regex.
  std::string unfused = "none";
  // Clean images a site profiles its targets on where a configuration needs ranges or scales (activations
  // stored in int8, ranger, clip-act): the images that follow the evaluated ones, else the first evaluated.
  int calibration_images = 64;
  std::int64_t images = 0;  // images evaluated (class-stratified subset); 0: the whole dataset
  // > 0: each trial scores a fresh random sample of this many of those images (see trial_images.hpp);
  // 0: every trial scores all of them; kAutoImagesPerTrial: adaptive cells follow the design of
  // cell_design.hpp, which picks the count.
  std::int64_t images_per_trial = 0;
  // "on": trials skip work whose answer is known, exactly (a trial whose faults change no read-back weight
  // reuses the fault-free logits; trials over the whole set start at the first faulted layer). "off": every
  // trial runs the whole network. Not part of a campaign's identity: records are the same either way.
  std::string shortcuts = "on";
  int batch = 16;
  int threads = 2;
  std::string bad_images = "fail";  // unusable dataset images: "fail" (stop, naming it) or "skip" (count out)
  std::string results = "results/campaign.jsonl";
  std::string models_dir, assets_dir;
  // The keys a front end assigned (command line, TOML, Python): what was asked for, as opposed to a default
  // (settings.hpp, resolve_given_settings). Not a setting itself, and no part of a campaign's identity.
  std::set<std::string> given;

  // Applies `key = value` settings of a TOML file (unknown keys and bad values are errors naming the file).
  void load_toml(const std::string& path);
  // The same from a stream; `name` labels errors.
  void load_toml(std::istream& in, const std::string& name);
  // Checks every setting (the table's checks) and what they must satisfy together, parsing every format,
  // protection and fault spec once, so a bad grid fails before any work.
  void validate() const;
  StoppingRule stopping() const {
    return {ci_target,           min_trials, max_trials, wave, stats::parse_interval_method(interval),
            parse_metric(metric)};
  }
  // The fault model spec of a cell, e.g. "ber:0.0001".
  std::string fault_spec(double rate) const;
  // The second site's fault model spec in a cell of rate `cell_rate`; empty where it takes no faults (no
  // second site, or the clean cell).
  std::string second_fault_spec(double cell_rate) const;
  bool has_second_site() const { return second_site != "none"; }
};

}  // namespace flipguard::campaign

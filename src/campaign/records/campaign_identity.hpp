// What makes two runs the same campaign, so their records may share a results file: the content of what was
// run, never a name or a claim. The model's bytes (SHA-256 of the ONNX file), the evaluated data's content
// (every image's decoded pixels, its label, its place in the dataset, and the unusable images left out), the
// effective preprocessing (the sidecar's input and preprocess fields as the run reads them) and every setting
// that changes a trial's outcome: seed, fault site (and a second site's configuration), tensor selection,
// fault setting (canonical, with its bit mask, burst length or targets), early-stop floor, per-trial image
// sample, batch size and threads (both change results in their last bits: oneDNN splits the work
// differently). Formats, protections, BERs and trial counts may grow between runs of one campaign: they are
// in each record's key.
#pragma once

#include <cstdint>
#include <string>

#include "campaign/settings/campaign_config.hpp"

namespace flipguard::data {
struct Manifest;
struct PreprocessedSet;
}  // namespace flipguard::data

namespace flipguard::campaign {

struct CampaignIdentity {
  std::string model_sha256;   // of the ONNX file's bytes
  std::string data;           // dataset name (a label; the content is in data_hash)
  std::string data_hash;      // data_content_hash() of the evaluated images
  std::string preprocessing;  // preprocessing_text() of the sidecar
  std::uint64_t seed = 0;
  std::string tensors, fault;
  // The fault site; named in the id only when it is not the stored weights, so earlier campaigns keep theirs.
  std::string site = "weights";
  // The second site and its one configuration (site_pair.hpp), as canonical text; empty without one.
  std::string second_site;
  // Values kept apart from a fused activation (ExecutorOptions::unfused); named only when not "none".
  std::string unfused = "none";
  // The calibration images a configuration's ranges or scales were profiled on (activations in int8, ranger,
  // clip-act): their count and where they come from; named only when some configuration profiles.
  std::string calibration;
  double floor = 0;
  std::int64_t images_per_trial = 0;  // kAutoImagesPerTrial: "auto", a campaign of its own
  // images_per_trial = auto: the design's plan (and so each trial's images and stratum) depends on the
  // target and the trial bounds, so they are part of the identity then (and only then).
  double ci_target = 0;
  int min_trials = 0, max_trials = 0;
  int batch = 0, threads = 0;

  // 16 hex digits: a hash of all of the above, in a fixed text form.
  std::string id() const;
  // The id the same campaign had before the engine let NaN through its operators as PyTorch does: records
  // of fixed-point and INT8 formats are the same either way (their weights and activations stay finite),
  // records of float formats may not be (`flipguard rekey` moves only the former).
  std::string id_before_nan_faithful() const;

 private:
  std::string id_at(int version) const;
};

// The identity of `config` run on `spec`'s model, whose ONNX file has `model_sha256` (as open_model read it,
// model_recipe.hpp), over `images` of dataset `data`.
CampaignIdentity campaign_identity(const CampaignConfig& config, const data::Manifest& spec,
                                   const std::string& model_sha256, const std::string& data,
                                   const data::PreprocessedSet& images);

// The second site's configuration as canonical text ("activations tensors all format fp16 protection ranger
// fault ber ber cell"); empty without a second site.
std::string second_site_text(const CampaignConfig& config);

// 16 hex digits over the images' dataset indices, labels (as targets), decoded-pixel hashes and the count of
// images left out as unusable.
std::string data_content_hash(const data::PreprocessedSet& images);

// The input and preprocessing a model is fed with, as canonical text ("input 3x224x224; resize_shorter 256;
// ..."): two sidecars that feed a model alike give the same text.
std::string preprocessing_text(const data::Manifest& spec);

}  // namespace flipguard::campaign

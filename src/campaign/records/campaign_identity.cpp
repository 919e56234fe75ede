#include "campaign/records/campaign_identity.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "campaign/settings/campaign_config.hpp"
#include "campaign/settings/second_rate.hpp"
#include "data/loading/batch_loader.hpp"
#include "data/manifest/manifest.hpp"
#include "hashing/fnv1a.hpp"

namespace flipguard::campaign {
namespace {

// Exact text of a double: the same value always reads the same, different values never do.
std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string CampaignIdentity::id_at(int version) const {
  std::ostringstream text;
  // Versioned, so a change of what identity covers never collides with earlier ids. v3: the engine lets NaN
  // through its operators as PyTorch does (docs/protections.md), which changes trials of float formats whose
  // activations meet a NaN; v2 records were made with NaN read as 0 by Relu, Clip and max pooling.
  text << "flipguard-campaign-v" << version << "\nmodel-sha256 " << model_sha256 << "\ndata " << data
       << "\ndata-hash " << data_hash << "\npreprocessing " << preprocessing << "\nseed " << seed
       << "\ntensors " << tensors;
  if (site != kDefaultSite) text << "\nsite " << site;
  if (!second_site.empty()) text << "\nsecond-site " << second_site;
  if (unfused != "none") text << "\nunfused " << unfused;
  if (!calibration.empty()) text << "\ncalibration " << calibration;
  text << "\nfault " << fault << "\nfloor " << exact(floor) << "\nimages-per-trial ";
  if (images_per_trial == kAutoImagesPerTrial)
    text << "auto\ndesign-target " << exact(ci_target) << "\ndesign-trials " << min_trials << " "
         << max_trials;
  else
    text << images_per_trial;
  text << "\nbatch " << batch << "\nthreads " << threads << "\n";
  const std::string s = text.str();
  return hashing::hex16(hashing::fnv1a(hashing::kFnvOffset, s.data(), s.size()));
}

std::string CampaignIdentity::id() const {
  return id_at(3);
}

std::string CampaignIdentity::id_before_nan_faithful() const {
  return id_at(2);
}

std::string data_content_hash(const data::PreprocessedSet& images) {
  if (images.content.size() != images.size())
    throw std::logic_error("data_content_hash: the image set carries no content hashes");
  std::uint64_t h = hashing::kFnvOffset;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::uint64_t index = images.indices[i], content = images.content[i];
    const std::int64_t target = images.targets[i];
    h = hashing::fnv1a(h, &index, sizeof index);
    h = hashing::fnv1a(h, &target, sizeof target);
    h = hashing::fnv1a(h, &content, sizeof content);
  }
  const std::uint64_t skipped = images.skipped.size();
  h = hashing::fnv1a(h, &skipped, sizeof skipped);
  return hashing::hex16(h);
}

std::string preprocessing_text(const data::Manifest& spec) {
  const auto& in = spec.input;
  const auto& p = spec.preprocess;
  std::ostringstream s;
  s << "input " << in.name << " " << in.channels << "x" << in.height << "x" << in.width << "; output "
    << spec.output.name << " " << spec.output.classes << " label_offset " << spec.output.label_offset
    << "; resize_shorter " << p.resize_shorter << "; resize_to " << p.resize_to[0] << "x" << p.resize_to[1]
    << "; crop " << p.crop[0] << "x" << p.crop[1] << "; filter " << data::to_string(p.resize_filter)
    << "; channels " << data::to_string(p.channel_order) << "; scale " << exact(p.scale) << "; mean";
  for (double m : p.mean) s << " " << exact(m);
  s << "; std";
  for (double d : p.std) s << " " << exact(d);
  // Named only when not the default, so every earlier (channels-first) campaign keeps its id.
  if (in.layout != data::InputLayout::kNCHW) s << "; layout " << data::to_string(in.layout);
  return s.str();
}

std::string second_site_text(const CampaignConfig& config) {
  if (!config.has_second_site()) return {};
  return config.second_site + " tensors " + config.second_tensors + " format " + config.second_format +
         " protection " + config.second_protection + " fault " + config.second_fault + " ber " +
         to_string(parse_second_rate(config.second_ber));
}

CampaignIdentity campaign_identity(const CampaignConfig& config, const data::Manifest& spec,
                                   const std::string& model_sha256, const std::string& data,
                                   const data::PreprocessedSet& images) {
  CampaignIdentity id;
  id.model_sha256 = model_sha256;
  id.data = data;
  id.data_hash = data_content_hash(images);
  id.preprocessing = preprocessing_text(spec);
  id.seed = config.seed;
  id.tensors = config.tensors;
  id.site = config.site;
  id.unfused = config.unfused;
  id.second_site = second_site_text(config);
  id.fault = config.fault;
  id.floor = config.floor;
  id.images_per_trial = config.images_per_trial;
  if (config.images_per_trial == kAutoImagesPerTrial) {
    id.ci_target = config.ci_target;
    id.min_trials = config.min_trials;
    id.max_trials = config.max_trials;
  }
  id.batch = config.batch;
  id.threads = config.threads;
  return id;
}

}  // namespace flipguard::campaign

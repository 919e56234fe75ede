#include "campaign/campaign_identity.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "data/batch_loader.hpp"
#include "data/model_spec.hpp"
#include "hashing/fnv1a.hpp"
#include "hashing/sha256.hpp"

namespace flipguard::campaign {
namespace {

// Exact text of a double: the same value always reads the same, different values never do.
std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string CampaignIdentity::id() const {
  std::ostringstream text;
  // Versioned, so a future change of what identity covers never collides with these ids.
  text << "flipguard-campaign-v2\nmodel-sha256 " << model_sha256 << "\ndata " << data << "\ndata-hash "
       << data_hash << "\npreprocessing " << preprocessing << "\nseed " << seed << "\ntensors " << tensors
       << "\nfault " << fault << "\nfloor " << exact(floor) << "\nimages-per-trial " << images_per_trial
       << "\nbatch " << batch << "\nthreads " << threads << "\n";
  const std::string s = text.str();
  return hashing::hex16(hashing::fnv1a(hashing::kFnvOffset, s.data(), s.size()));
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

std::string preprocessing_text(const data::ModelSpec& spec) {
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
  return s.str();
}

std::string verified_model_sha256(const data::ModelSpec& spec) {
  const auto path = spec.onnx_path();
  const std::string actual = hashing::sha256_of_file(path);
  if (!spec.sha256.empty() && spec.sha256 != actual)
    throw std::runtime_error((spec.sidecar_path.empty() ? spec.name : spec.sidecar_path.string()) +
                             ": sha256 claims " + spec.sha256 + " but " + path.string() + " has " + actual +
                             ": the model file changed since the sidecar was written (or belongs to another "
                             "sidecar); fix the sidecar's sha256 or restore the file");
  return actual;
}

CampaignIdentity campaign_identity(const CampaignConfig& config, const data::ModelSpec& spec,
                                   const std::string& data, const data::PreprocessedSet& images) {
  CampaignIdentity id;
  id.model_sha256 = verified_model_sha256(spec);
  id.data = data;
  id.data_hash = data_content_hash(images);
  id.preprocessing = preprocessing_text(spec);
  id.seed = config.seed;
  id.tensors = config.tensors;
  id.fault = config.fault;
  id.floor = config.floor;
  id.images_per_trial = config.images_per_trial;
  id.batch = config.batch;
  id.threads = config.threads;
  return id;
}

}  // namespace flipguard::campaign

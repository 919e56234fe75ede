// flipguard run: a model's outputs on a dataset, written as a .npy array, optionally with its stored weights
// faulted exactly as one campaign trial faults them (same executor options, sampler, seed and trial key), so
// that `run` with a campaign's settings reproduces that trial's predictions.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "campaign/recipe/model_recipe.hpp"
#include "campaign/recipe/resolved_config.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "campaign/running/trial_worker.hpp"
#include "campaign/settings/fault_setting.hpp"
#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"
#include "engine/executor.hpp"
#include "evaluation/evaluate_set.hpp"
#include "evaluation/npy_file.hpp"
#include "fault_sites/campaign_sites.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "faults/fault_model_registry.hpp"
#include "model/onnx_loader.hpp"
#include "platform/output_file.hpp"
#include "report/text_format.hpp"

namespace flipguard::cli {
namespace {

std::string listed(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The one value of a list setting that a campaign config may hold several of: `flag` chooses, else the list
// must hold at most one.
template <typename T>
std::optional<T> one_of(const std::vector<T>& values, const std::string& flag, const std::string& what,
                        const std::function<std::string(const T&)>& text) {
  if (values.empty()) return std::nullopt;
  if (values.size() == 1) return values[0];
  std::vector<std::string> names;
  for (const auto& v : values) names.push_back(text(v));
  throw UsageError("the settings list " + std::to_string(values.size()) + " " + what + " (" + listed(names) +
                   "): choose one with " + flag);
}

// The fault list of a run, one JSON line per stored word its faults changed: the value, the image (dataset
// index and position in the run's order, which is its row n), the logical coordinates [n, c, h, w] (as many
// as the value has dims), the bits that changed, the words and the values before and after.
class FaultDump {
 public:
  FaultDump(const engine::Executor& ex, std::span<const std::size_t> images) {
    for (const auto& v : ex.written_values()) dims_[v.name] = v.dims;
    for (std::size_t i = 0; i < images.size(); ++i) position_[images[i]] = i;
  }
  void add(const fault_sites::ElementFault& f) {
    const auto& dims = dims_.at(f.value);
    std::vector<std::int64_t> index(dims.size(), 0);
    std::int64_t rest = f.element;
    for (std::size_t d = dims.size(); d-- > 1;) {
      index[d] = rest % dims[d];
      rest /= dims[d];
    }
    index[0] = static_cast<std::int64_t>(position_.at(f.image));
    std::vector<unsigned> bits;
    for (unsigned b = 0; b < 32; ++b)
      if ((f.word_before ^ f.word_after) >> b & 1u) bits.push_back(b);
    nlohmann::ordered_json j;
    j["value"] = f.value;
    j["image"] = f.image;
    j["index"] = index;
    j["element"] = f.element;
    j["bits"] = bits;
    j["word_before"] = f.word_before;
    j["word_after"] = f.word_after;
    // Non-finite reads as their names: JSON has no number for them.
    const auto number = [](float x) -> nlohmann::ordered_json {
      if (std::isfinite(x)) return x;
      return std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf");
    };
    j["before"] = number(f.before);
    j["after"] = number(f.after);
    text_ += j.dump() + "\n";
    ++count_;
  }
  const std::string& text() const { return text_; }
  std::int64_t count() const { return count_; }

 private:
  std::map<std::string, model::Dims> dims_;
  std::map<std::uint64_t, std::size_t> position_;
  std::string text_;
  std::int64_t count_ = 0;
};

int run(const Arguments& args) {
  const std::string out = args.value("--out");
  const std::string dump = args.value("--dump-faults");
  if (out.empty()) throw UsageError("--out FILE.npy is required");
  const auto& given = args.config;
  const auto format =
      one_of<std::string>(given.formats, "--format", "formats", [](const auto& s) { return s; });
  const auto protection =
      one_of<std::string>(given.protections, "--protection", "protections", [](const auto& s) { return s; });
  const auto ber = one_of<double>(given.bers, "--ber", "BERs", [](double b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", b);
    return std::string(buf);
  });
  const double trial_number = args.number("--trial", 0);
  if (!(trial_number >= 0 && trial_number <= 9e15 &&
        trial_number == static_cast<double>(static_cast<std::int64_t>(trial_number))))
    throw UsageError("--trial expects a whole number >= 0, got '" + args.value("--trial") + "'");
  const auto trial = static_cast<std::int64_t>(trial_number);
  // A kind without a rate (targeted bits) is faulty without --ber.
  const bool rateless = !campaign::fault_model(given.fault, 0.5).type().takes_rate;
  const bool faulty = (ber && *ber > 0) || (rateless && args.given.count("--fault"));
  if (args.has("--trial") && !faulty)
    throw UsageError(
        "--trial chooses which trial's faults are drawn: give a rate (--ber) or targeted "
        "faults (--fault) as well");
  if (faulty && !format) throw UsageError("faults need a storage format: give --format (and --protection)");
  if (protection && !format) throw UsageError("--protection needs --format");

  // The campaign's own setup for this one configuration: model, preprocessing and images in dataset order.
  campaign::CampaignConfig c = given;
  c.formats = {format.value_or("fp32")};
  c.protections = {protection.value_or("none")};
  c.bers = {faulty ? (ber && *ber > 0 ? *ber : 1.0) : 0.0};
  c.floor = 0;             // every image, in dataset order
  c.images_per_trial = 0;  // every image scored
  c.ci_target = 0;
  c.shard = 0;
  c.shards = 1;
  auto resolved = campaign::resolve_config(c, std::cerr);
  c = resolved.config;  // at the model's batch
  const auto setup = campaign::CampaignSetup::load(std::move(resolved));
  setup.log_skipped(std::cerr);
  const auto inputs = args.input_files(&setup.spec);
  platform::check_output_file(out, inputs, "the outputs");  // before the work, not after it
  if (!dump.empty()) {
    if (!faulty) throw UsageError("--dump-faults lists a trial's faults: give a rate (--ber) or --fault");
    platform::check_output_file(dump, inputs, "the fault list");
  }

  engine::Executor ex(campaign::load_graph(setup.spec), campaign::trial_executor_options(c));
  const auto site = fault_sites::select_campaign_sites(ex, c);
  if (setup.calibration.size() > 0) site->calibrate({&setup.calibration, setup.calibration_source});
  const auto model = campaign::fault_model(c.fault, c.bers[0]);
  site->check_targets(model);
  std::unique_ptr<fault_sites::SiteFaults> faults;
  fault_sites::TrialPatchStats stats;
  std::optional<FaultDump> dumped;
  if (format) {
    faults = site->configure(c.formats[0], c.protections[0]);
    if (!dump.empty()) {
      dumped.emplace(ex, setup.images.indices);
      if (!faults->log_faults([&dumped](const fault_sites::ElementFault& f) { dumped->add(f); }))
        throw UsageError(
            "--dump-faults lists faults applied while the model runs (site activations); "
            "site '" +
            c.site + "' draws its faults before the run");
    }
    if (faulty)
      stats = faults->inject({.model = model,
                              .seed = c.seed,
                              .trial = static_cast<std::uint64_t>(trial),
                              .images = setup.images.indices,
                              .cell_rate = c.bers[0]});
  }

  const auto& images = setup.images;
  const auto classes = ex.output_size();
  std::vector<float> logits(images.size() * static_cast<std::size_t>(classes));
  std::vector<float> scratch;
  std::size_t copied = 0;
  const auto eval =
      evaluation::evaluate_set(ex, images, scratch, [&](std::size_t done, const metrics::TopKCounts&) {
        const std::size_t values = (done - copied) * static_cast<std::size_t>(classes);
        std::copy(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(values),
                  logits.begin() + static_cast<std::ptrdiff_t>(copied * static_cast<std::size_t>(classes)));
        copied = done;
      });
  // Faults a site applied while the model ran are counted once it has.
  if (faults && faulty) stats += faults->restore();
  // scale@logits leaves the logits scaled by a known factor (Top-k is unchanged): the file holds the model's.
  if (faults && faults->output_scale() != 1)
    for (auto& v : logits) v = static_cast<float>(v / faults->output_scale());
  // A language model's logits keep their [sequences, length, vocab] shape.
  std::vector<std::int64_t> shape{static_cast<std::int64_t>(images.size()), classes};
  if (images.is_tokens()) {
    const auto length = static_cast<std::int64_t>(images.seq_len);
    shape = {shape[0], length, classes / length};
  }
  evaluation::write_npy(out, logits, shape, inputs);
  if (dumped) {
    const std::string_view parts[] = {dumped->text()};
    platform::write_output_file(dump, parts, inputs, "the fault list");
  }

  const auto& k = eval.counts;
  // With the outputs on standard output (--out /dev/stdout), the summary must not mix into them.
  std::FILE* report = platform::is_standard_output(out) ? stderr : stdout;
  std::fprintf(report, "model      %s (%s), data %s, %lld images\n", setup.spec.name.c_str(),
               setup.spec.onnx_path().c_str(), setup.base.data.c_str(), static_cast<long long>(k.images));
  if (format)
    std::fprintf(report, "%-10s %s / %s, %zu %s%s\n", c.site.c_str(), c.formats[0].c_str(),
                 c.protections[0].c_str(), site->targets().size(),
                 c.site == campaign::kDefaultSite ? "tensors" : "values", faulty ? "" : ", no faults");
  if (format && c.has_second_site())
    std::fprintf(report, "%-10s %s / %s, tensors %s, faults %s\n", c.second_site.c_str(),
                 c.second_format.c_str(), c.second_protection.c_str(), c.second_tensors.c_str(),
                 faulty ? c.second_fault_spec(c.bers[0]).c_str() : "none");
  if (faulty)
    std::fprintf(report, "faults     %s, seed %llu, trial %lld: %lld flips%s, %lld %s changed\n",
                 c.fault_spec(c.bers[0]).c_str(), static_cast<unsigned long long>(c.seed),
                 static_cast<long long>(trial), static_cast<long long>(stats.flips),
                 c.has_second_site()
                     ? (" (" + std::to_string(stats.second_flips) + " at " + c.second_site + ")").c_str()
                     : "",
                 static_cast<long long>(stats.changed_weights),
                 c.site == campaign::kDefaultSite && !c.has_second_site() ? "weights" : "values");
  if (dumped && c.has_second_site())
    std::fprintf(report,
                 "note       %s lists the faults applied while the model ran (activations); weight faults "
                 "are the draw of this seed and trial\n",
                 dump.c_str());
  // A target names its dataset image on activations: one this run does not evaluate changes nothing.
  if (faulty && c.site != campaign::kDefaultSite && stats.flips == 0 &&
      !faults::FaultModel::parse(c.fault_spec(c.bers[0])).targets.empty())
    std::fprintf(report,
                 "note       no target fell on an image this run evaluates (`flipguard run --dump-faults` "
                 "lists the dataset index of each image it faulted; --limit and --data choose the images)\n");
  if (images.is_tokens()) {
    const auto& t = eval.tokens;
    const auto share = [&](std::int64_t n) {
      return t.positions ? 100.0 * static_cast<double>(n) / static_cast<double>(t.positions) : 0.0;
    };
    std::fprintf(
        report,
        "perplexity %s over %lld positions, next-token top-1 %.2f %%, top-5 %.2f %%, %lld non-finite "
        "positions\n",
        report::format_amount(t.perplexity()).c_str(), static_cast<long long>(t.positions), share(t.top1),
        share(t.top5), static_cast<long long>(t.non_finite));
  } else if (images.labelled)
    std::fprintf(report, "top-1      %.2f %% (%lld), top-5 %.2f %%, %lld non-finite\n", k.top1_percent(),
                 static_cast<long long>(k.top1), k.top5_percent(), static_cast<long long>(k.non_finite));
  else  // nothing to score against: never a fake 0 %
    std::fprintf(report, "top-1      n/a (no labels), top-5 n/a (no labels), %lld non-finite\n",
                 static_cast<long long>(k.non_finite));
  std::string dims;
  for (const std::int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  std::fprintf(report, "logits     %s: float32 [%s]\n", out.c_str(), dims.c_str());
  return 0;
}

const RegisterCommand reg{
    {.name = "run",
     .summary = "a model's outputs on a dataset as a .npy file, optionally with faulted stored weights",
     .settings = campaign::kForRun,
     .config_file = true,
     .options = {{"--out", "FILE.npy",
                  "where the outputs go: float32 [images, classes], images in dataset order"},
                 {"--trial", "N",
                  "the trial whose faults are drawn (with --seed, as a campaign's trial N; default 0)"},
                 {"--dump-faults", "FILE.jsonl",
                  "activation faults: every stored word they changed, one JSON line each (value, image, "
                  "[n, c, h, w], bits, words and values before and after), for a tool that replays the run"}},
     .notes =
         "Without --format the model runs with its own fp32 weights. With --format (and --protection) its "
         "stored weights are read back through that configuration, as a campaign's clean record; with "
         "--ber as well, faults are drawn for --seed and --trial exactly as that campaign trial draws them. "
         "A --config study file may be given: a setting it lists several of (formats, protections, bers) is "
         "chosen with the flag.",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli

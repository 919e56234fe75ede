#include "fault_sites/faulty_weights.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>

#include "faults/sampler.hpp"
#include "hashing/fnv1a.hpp"
#include "memory/format.hpp"
#include "model/logit_scaling.hpp"
#include "platform/memory_budget.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::fault_sites {

struct FaultyWeights::Tensor {
  engine::WeightSlot* slot;
  protect::ProtectedTensor stored;
  std::vector<float> clean_read;  // fault-free read-back of this configuration
  std::uint64_t key;
  std::vector<std::uint64_t> patched;  // elements written into the executor by the current trial
  faults::AppliedFaults applied_data, applied_check;

  Tensor(engine::WeightSlot* s, const protect::ProtectionSpec& spec, const memory::Format& format,
         std::span<const float> weights)
      : slot(s),
        stored(spec, format, weights, static_cast<std::size_t>(s->dims().empty() ? 1 : s->dims()[0])),
        clean_read(stored.read_all()),
        key(FaultyWeights::tensor_key(s->name())) {}
};

std::uint64_t FaultyWeights::tensor_key(const std::string& name) {
  return hashing::fnv1a(hashing::kFnvOffset, name.data(),
                        name.size());  // stable across runs, machines and tensor selections
}

namespace {

// A clean model with a NaN or infinite stored weight has no meaningful fault campaign (weight scaling's
// max|W| is not a number, fixed point cannot encode it): refused, naming the model file and the tensor.
void require_finite(const engine::WeightSlot& slot, const std::string& model) {
  const auto clean = slot.clean();
  for (size_t i = 0; i < clean.size(); ++i)
    if (!std::isfinite(clean[i]))
      throw std::runtime_error(model + ": weight tensor '" + slot.name() + "' holds " +
                               (std::isnan(clean[i]) ? "NaN"
                                : clean[i] > 0       ? "+inf"
                                                     : "-inf") +
                               " at element " + std::to_string(i) + " of " + std::to_string(clean.size()) +
                               "; the model's stored weights must be finite to be faulted (re-export it, "
                               "or select the other tensors with a --tensors regex)");
}

}  // namespace

FaultyWeights::FaultyWeights(engine::Executor& executor, std::vector<engine::WeightSlot*> slots,
                             const std::string& format, const std::string& protection) try {
  for (const auto* s : slots) require_finite(*s, executor.graph().source);
  const memory::Format f = memory::Format::parse(format);
  const protect::ProtectionSpec spec = protect::ProtectionSpec::parse(protection);
  std::map<std::string, double> scale;
  if (spec.rescales_biases()) {
    std::map<std::string, float> max_abs;
    for (auto* s : slots) {
      float m = 0;
      for (float v : s->clean()) m = std::max(m, std::abs(v));
      max_abs[s->name()] = m;
    }
    const auto plan = model::plan_logit_scaling(executor.graph(), max_abs, spec.scale_target(f));
    scale = plan.weight_scale;
    output_scale_ = plan.output_scale;
    for (const auto& [bias, p] : plan.bias_scale) {
      engine::WeightSlot* slot = nullptr;
      for (auto& w : executor.weights())
        if (w->name() == bias) slot = w.get();
      if (!slot) throw std::logic_error("scale@logits: the executor exposes no slot for bias '" + bias + "'");
      std::vector<float> scaled(slot->clean().begin(), slot->clean().end());
      for (auto& v : scaled) v = static_cast<float>(v * p);
      slot->write_all(scaled);
      scaled_biases_.push_back(slot);
    }
  }
  for (auto* s : slots) {
    std::vector<float> weights(s->clean().begin(), s->clean().end());
    if (auto it = scale.find(s->name()); it != scale.end())
      for (auto& v : weights) v = static_cast<float>(v * it->second);
    tensors_.push_back(std::make_unique<Tensor>(s, spec, f, weights));
    s->write_all(tensors_.back()->clean_read);
  }
} catch (const std::bad_alloc&) {
  // Per weight: its stored words, clean stored copy and read-back float, at least 3 x 4 bytes.
  std::int64_t count = 0;
  for (const auto* s : slots) count += static_cast<std::int64_t>(s->clean().size());
  throw platform::out_of_memory("the stored weights of " + format + " / " + protection + " (" +
                                    std::to_string(count) + " weights, stored, clean and read back)",
                                platform::saturating_bytes(count, 12));
}

FaultyWeights::~FaultyWeights() {
  // The executor leaves as it came: its own clean weights and biases.
  for (auto* b : scaled_biases_) b->write_all(b->clean());
  for (auto& t : tensors_) t->slot->write_all(t->slot->clean());
}

double FaultyWeights::memory_overhead() const {
  double extra = 0, data = 0;
  for (const auto& t : tensors_) {
    extra += static_cast<double>(t->stored.extra_bits());
    data += static_cast<double>(t->stored.data_bits().size_bits());
  }
  return data > 0 ? extra / data : 0;
}

std::uint64_t FaultyWeights::data_bits() const {
  std::uint64_t n = 0;
  for (const auto& t : tensors_) n += t->stored.data_bits().size_bits();
  return n;
}

std::int64_t FaultyWeights::critical_words(const faults::FaultModel& model) const {
  std::int64_t n = 0;
  for (const auto& t : tensors_)
    if (faults::conditionable(model, t->stored.format().critical_bit()))
      n += static_cast<std::int64_t>(t->stored.size());
  return n;
}

TrialPatchStats FaultyWeights::inject(const faults::FaultModel& model, std::uint64_t seed,
                                      std::uint64_t trial, std::optional<CriticalCondition> condition) {
  // A conditioned trial first fixes which words take a critical fault, across all tensors at once.
  std::vector<std::vector<std::uint64_t>> critical_elements;
  if (condition) {
    std::vector<std::uint64_t> words;
    for (const auto& t : tensors_) {
      if (!faults::conditionable(model, t->stored.format().critical_bit()))
        throw std::invalid_argument("stratified trial: fault model '" + model.to_string() +
                                    "' does not give a binomial count on the critical bit of " +
                                    t->slot->name());
      words.push_back(t->stored.size());
    }
    faults::KeyedRng rng({seed, trial, 0, static_cast<std::uint64_t>(faults::Stream::kStrata)});
    const std::int64_t total = critical_words(model);
    const std::int64_t k = faults::conditioned_binomial(total, model.rate, condition->lo, condition->hi, rng);
    critical_elements = faults::place_uniformly(words, k, rng);
  }
  TrialPatchStats stats;
  for (std::size_t ti = 0; ti < tensors_.size(); ++ti) {
    auto& t = tensors_[ti];
    const unsigned width = t->stored.format().bits();
    const unsigned critical = t->stored.format().critical_bit();
    const bool binomial_critical = faults::conditionable(model, critical);
    const faults::SampleRegion data_region{t->stored.size(), width, t->slot->name()};
    const faults::RngKey data_key{seed, trial, t->key, static_cast<std::uint64_t>(faults::Stream::kData)};
    const auto data_map =
        condition ? faults::sample_conditioned(model, data_region, data_key, critical, critical_elements[ti])
                  : faults::sample_faults(model, data_region, data_key);
    t->applied_data = data_map.apply(t->stored.data_bits());
    if (binomial_critical) {
      stats.critical_words += static_cast<std::int64_t>(t->stored.size());
      for (const auto& f : data_map.faults())
        if (f.bit % width == critical) ++stats.critical_faults;
    }
    std::vector<std::uint64_t> check_changed;
    // A bit mask names bits of the weight words: the check bits stored beside them take no faults.
    if (t->stored.check_bits().size_bits() > 0 && model.bit_positions.empty()) {
      // Check bits are one-bit "elements" of their own region.
      const faults::SampleRegion check_region{t->stored.check_bits().size_bits(), 1, t->slot->name()};
      const auto check_map = faults::sample_faults(
          model, check_region, {seed, trial, t->key, static_cast<std::uint64_t>(faults::Stream::kCheck)});
      t->applied_check = check_map.apply(t->stored.check_bits());
      check_changed = t->applied_check.changed_bits();
    } else {
      t->applied_check = {};
    }
    const auto& data_changed = t->applied_data.changed_bits();
    stats.flips += static_cast<std::int64_t>(data_changed.size() + check_changed.size());
    if (data_changed.empty() && check_changed.empty()) continue;
    protect::EccCounts ecc;
    const auto reads = t->stored.read_touched(data_changed, check_changed, &ecc);
    stats.ecc_corrected += static_cast<std::int64_t>(ecc.corrected_data + ecc.corrected_check);
    stats.ecc_detected += static_cast<std::int64_t>(ecc.detected);
    for (const auto& r : reads) {
      const float clean = t->clean_read[r.index];
      if (std::memcmp(&clean, &r.value, sizeof(float)) == 0) continue;  // bitwise: NaN reads count as changed
      t->slot->write(static_cast<std::int64_t>(r.index), r.value);
      t->patched.push_back(r.index);
      ++stats.changed_weights;
    }
  }
  return stats;
}

TrialPatchStats FaultyWeights::inject(const TrialDraw& draw) {
  return inject(draw.model, draw.seed, draw.trial, draw.condition);
}

TrialPatchStats FaultyWeights::restore() {
  for (auto& t : tensors_) {
    for (auto i : t->patched) t->slot->write(static_cast<std::int64_t>(i), t->clean_read[i]);
    t->patched.clear();
    t->applied_check.undo(t->stored.check_bits());
    t->applied_data.undo(t->stored.data_bits());
    t->applied_check = {};
    t->applied_data = {};
  }
  return {};
}

}  // namespace flipguard::fault_sites

#include "protect/protected_tensor.hpp"

#include <algorithm>
#include <stdexcept>

#include "protect/protection_registry.hpp"

namespace flipguard::protect {

ProtectedTensor::ProtectedTensor(const ProtectionSpec& spec, const memory::Format& format,
                                 std::span<const float> weights, std::size_t channels)
    : spec_(spec) {
  if (channels == 0 || weights.size() % channels != 0)
    throw std::invalid_argument("protected tensor: " + std::to_string(weights.size()) +
                                " weights cannot be split into " + std::to_string(channels) +
                                " output channels");
  const auto parts = spec.parts();
  const auto input = [&](const ProtectionSpec::Part& part, std::span<const float> clean) {
    return ProtectionInput{spec, part.token, format, weights, channels, clean, &stored_};
  };
  std::vector<float> values(weights.begin(), weights.end());
  for (const auto& part : parts)
    if (part.type->stage == ProtectionStage::value_transform)
      if (auto layer = part.type->make_layer(input(part, {}))) {
        layer->write(values);
        transforms_.push_back(std::move(layer));
      }
  stored_ = memory::StoredTensor(format, values, channels);
  for (const auto& part : parts)
    if (part.type->stage == ProtectionStage::storage_code) code_ = part.type->make_code(input(part, {}));
  // Guards in read order, each built on the fault-free read through the layers before it.
  std::vector<const ProtectionSpec::Part*> guards;
  for (const auto& part : parts)
    if (part.type->stage == ProtectionStage::read_guard) guards.push_back(&part);
  std::stable_sort(guards.begin(), guards.end(),
                   [](const auto* a, const auto* b) { return a->type->guard_order < b->type->guard_order; });
  for (const auto* part : guards) {
    std::vector<float> clean;
    if (part->type->needs_clean_read) {
      clean = stored_.decode_all();
      finish_all(clean);
    }
    if (auto layer = part->type->make_layer(input(*part, clean))) guards_.push_back(std::move(layer));
  }
}

void ProtectedTensor::finish_all(std::span<float> values) const {
  if (transforms_.empty())
    for (float& v : values) v /= unit_;
  for (auto it = transforms_.rbegin(); it != transforms_.rend(); ++it) (*it)->read_all(values);
  for (const auto& guard : guards_) guard->read_all(values);
}

void ProtectedTensor::finish(std::span<ElementValue> elements) const {
  if (transforms_.empty())
    for (ElementValue& e : elements) e.value /= unit_;
  for (auto it = transforms_.rbegin(); it != transforms_.rend(); ++it) (*it)->read(elements);
  for (const auto& guard : guards_) guard->read(elements);
}

std::vector<float> ProtectedTensor::scale_factors() const {
  for (const auto& t : transforms_)
    if (const auto c = t->scale_factors(); !c.empty()) return {c.begin(), c.end()};
  return {1.0f};
}

float ProtectedTensor::scale_factor(std::size_t i) const {
  for (const auto& t : transforms_)
    if (const auto c = t->scale_factors(); !c.empty())
      return c.size() == 1 ? c[0] : c[i / (size() / c.size())];
  return 1.0f;
}

std::vector<float> ProtectedTensor::read_all(EccCounts* counts) const {
  std::vector<float> out(size());
  if (code_)
    code_->decode_all(stored_, out, counts);
  else
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = stored_.decode(i);
  finish_all(out);
  return out;
}

float ProtectedTensor::read(std::size_t i) const {
  if (i >= size())
    throw std::out_of_range("protected tensor: element " + std::to_string(i) + " of " +
                            std::to_string(size()));
  ElementValue e{i, code_ ? code_->decode(stored_, i) : stored_.decode(i)};
  finish({&e, 1});
  return e.value;
}

std::vector<ElementValue> ProtectedTensor::read_touched(std::span<const std::uint64_t> data_bits,
                                                        std::span<const std::uint64_t> check_bits,
                                                        EccCounts* counts) const {
  const std::uint64_t ndata = stored_.bits().size_bits();
  for (const std::uint64_t b : data_bits)
    if (b >= ndata)
      throw std::out_of_range("read_touched: data bit " + std::to_string(b) + " past the " +
                              std::to_string(ndata) + "-bit image");
  std::vector<ElementValue> out;
  if (!code_) {
    if (!check_bits.empty())
      throw std::invalid_argument("read_touched: check bits given but protection '" + spec_.to_string() +
                                  "' stores none");
    const unsigned wb = stored_.bits_per_element();
    std::vector<std::uint64_t> elems;
    elems.reserve(data_bits.size());
    for (const std::uint64_t b : data_bits) elems.push_back(b / wb);
    std::sort(elems.begin(), elems.end());
    elems.erase(std::unique(elems.begin(), elems.end()), elems.end());
    out.reserve(elems.size());
    for (const std::uint64_t i : elems) out.push_back({i, stored_.decode(i)});
  } else {
    const std::uint64_t ncheck = code_->check_bits().size_bits();
    for (const std::uint64_t b : check_bits)
      if (b >= ncheck)
        throw std::out_of_range("read_touched: check bit " + std::to_string(b) + " past the " +
                                std::to_string(ncheck) + "-bit check image");
    out = code_->decode_touched(stored_, data_bits, check_bits, counts);
  }
  finish(out);
  return out;
}

std::vector<ProtectionCost> ProtectedTensor::costs() const {
  std::vector<ProtectionCost> out;
  for (const auto& t : transforms_) out.push_back(t->cost());
  out.push_back({"format " + format().name(), 0, 32 * stored_.scales().size(),
                 format().is_int8() ? "1 multiply per weight" : "decode per weight"});
  if (code_) out.push_back(code_->cost());
  for (const auto& g : guards_) out.push_back(g->cost());
  return out;
}

double ProtectedTensor::memory_overhead() const {
  const std::uint64_t n = stored_.bits().size_bits();
  return n == 0 ? 0.0 : static_cast<double>(extra_bits()) / static_cast<double>(n);
}

}  // namespace flipguard::protect

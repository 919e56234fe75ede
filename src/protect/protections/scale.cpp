// Weight scaling: scale[=T], scale-channel[=T] (weight_scaling.hpp) and scale@logits[=T]
// (model/logit_scaling.hpp), a value transform: W*c is stored, and a read divides by c.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "protect/protection_spec.hpp"
#include "protect/protection_type.hpp"

namespace flipguard::protect {
namespace protections {
namespace {

constexpr std::array<std::string_view, 3> kWords = {"scale", "scale-channel", "scale@logits"};

// Weight scaling reads t as a float, scale@logits as a double, as each always has: canonical strings stay
// those of earlier results files ("scale@logits=0.3", not "=0.300000012").
template <typename T>
double parse_target(const std::string& value) {
  std::size_t used = 0;
  T t = 0;
  try {
    if constexpr (std::is_same_v<T, float>)
      t = std::stof(value, &used);
    else
      t = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || !(t > 0) || !std::isfinite(t))
    throw std::invalid_argument("scale target must be a positive number, got '" + value + "'");
  return t;
}

void parse(std::string_view word, std::string_view options, ProtectionSpec& spec) {
  ProtectionSpec::Scaling sc;
  sc.at_logits = word == "scale@logits";
  sc.granularity = word == "scale-channel" ? Granularity::per_channel : Granularity::per_tensor;
  if (!options.empty()) {
    if (options[0] != '=')
      throw std::invalid_argument("a scale target follows '=': " + std::string(word) + "=T");
    const std::string value(options.substr(1));
    sc.target = sc.at_logits ? parse_target<double>(value) : parse_target<float>(value);
  }
  spec.scaling = sc;
}

std::string format(const ProtectionSpec& spec) {
  if (!spec.scaling) return "";
  const auto& sc = *spec.scaling;
  std::string p = sc.at_logits                                ? "scale@logits"
                  : sc.granularity == Granularity::per_tensor ? "scale"
                                                              : "scale-channel";
  if (sc.target) {
    std::ostringstream os;
    os.precision(9);
    if (sc.at_logits)
      os << *sc.target;
    else
      os << static_cast<float>(*sc.target);
    p += '=';
    p += os.str();
  }
  return p;
}

void check_format(const ProtectionSpec& spec, const memory::Format& format) {
  const double t = spec.scale_target(format);
  if (t > 0 && !format.is_int8() && t > static_cast<double>(format.max_abs())) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "': scale target t = %g exceeds the largest value of %s (%g)", t,
                  format.name().c_str(), static_cast<double>(format.max_abs()));
    throw std::invalid_argument("protection '" + spec.to_string() + buf);
  }
}

// Divides each read by its factor c (one, or one per output channel). INT8 maps max|W| to 127 whatever W was
// multiplied by first, so its c stays 1: the layer is a no-op there, kept to say so in the costs.
class Unscale final : public ElementwiseLayer<Unscale> {
 public:
  Unscale(const ProtectionInput& in, Granularity granularity)
      : granularity_(granularity), int8_(in.format.is_int8()) {
    per_channel_ = std::max<std::size_t>(1, in.weights.size() / in.channels);
    if (!int8_)
      c_ = scaling_factors(in.weights, in.channels, granularity,
                           static_cast<float>(in.spec.scale_target(in.format)));
  }

  float factor(std::size_t i) const { return c_.size() == 1 ? c_[0] : c_[i / per_channel_]; }
  float read_one(std::size_t i, float v) const { return v / factor(i); }

  // Block by block: the factor of element i is that of block i / per_channel_, without dividing each i.
  void read_all(std::span<float> values) const override {
    for (std::size_t b = 0, i = 0; i < values.size(); ++b) {
      const float c = c_.size() == 1 ? c_[0] : c_[b];
      for (const std::size_t end = std::min(values.size(), i + per_channel_); i < end; ++i) values[i] /= c;
    }
  }
  void write(std::span<float> values) const override {
    if (int8_) return;
    for (std::size_t i = 0; i < values.size(); ++i) values[i] *= factor(i);
  }
  std::span<const float> scale_factors() const override { return c_; }
  ProtectionCost cost() const override {
    if (int8_) return {"scale", 0, 0, "none: a no-op for int8, whose own scale already maps max|W| to 127"};
    return {granularity_ == Granularity::per_tensor ? "scale" : "scale-channel", 0, 32 * c_.size(),
            "1 division per weight"};
  }

 private:
  Granularity granularity_;
  bool int8_;
  std::size_t per_channel_ = 1;
  std::vector<float> c_{1.0f};
};

std::unique_ptr<ValueLayer> make_layer(const ProtectionInput& in) {
  const auto& sc = *in.spec.scaling;
  // scale@logits weights arrive scaled and are read back scaled: nothing to undo here.
  if (sc.at_logits) return nullptr;
  return std::make_unique<Unscale>(in, sc.granularity);
}

}  // namespace

extern constinit const ProtectionType weight_scaling{
    .name = "scale",
    .title = "weight scaling",
    .words = kWords,
    .syntax = "scale[=T], scale-channel[=T], scale@logits[=T]",
    .summary =
        "weight scaling: W*c is stored with c = T/max|W| (per tensor, or per output channel), a read "
        "divides by c; scale@logits keeps the weights scaled through the network and divides only the "
        "logits. T defaults to the format's largest value (fixed point) or the largest below 2 (floats)",
    .example = "scale-channel=3",
    .stage = ProtectionStage::value_transform,
    .takes_options = true,
    .parse = parse,
    .format = format,
    .check_format = check_format,
    .make_layer = make_layer,
};

}  // namespace protections
}  // namespace flipguard::protect

// Formats and protections on numpy arrays: a user's own tensor, stored, faulted and read back without a
// campaign. Patterns are unsigned integers of the format's width (uint8, uint16, uint32).
#include <pybind11/numpy.h>
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "faults/fault_model.hpp"
#include "faults/fault_model_registry.hpp"
#include "faults/sampler.hpp"
#include "hashing/fnv1a.hpp"
#include "memory/format.hpp"
#include "protect/protected_tensor.hpp"
#include "protect/protection_registry.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace flipguard::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

std::vector<py::ssize_t> shape_of(const py::array& a) {
  return std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim());
}

// An array of `shape` holding the patterns, in the narrowest unsigned type of the format's width.
py::array pattern_array(const memory::Format& format, const std::vector<py::ssize_t>& shape,
                        const std::vector<std::uint32_t>& patterns) {
  auto fill = [&](auto zero) {
    using U = decltype(zero);
    py::array_t<U> out(shape);
    U* p = out.mutable_data();
    for (size_t i = 0; i < patterns.size(); ++i) p[i] = static_cast<U>(patterns[i]);
    return py::array(out);
  };
  if (format.bits() <= 8) return fill(std::uint8_t{});
  if (format.bits() <= 16) return fill(std::uint16_t{});
  return fill(std::uint32_t{});
}

// Patterns given as any integer array; each must fit the format's width.
std::vector<std::uint32_t> read_patterns(const memory::Format& format, const py::array& given) {
  if (given.dtype().kind() != 'u' && given.dtype().kind() != 'i')
    throw py::type_error("decode: patterns must be an integer array (got dtype " +
                         std::string(py::str(given.dtype())) + ")");
  using Wide = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
  const Wide wide =
      Wide::ensure(given.dtype().kind() == 'u' && given.itemsize() == 8 ? given.attr("astype")("int64")
                                                                        : py::object(given));
  if (!wide) throw py::error_already_set();
  const std::int64_t limit = std::int64_t{1} << format.bits();
  std::vector<std::uint32_t> out(static_cast<size_t>(wide.size()));
  const std::int64_t* p = wide.data();
  for (size_t i = 0; i < out.size(); ++i) {
    if (p[i] < 0 || p[i] >= limit)
      throw py::value_error("decode: pattern " + std::to_string(p[i]) + " (element " + std::to_string(i) +
                            ") does not fit the " + std::to_string(format.bits()) + " bits of " +
                            format.name());
    out[i] = static_cast<std::uint32_t>(p[i]);
  }
  return out;
}

void check_scale(const memory::Format& format, float scale, const char* what) {
  if (!format.is_int8() && scale != 1.0f)
    throw py::value_error(std::string(what) + ": scale applies to int8 formats only, not " + format.name());
  if (!(scale > 0) || !std::isfinite(scale))
    throw py::value_error(std::string(what) + ": scale must be a positive finite number");
}

py::array encode(const memory::Format& format, const FloatArray& values, float scale) {
  check_scale(format, scale, "encode");
  std::vector<std::uint32_t> patterns(static_cast<size_t>(values.size()));
  const float* v = values.data();
  for (size_t i = 0; i < patterns.size(); ++i) {
    if ((format.is_fixed() || format.is_int8()) && std::isnan(v[i]))
      throw py::value_error("encode: element " + std::to_string(i) + " is NaN, which " + format.name() +
                            " cannot store");
    patterns[i] = format.encode(v[i], scale);
  }
  return pattern_array(format, shape_of(values), patterns);
}

py::array_t<float> decode(const memory::Format& format, const py::array& patterns, float scale) {
  check_scale(format, scale, "decode");
  const auto bits = read_patterns(format, patterns);
  py::array_t<float> out(shape_of(patterns));
  float* o = out.mutable_data();
  for (size_t i = 0; i < bits.size(); ++i) o[i] = format.decode(bits[i], scale);
  return out;
}

// A user's tensor behind a protection: its stored bits can be flipped or faulted, and read back.
class StudyTensor {
 public:
  StudyTensor(const FloatArray& weights, const memory::Format& format, const std::string& protection,
              std::optional<std::size_t> channels, std::string name)
      : shape_(shape_of(weights)),
        name_(std::move(name)),
        tensor_(protect::ProtectionSpec::parse(protection), format,
                std::span<const float>(weights.data(), static_cast<size_t>(weights.size())),
                channels.value_or(weights.ndim() >= 2 ? static_cast<size_t>(weights.shape(0)) : 1)),
        clean_data_(tensor_.data_bits()),
        clean_check_(tensor_.check_bits()) {
    if (weights.size() == 0) throw py::value_error("ProtectedTensor: the tensor is empty");
  }

  const std::vector<py::ssize_t>& shape() const { return shape_; }
  const protect::ProtectedTensor& tensor() const { return tensor_; }

  py::array patterns() const {
    std::vector<std::uint32_t> p(tensor_.size());
    for (size_t i = 0; i < p.size(); ++i) p[i] = tensor_.stored().pattern(i);
    return pattern_array(tensor_.format(), shape_, p);
  }

  // Flips the given bits of the data (or check) image; a bit given twice flips back.
  void flip(const std::vector<std::uint64_t>& bits, bool check) {
    memory::BitImage& image = check ? tensor_.check_bits() : tensor_.data_bits();
    for (const auto b : bits)
      if (b >= image.size_bits())
        throw py::index_error("flip: bit " + std::to_string(b) + " is outside the " +
                              std::to_string(image.size_bits()) + (check ? " check bits" : " data bits") +
                              " of the tensor");
    for (const auto b : bits) image.flip(b);
  }

  void flip_elements(const std::vector<std::uint64_t>& elements, const std::vector<unsigned>& bits) {
    if (elements.size() != bits.size())
      throw py::value_error("flip_elements: " + std::to_string(elements.size()) + " elements but " +
                            std::to_string(bits.size()) + " bits");
    const unsigned width = tensor_.format().bits();
    std::vector<std::uint64_t> global;
    for (size_t i = 0; i < elements.size(); ++i) {
      if (elements[i] >= tensor_.size())
        throw py::index_error("flip_elements: element " + std::to_string(elements[i]) + " is outside the " +
                              std::to_string(tensor_.size()) + " elements of the tensor");
      if (bits[i] >= width)
        throw py::index_error("flip_elements: bit " + std::to_string(bits[i]) + " is outside the " +
                              std::to_string(width) + " bits of " + tensor_.format().name());
      global.push_back(elements[i] * width + bits[i]);
    }
    flip(global, false);
  }

  // The faults of `fault` for (seed, trial), drawn as a campaign draws them for a tensor of this name: data
  // bits from stream kData, check bits (one-bit elements) from kCheck.
  py::dict inject(const std::string& fault, std::uint64_t seed, std::uint64_t trial) {
    const auto model = faults::FaultModel::parse(fault);
    const std::uint64_t key = hashing::fnv1a(hashing::kFnvOffset, name_.data(), name_.size());
    const faults::SampleRegion data_region{tensor_.size(), tensor_.format().bits(), name_};
    const auto data_map =
        faults::sample_faults(model, data_region, {seed, trial, key, std::uint64_t(faults::Stream::kData)});
    const auto data_changed = data_map.apply(tensor_.data_bits()).changed_bits();
    std::size_t check_changed = 0;
    if (tensor_.check_bits().size_bits() > 0) {
      const faults::SampleRegion check_region{tensor_.check_bits().size_bits(), 1, name_};
      const auto check_map = faults::sample_faults(model, check_region,
                                                   {seed, trial, key, std::uint64_t(faults::Stream::kCheck)});
      check_changed = check_map.apply(tensor_.check_bits()).changed_bits().size();
    }
    return py::dict("data"_a = data_changed.size(), "check"_a = check_changed);
  }

  py::array_t<float> read() {
    protect::EccCounts counts;
    std::vector<float> values;
    {
      py::gil_scoped_release release;
      values = tensor_.read_all(&counts);
    }
    ecc_ = counts;
    py::array_t<float> out(shape_);
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
  }

  py::dict ecc() const {
    return py::dict("words"_a = ecc_.words, "corrected_data"_a = ecc_.corrected_data,
                    "corrected_check"_a = ecc_.corrected_check, "detected"_a = ecc_.detected);
  }

  void reset() {
    tensor_.data_bits() = clean_data_;
    tensor_.check_bits() = clean_check_;
    ecc_ = {};
  }

  std::size_t changed_bits() const {
    std::size_t n = 0;
    auto count = [&n](const memory::BitImage& now, const memory::BitImage& clean) {
      for (size_t w = 0; w < now.words().size(); ++w) n += std::popcount(now.words()[w] ^ clean.words()[w]);
    };
    count(tensor_.data_bits(), clean_data_);
    count(tensor_.check_bits(), clean_check_);
    return n;
  }

 private:
  std::vector<py::ssize_t> shape_;
  std::string name_;
  protect::ProtectedTensor tensor_;
  memory::BitImage clean_data_, clean_check_;
  protect::EccCounts ecc_;
};

// inject()'s docstring, listing the registry's fault model kinds.
const char* inject_doc() {
  static const std::string doc = [] {
    std::string kinds;
    for (const auto* t : faults::fault_model_types()) kinds += (kinds.empty() ? "" : ", ") + t->spec_syntax();
    return "Applies the faults a fault model spec (" + kinds +
           ") draws for (seed, trial); returns the bits changed, {'data': n, 'check': n}.";
  }();
  return doc.c_str();
}

}  // namespace

void bind_formats(py::module_& m) {
  py::class_<memory::Format>(m, "Format",
                             "A storage format: fp32, fp16, bf16, qM.N (fixed point), int8, int8-channel.")
      .def(py::init([](const std::string& name) { return memory::Format::parse(name); }), "name"_a)
      .def_property_readonly("name", &memory::Format::name)
      .def_property_readonly("bits", &memory::Format::bits, "bits per stored element")
      .def_property_readonly("max_abs", &memory::Format::max_abs,
                             "largest finite magnitude an encode can give (int8: in units of the scale)")
      .def_property_readonly("critical_bit", &memory::Format::critical_bit,
                             "the bit whose flip does the most damage (top exponent bit, or the sign)")
      .def_property_readonly(
          "layout",
          [](const memory::Format& f) {
            py::list fields;
            for (const auto& b : f.layout())
              fields.append(py::make_tuple(std::string(to_string(b.role)), b.lo, b.hi));
            return fields;
          },
          "fields from the most significant bit down: (role, lowest bit, highest bit)")
      .def(
          "role_of",
          [](const memory::Format& f, unsigned bit) { return std::string(to_string(f.role_of(bit))); },
          "bit"_a)
      .def(
          "encode", &encode, "values"_a, "scale"_a = 1.0f,
          "Stored patterns of float32 values (round to nearest even; floats overflow to inf, fixed point and "
          "int8 saturate). `scale` is the int8 scale (value = integer x scale).")
      .def("decode", &decode, "patterns"_a, "scale"_a = 1.0f,
           "Values (float32) that stored patterns read back as; every pattern must fit the format's width.")
      .def(py::self == py::self)
      .def("__hash__", [](const memory::Format& f) { return py::hash(py::str(f.name())); })
      .def("__str__", &memory::Format::name)
      .def("__repr__", [](const memory::Format& f) { return "Format('" + f.name() + "')"; });
  py::implicitly_convertible<py::str, memory::Format>();

  // The docstring names the registry's protections; pybind keeps the pointer, so the text lives as long.
  static const std::string tensor_doc =
      "A tensor stored in a format behind a protection (" + protect::protection_titles() +
      "): flip or fault its stored bits, read it back. Protections: " + protect::protection_forms() +
      ", joined by '+'.";
  py::class_<StudyTensor>(m, "ProtectedTensor", tensor_doc.c_str())
      .def(py::init<const FloatArray&, const memory::Format&, const std::string&, std::optional<std::size_t>,
                    std::string>(),
           "weights"_a, "format"_a, "protection"_a = "none", "channels"_a = py::none(), "name"_a = "",
           "channels: output channels (axis 0) for per-channel scaling, clipping and int8-channel; default "
           "shape[0] for 2-D and larger tensors. name: keys inject()'s fault streams as a campaign keys the "
           "stored weight of that name.")
      .def_property_readonly("shape", [](const StudyTensor& t) { return py::tuple(py::cast(t.shape())); })
      .def_property_readonly("size", [](const StudyTensor& t) { return t.tensor().size(); })
      .def_property_readonly("format", [](const StudyTensor& t) { return t.tensor().format(); })
      .def_property_readonly("protection", [](const StudyTensor& t) { return t.tensor().spec().to_string(); })
      .def_property_readonly("data_bits",
                             [](const StudyTensor& t) { return t.tensor().data_bits().size_bits(); })
      .def_property_readonly("check_bits",
                             [](const StudyTensor& t) { return t.tensor().check_bits().size_bits(); })
      .def_property_readonly("memory_overhead",
                             [](const StudyTensor& t) { return t.tensor().memory_overhead(); })
      .def_property_readonly(
          "scale_factors",
          [](const StudyTensor& t) { return py::array(py::cast(t.tensor().scale_factors())); },
          "weight scaling's factors c (one, or one per channel; 1 without scaling)")
      .def_property_readonly(
          "int8_scales",
          [](const StudyTensor& t) { return py::array(py::cast(t.tensor().stored().scales())); },
          "int8 formats' scales (metadata outside the faulty memory); empty otherwise")
      .def_property_readonly(
          "costs",
          [](const StudyTensor& t) {
            py::list out;
            for (const auto& c : t.tensor().costs())
              out.append(py::dict("name"_a = c.name, "extra_bits"_a = c.extra_bits,
                                  "metadata_bits"_a = c.metadata_bits, "read_work"_a = c.read_work));
            return out;
          })
      .def("patterns", &StudyTensor::patterns, "the stored data patterns, shaped like the tensor")
      .def("flip", &StudyTensor::flip, "bits"_a, "check"_a = false,
           "Flips stored bits by index (element i holds data bits [i*w, (i+1)*w), bit 0 its LSB); check=True "
           "flips ECC check bits instead.")
      .def("flip_elements", &StudyTensor::flip_elements, "elements"_a, "bits"_a,
           "Flips bit bits[k] of element elements[k], for each k.")
      .def("inject", &StudyTensor::inject, "fault"_a, "seed"_a = 1, "trial"_a = 0, inject_doc())
      .def("read", &StudyTensor::read, "every element through the protection's read path (float32)")
      .def_property_readonly("ecc", &StudyTensor::ecc, "SECDED outcomes of the last read()")
      .def("changed_bits", &StudyTensor::changed_bits, "stored bits that differ from the fault-free image")
      .def("reset", &StudyTensor::reset, "puts the fault-free stored bits back");
}

}  // namespace flipguard::python

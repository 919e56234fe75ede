#include "faults/fault_map.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "platform/input_file.hpp"

namespace flipguard::faults {

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::kFlip:
      return "flip";
    case FaultKind::kStuck0:
      return "stuck0";
    case FaultKind::kStuck1:
      return "stuck1";
  }
  return "invalid";
}

FaultMap::FaultMap(std::uint64_t region_bits, std::vector<Fault> faults)
    : region_bits_(region_bits), faults_(std::move(faults)) {
  // Samplers emit sorted lists; only sort when needed so building a map stays O(K).
  const auto by_bit = [](const Fault& a, const Fault& b) { return a.bit < b.bit; };
  if (!std::is_sorted(faults_.begin(), faults_.end(), by_bit))
    std::sort(faults_.begin(), faults_.end(), by_bit);
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    if (faults_[i].bit >= region_bits_) {
      throw std::out_of_range("FaultMap: fault at bit " + std::to_string(faults_[i].bit) +
                              " is outside the region of " + std::to_string(region_bits_) + " bits");
    }
    if (i > 0 && faults_[i].bit == faults_[i - 1].bit) {
      throw std::invalid_argument("FaultMap: bit " + std::to_string(faults_[i].bit) +
                                  " has more than one fault (a map holds at most one fault per bit)");
    }
  }
}

std::vector<std::uint64_t> FaultMap::touched_elements(unsigned width) const {
  if (width == 0)
    throw std::invalid_argument("FaultMap::touched_elements: element width must be at least 1 bit");
  std::vector<std::uint64_t> elements;
  elements.reserve(faults_.size());
  for (const Fault& f : faults_) {
    const std::uint64_t e = f.bit / width;
    if (elements.empty() || elements.back() != e) elements.push_back(e);
  }
  return elements;
}

AppliedFaults FaultMap::apply(memory::BitImage& image, std::uint64_t base) const {
  if (base > image.size_bits() || region_bits_ > image.size_bits() - base) {
    throw std::out_of_range("FaultMap::apply: region [" + std::to_string(base) + ", " + std::to_string(base) +
                            "+" + std::to_string(region_bits_) + ") does not fit in an image of " +
                            std::to_string(image.size_bits()) + " bits");
  }
  std::vector<std::uint64_t> changed;
  changed.reserve(faults_.size());
  auto& words = image.words();
  for (const Fault& f : faults_) {
    const std::uint64_t b = base + f.bit;
    std::uint64_t& word = words[b >> 6];
    const std::uint64_t mask = std::uint64_t{1} << (b & 63);
    const bool was_set = (word & mask) != 0;
    bool changes = true;
    if (f.kind == FaultKind::kStuck0) changes = was_set;
    if (f.kind == FaultKind::kStuck1) changes = !was_set;
    if (changes) {
      word ^= mask;
      changed.push_back(f.bit);
    }
  }
  return AppliedFaults(base, std::move(changed));
}

void FaultMap::write(std::ostream& out) const {
  out << "flipguard-faultmap 1\n";
  out << "region_bits " << region_bits_ << "\n";
  out << "faults " << faults_.size() << "\n";
  for (const Fault& f : faults_) out << f.bit << ' ' << to_string(f.kind) << '\n';
}

namespace {

// Reads the meaningful lines of a fault-map file, remembering line numbers for error messages.
class LineReader {
 public:
  LineReader(std::istream& in, const std::string& name) : in_(in), name_(name) {}

  // Next non-blank, non-comment line split into words; false at end of input.
  bool next(std::vector<std::string>& words) {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      std::istringstream ss(line);
      words.clear();
      for (std::string w; ss >> w;) words.push_back(w);
      return true;
    }
    return false;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error(name_ + ":" + std::to_string(line_no_) + ": " + problem);
  }

  std::uint64_t parse_u64(const std::string& text, const char* what) const {
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      fail(std::string("expected ") + what + " as a non-negative integer, got '" + text + "'");
    }
    return v;
  }

 private:
  std::istream& in_;
  const std::string& name_;
  std::size_t line_no_ = 0;
};

FaultKind parse_kind(const LineReader& r, const std::string& text) {
  if (text == "flip") return FaultKind::kFlip;
  if (text == "stuck0") return FaultKind::kStuck0;
  if (text == "stuck1") return FaultKind::kStuck1;
  r.fail("unknown fault kind '" + text + "' (expected flip, stuck0 or stuck1)");
}

}  // namespace

FaultMap FaultMap::read(std::istream& in, const std::string& name) {
  LineReader r(in, name);
  std::vector<std::string> w;
  if (!r.next(w)) r.fail("empty file, expected header 'flipguard-faultmap 1'");
  if (w.size() != 2 || w[0] != "flipguard-faultmap") r.fail("expected header 'flipguard-faultmap 1'");
  if (w[1] != "1") r.fail("unsupported fault-map version '" + w[1] + "' (this build reads version 1)");

  if (!r.next(w) || w.size() != 2 || w[0] != "region_bits") r.fail("expected 'region_bits <N>'");
  const std::uint64_t region = r.parse_u64(w[1], "region_bits");
  if (!r.next(w) || w.size() != 2 || w[0] != "faults") r.fail("expected 'faults <K>'");
  const std::uint64_t count = r.parse_u64(w[1], "fault count");

  FaultMap map;
  map.region_bits_ = region;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!r.next(w)) {
      r.fail("file ends after " + std::to_string(i) + " faults, header announced " + std::to_string(count));
    }
    if (w.size() != 2) r.fail("expected '<bit> <flip|stuck0|stuck1>'");
    const std::uint64_t bit = r.parse_u64(w[0], "bit index");
    if (bit >= region) {
      r.fail("bit " + std::to_string(bit) + " is outside the region of " + std::to_string(region) + " bits");
    }
    if (!map.faults_.empty() && bit <= map.faults_.back().bit) {
      r.fail("bit " + std::to_string(bit) + " is not after the previous bit " +
             std::to_string(map.faults_.back().bit) + " (bits must be strictly increasing)");
    }
    map.faults_.push_back({bit, parse_kind(r, w[1])});
  }
  if (r.next(w)) r.fail("unexpected content after the " + std::to_string(count) + " announced faults");
  return map;
}

void FaultMap::save(const std::string& path) const {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("FaultMap::save: cannot open '" + path + "' for writing");
  write(out);
  out.flush();
  if (!out) throw std::runtime_error("FaultMap::save: write to '" + path + "' failed");
}

FaultMap FaultMap::load(const std::string& path) {
  std::istringstream in(platform::read_regular_file(path, "a fault map file"));
  return read(in, path);
}

}  // namespace flipguard::faults

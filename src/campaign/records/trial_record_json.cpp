// The trial record's JSON form from one field table: each field is named once, with its key, its member and
// its type, and the table both writes and reads it. Groups say when their fields are in a record (a nested
// object, the counts of labelled data, the SDC measures) so that files of every earlier version still read.
#include "campaign/records/trial_record_json.hpp"

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace flipguard::campaign {
namespace {

using nlohmann::json;

// A field's member, by its type: integers are read strictly (JSON integers that fit), numbers as any JSON
// number, the metric and the interval method by their ids.
struct NullableNumber {
  double* value;  // +inf is written as null, and null read as +inf
};
using FieldRef = std::variant<int*, std::int64_t*, std::uint64_t*, double*, NullableNumber, bool*,
                              std::string*, Metric*, stats::IntervalMethod*>;

struct RecordField {
  const char* key;
  FieldRef (*member)(TrialRecord&);
  // Written only when this holds (nullptr: always); read whenever present.
  bool (*written)(const TrialRecord&) = nullptr;
  // What the field reads as when absent while its group is in (files written before it existed, or a field
  // written only when set); nullopt: required.
  std::optional<json> absent = std::nullopt;
  // Checked as soon as the field is read (nullptr: nothing), before the fields after it.
  void (*check)(const TrialRecord&) = nullptr;
};

// When a group's fields are in a record.
enum class GroupIn {
  always,
  object,    // its object is present
  labelled,  // the record is of labelled data (an unlabelled record must not hold them)
  first_key  // its first key is present, which the group's flag records
};

struct FieldGroup {
  std::vector<const char*> object = {};  // the nested object's path; empty: the record's own level
  GroupIn in = GroupIn::always;
  bool (*written)(const TrialRecord&) = nullptr;  // nullptr: always
  bool& (*flag)(TrialRecord&) = nullptr;          // GroupIn::first_key: set to whether the group is in
  std::vector<RecordField> fields = {};
};

template <typename T>
void get_integer(const json& v, const char* key, T& out) {
  // Counts must be JSON integers that fit: nlohmann's get_to turns 1.5 into 1 and -5 into 2^64 - 5, and
  // converting 1e300 to an integer is undefined behaviour.
  bool fits = false;
  if (v.is_number_unsigned()) {
    const auto x = v.get<std::uint64_t>();
    fits = std::in_range<T>(x);
    if (fits) out = static_cast<T>(x);
  } else if (v.is_number_integer()) {
    const auto x = v.get<std::int64_t>();
    fits = std::in_range<T>(x);
    if (fits) out = static_cast<T>(x);
  } else {
    throw std::runtime_error(std::string("field '") + key + "' must be an integer, got " + v.dump());
  }
  if (!fits) throw std::runtime_error(std::string("field '") + key + "' is out of range: " + v.dump());
}

void get_number(const json& v, const char* key, double& out) {
  if (!v.is_number())
    throw std::runtime_error(std::string("field '") + key + "' must be a number, got " + v.dump());
  out = v.get<double>();
}

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;  // clang 14 does not deduce an aggregate's arguments without it

void read_value(const json& v, const char* key, const FieldRef& ref) {
  std::visit(
      Overloaded{[&](int* m) { get_integer(v, key, *m); }, [&](std::int64_t* m) { get_integer(v, key, *m); },
                 [&](std::uint64_t* m) { get_integer(v, key, *m); },
                 [&](double* m) { get_number(v, key, *m); },
                 [&](NullableNumber m) {
                   *m.value = std::numeric_limits<double>::infinity();
                   if (!v.is_null()) get_number(v, key, *m.value);
                 },
                 [&](bool* m) { *m = v.get<bool>(); }, [&](std::string* m) { v.get_to(*m); },
                 [&](Metric* m) { *m = parse_metric(v.get<std::string>()); },
                 [&](stats::IntervalMethod* m) { *m = stats::parse_interval_method(v.get<std::string>()); }},
      ref);
}

json write_value(const FieldRef& ref) {
  return std::visit(
      Overloaded{[](int* m) { return json(*m); }, [](std::int64_t* m) { return json(*m); },
                 [](std::uint64_t* m) { return json(*m); }, [](double* m) { return json(*m); },
                 [](NullableNumber m) { return std::isfinite(*m.value) ? json(*m.value) : json(); },
                 [](bool* m) { return json(*m); }, [](std::string* m) { return json(*m); },
                 [](Metric* m) { return json(to_string(*m)); },
                 [](stats::IntervalMethod* m) { return json(stats::to_string(*m)); }},
      ref);
}

void check_version(const TrialRecord& r) {
  if (r.version != kRecordVersion)
    throw std::runtime_error("results record version " + std::to_string(r.version) +
                             " is not supported (expected " + std::to_string(kRecordVersion) + ")");
}

// The table. A field's member is reached through a lambda so that members of the record's stopping rule sit
// beside its own.
#define FG_MEMBER(expr) [](TrialRecord& r) -> FieldRef { return &r.expr; }
const std::vector<FieldGroup>& record_groups() {
  static const std::vector<FieldGroup> groups = {
      {.fields =
           {
               {"version", FG_MEMBER(version), nullptr, std::nullopt, check_version},
               {"campaign", FG_MEMBER(campaign)},
               {"model", FG_MEMBER(model)},
               {"model_sha256", FG_MEMBER(model_sha256)},
               {"data", FG_MEMBER(data)},
               {"data_hash", FG_MEMBER(data_hash)},
               {"images", FG_MEMBER(images)},
               {"images_skipped", FG_MEMBER(images_skipped), nullptr, 0},  // absent before it existed
               {"format", FG_MEMBER(format)},
               {"protection", FG_MEMBER(protection)},
               {"memory_overhead", FG_MEMBER(memory_overhead)},
               {"t", FG_MEMBER(scale_target), nullptr, 0.0},  // absent before it was recorded
               {"ber", FG_MEMBER(ber)},
               {"fault_model", FG_MEMBER(fault_model)},
               {"seed", FG_MEMBER(seed)},
               {"trial", FG_MEMBER(trial)},
               {"tensors", FG_MEMBER(tensors)},
               {"flips", FG_MEMBER(flips)},
               {"changed_weights", FG_MEMBER(changed_weights)},
               {"labelled", FG_MEMBER(labelled), [](const TrialRecord& r) { return !r.labelled; }, true},
               {"non_finite", FG_MEMBER(non_finite)},
               {"ecc_corrected", FG_MEMBER(ecc_corrected)},
               {"ecc_detected", FG_MEMBER(ecc_detected)},
               // Absent before they were recorded: 0 words means no critical-bit split for such cells.
               {"critical_faults", FG_MEMBER(critical_faults), nullptr, 0},
               {"critical_words", FG_MEMBER(critical_words), nullptr, 0},
               {"seconds_faults", FG_MEMBER(seconds_faults)},
               {"seconds_inference", FG_MEMBER(seconds_inference)},
               // Written only when set, so records of campaigns without these features read as before.
               {"early_stopped", FG_MEMBER(early_stopped),
                [](const TrialRecord& r) { return r.early_stopped; }, false},
               {"reused", FG_MEMBER(reused), [](const TrialRecord& r) { return r.reused; }, false},
               {"start_layer", FG_MEMBER(start_layer), [](const TrialRecord& r) { return r.start_layer > 0; },
                0},
               {"site", FG_MEMBER(site), [](const TrialRecord& r) { return r.site != kDefaultSite; },
                std::string(kDefaultSite)},
               {"calibration", FG_MEMBER(calibration),
                [](const TrialRecord& r) { return !r.calibration.empty(); }, ""},
               // Faulty cells' interval method, adaptive or not (the clean cell's is always binomial). Absent
               // in files written before the setting existed: those cells were stopped and reported with t.
               {"interval", FG_MEMBER(adaptive.interval), [](const TrialRecord& r) { return r.ber > 0; },
                "t"},
           }},
      {.in = GroupIn::labelled,
       .written = [](const TrialRecord& r) { return r.labelled; },
       .fields = {{"top1", FG_MEMBER(top1)}, {"top5", FG_MEMBER(top5)}}},
      {.in = GroupIn::first_key,
       .written = [](const TrialRecord& r) { return r.has_sdc; },
       .flag = [](TrialRecord& r) -> bool& { return r.has_sdc; },
       .fields = {{"sdc1", FG_MEMBER(sdc1)},
                  {"sdc5", FG_MEMBER(sdc5)},
                  {"logit_max_abs", FG_MEMBER(logit_max_abs)},
                  {"logit_rel_l2",
                   [](TrialRecord& r) -> FieldRef { return NullableNumber{&r.logit_rel_l2}; }}}},
      // The stopping rule of an adaptive campaign (absent: fixed trials, or a file older than adaptive ones).
      {.object = {"adaptive"},
       .in = GroupIn::object,
       .written = [](const TrialRecord& r) { return r.adaptive.adaptive(); },
       .fields = {{"ci_target", FG_MEMBER(adaptive.ci_target)},
                  {"min_trials", FG_MEMBER(adaptive.min_trials)},
                  {"max_trials", FG_MEMBER(adaptive.max_trials)},
                  {"wave", FG_MEMBER(adaptive.wave)},
                  {"metric", FG_MEMBER(adaptive.metric),
                   [](const TrialRecord& r) { return r.adaptive.metric != Metric::top1; }, "top1"}}},
      // The value a layer campaign over activations faulted (tensors names it).
      {.object = {"value"},
       .in = GroupIn::object,
       .written = [](const TrialRecord& r) { return !r.value_node.empty(); },
       .fields = {{"node", FG_MEMBER(value_node)},
                  {"op", FG_MEMBER(value_op)},
                  {"elements_per_image", FG_MEMBER(value_elements)}}},
      // The second fault site of a campaign that has one.
      {.object = {"second"},
       .in = GroupIn::object,
       .written = [](const TrialRecord& r) { return !r.second_site.empty(); },
       .fields = {{"site", FG_MEMBER(second_site)},
                  {"tensors", FG_MEMBER(second_tensors)},
                  {"format", FG_MEMBER(second_format)},
                  {"protection", FG_MEMBER(second_protection)},
                  {"fault_model", FG_MEMBER(second_fault_model),
                   [](const TrialRecord& r) { return !r.second_fault_model.empty(); }, ""},
                  {"flips", FG_MEMBER(second_flips)}}},
      // A language model's trial: its next-token counts.
      {.object = {"lm"},
       .in = GroupIn::object,
       .written = [](const TrialRecord& r) { return r.language_model(); },
       .fields = {{"positions", FG_MEMBER(tokens.positions)},
                  {"top1", FG_MEMBER(tokens.top1)},
                  {"top5", FG_MEMBER(tokens.top5)},
                  {"sdc", FG_MEMBER(tokens.sdc)},
                  {"non_finite", FG_MEMBER(tokens.non_finite)},
                  {"nll_sum", [](TrialRecord& r) -> FieldRef { return NullableNumber{&r.tokens.nll_sum}; }},
                  {"kl_sum", [](TrialRecord& r) -> FieldRef { return NullableNumber{&r.tokens.kl_sum}; }},
                  {"clean_nll_sum", FG_MEMBER(clean_nll_sum)}}},
      // A design cell's trial; the batch is absent in files written before it was kept (single images).
      {.object = {"design"},
       .in = GroupIn::object,
       .written = [](const TrialRecord& r) { return r.design_images > 0; },
       .fields = {{"images", FG_MEMBER(design_images)},
                  {"round", FG_MEMBER(design_round)},
                  {"batch", FG_MEMBER(design_batch), nullptr, 1}}},
      {.object = {"design", "stratum"},
       .in = GroupIn::object,
       .written = [](const TrialRecord& r) { return r.design_images > 0 && r.stratum >= 0; },
       .fields = {{"index", FG_MEMBER(stratum)},
                  {"lo", FG_MEMBER(stratum_lo)},
                  {"hi", FG_MEMBER(stratum_hi)}}},
  };
  return groups;
}
#undef FG_MEMBER

// The group's object in `j`, or nullptr when absent.
const json* group_object(const json& j, const FieldGroup& g) {
  const json* o = &j;
  for (const char* key : g.object) {
    const auto it = o->find(key);
    if (it == o->end()) return nullptr;
    o = &*it;
  }
  return o;
}

}  // namespace

void to_json(json& j, const TrialRecord& r) {
  j = json::object();
  auto& record = const_cast<TrialRecord&>(r);  // the table's members are read only here
  for (const auto& g : record_groups()) {
    if (g.written && !g.written(r)) continue;
    json* o = &j;
    for (const char* key : g.object) o = &(*o)[key];
    for (const auto& f : g.fields)
      if (!f.written || f.written(r)) (*o)[f.key] = write_value(f.member(record));
  }
}

void from_json(const json& j, TrialRecord& r) {
  r = TrialRecord{};  // a group that is not in leaves its fields at the record's defaults
  for (const auto& g : record_groups()) {
    const json* o = group_object(j, g);
    bool in = o != nullptr;
    if (g.in == GroupIn::labelled) in = r.labelled;
    if (g.in == GroupIn::first_key) in = j.contains(g.fields.front().key);
    if (g.flag) g.flag(r) = in;
    if (!in) {
      for (const auto& f : g.fields)
        if (g.in == GroupIn::labelled && j.contains(f.key))
          throw std::runtime_error("results record without labels holds top1/top5");
      continue;
    }
    for (const auto& f : g.fields) {
      if (o->contains(f.key) || !f.absent)
        read_value(o->at(f.key), f.key, f.member(r));  // at(): nlohmann's "key not found", naming it
      else
        read_value(*f.absent, f.key, f.member(r));
      if (f.check) f.check(r);
    }
  }
  if (!r.has_sdc && !r.labelled) throw std::runtime_error("results record without labels has no sdc1");
  if (r.start_layer < 0 || (r.reused && r.start_layer > 0))
    throw std::runtime_error(
        "results record has an inconsistent shortcut (reused with a start layer, or a "
        "negative start layer)");
  if (r.site.empty() || (j.contains("value") && (r.value_node.empty() || r.value_elements < 1)))
    throw std::runtime_error("results record has an empty site or an inconsistent value (node, elements)");
  if (j.contains("second") &&
      (r.second_site.empty() || r.second_site == r.site || r.second_flips < 0 || r.second_flips > r.flips))
    throw std::runtime_error(
        "results record has an inconsistent second site (empty, the first site, or "
        "more flips than the trial)");
  if (j.contains("lm")) {
    const auto& t = r.tokens;
    // KL sums may round a hair below 0 where the distributions agree.
    if (t.positions < 1 || t.top1 < 0 || t.top5 < t.top1 || t.top5 > t.positions || t.sdc < 0 ||
        t.sdc > t.positions || t.non_finite < 0 || t.non_finite > t.positions || !(t.nll_sum >= 0) ||
        !(t.kl_sum >= -1e-6 * static_cast<double>(t.positions)) || !(r.clean_nll_sum >= 0) ||
        !std::isfinite(r.clean_nll_sum) || r.labelled)
      throw std::runtime_error(
          "results record has inconsistent language-model counts (positions, Top-k, SDC, NLL or KL, or "
          "class labels beside them)");
  }
  if (j.contains("design") &&
      (r.design_images < 1 || r.design_round < 0 || r.design_batch < 1 || r.stratum < -1 ||
       r.stratum_lo < 0 || (r.stratum_hi >= 0 && r.stratum_hi < r.stratum_lo)))
    throw std::runtime_error("results record has an inconsistent design (images, round or stratum)");
  if (r.images < 0 || r.images_skipped < 0 || r.top1 < 0 || r.top5 < r.top1 || r.top5 > r.images ||
      r.ber < 0 || r.ber > 1 || r.critical_faults < 0 || r.critical_words < 0 ||
      r.critical_faults > r.critical_words || r.sdc1 < 0 || r.sdc5 < 0 || r.sdc1 > r.images ||
      r.sdc5 > r.sdc1 || r.logit_max_abs < 0 || r.logit_rel_l2 < 0)
    throw std::runtime_error("results record has inconsistent counts or BER");
}

}  // namespace flipguard::campaign

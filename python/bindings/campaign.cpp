// Campaigns from Python: the settings table's keys as keyword arguments (one definition with the CLI and the
// TOML file), a progress callback, the records of the results file as dicts (each its JSON Lines object),
// cell summaries and reports. The GIL is released while the engine runs; a signal (a notebook's interrupt)
// ends a campaign between trials with its records kept, as KeyboardInterrupt.
#include <pybind11/stl.h>

#include <exception>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "campaign/planning/cell_summary.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/layer_campaign.hpp"
#include "campaign/settings/settings.hpp"
#include "metrics/metric_registry.hpp"
#include "platform/interrupt.hpp"
#include "report/report_writer.hpp"
#include "report/results_reader.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace flipguard::python {
namespace {

unsigned scope_of(const std::string& command) {
  if (command == "campaign") return campaign::kForCampaign;
  if (command == "layer-campaign") return campaign::kForLayerCampaign;
  throw py::value_error("unknown command '" + command + "' (campaign or layer-campaign)");
}

// Each setting type's name in messages, and in docs/settings.md's terms.
struct TypeNames {
  campaign::SettingType type;
  const char* message;
  const char* table;
};
constexpr TypeNames kTypeNames[] = {
    {campaign::SettingType::text, "a string", "text"},
    {campaign::SettingType::list, "a list of strings", "list"},
    {campaign::SettingType::rates, "a list of rates", "rates"},
    {campaign::SettingType::numbers, "a list of numbers", "numbers"},
    {campaign::SettingType::integer, "an integer", "integer"},
    {campaign::SettingType::number, "a number", "number"},
    {campaign::SettingType::fraction, "I/N", "fraction"},
};

const TypeNames& names_of(campaign::SettingType type) {
  for (const auto& n : kTypeNames)
    if (n.type == type) return n;
  throw std::logic_error("a setting type without names");
}

const char* type_name(campaign::SettingType type) {
  return names_of(type).message;
}

const char* table_type(campaign::SettingType type) {
  return names_of(type).table;
}

std::string known_keys(unsigned scope) {
  std::string out;
  for (const auto& s : campaign::settings())
    if (!s.key.empty() && (s.scope & scope)) out += (out.empty() ? "" : ", ") + s.key;
  return out;
}

// A Python value for messages: its type and (shortened) repr, "float 0.5", "ndarray array([1, 2])".
std::string described(py::handle value) {
  std::string repr = py::repr(value).cast<std::string>();
  if (repr.size() > 60) repr = repr.substr(0, 57) + "...";
  return py::str(value.get_type().attr("__name__")).cast<std::string>() + " " + repr;
}

// Python's bool and numpy's (bool_, or bool in numpy 2): numbers to Python, never a count or a rate here.
bool is_bool(py::handle value) {
  const auto name = py::str(value.get_type().attr("__name__")).cast<std::string>();
  return py::isinstance<py::bool_>(value) || name == "bool_" ||
         (name == "bool" && py::hasattr(value, "dtype"));
}

// An array with dimensions (not a numpy scalar or a 0-d array): a list, never one number.
bool is_array(py::handle value) {
  return py::hasattr(value, "ndim") && py::cast<py::ssize_t>(value.attr("ndim")) > 0;
}

[[noreturn]] void wrong_type(const campaign::Setting& s, py::handle value, const char* what = "") {
  throw py::type_error(s.key + ": expects " + type_name(s.type) + ", got " + what + described(value));
}

// One number of a number or list setting: int, float, numpy scalars, 0-d arrays; not bool, str or an array.
double real_number(const campaign::Setting& s, py::handle value, const char* what = "") {
  if (is_bool(value) || py::isinstance<py::str>(value) || is_array(value)) wrong_type(s, value, what);
  PyObject* number = PyNumber_Float(value.ptr());
  if (!number) {
    PyErr_Clear();
    wrong_type(s, value, what);
  }
  return py::reinterpret_steal<py::float_>(number).cast<double>();
}

// An integer setting's value: int, numpy integers (anything with __index__ but bool). Beyond 64 bits it is
// out of the setting's range, said as such.
std::int64_t whole_number(const campaign::Setting& s, py::handle value) {
  if (is_bool(value) || is_array(value)) wrong_type(s, value);
  PyObject* index = PyNumber_Index(value.ptr());
  if (!index) {
    PyErr_Clear();
    wrong_type(s, value);
  }
  const auto whole = py::reinterpret_steal<py::int_>(index);
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(whole.ptr(), &overflow);
  if (overflow != 0)
    throw py::value_error(s.key + ": " + py::repr(whole).cast<std::string>() + " is out of range " +
                          s.range_text());
  return v;
}

// The items of a list setting's value: any iterable but a string (list, tuple, numpy array, generator).
std::vector<py::object> items_of(const campaign::Setting& s, py::handle value) {
  if (py::isinstance<py::str>(value) || py::isinstance<py::bytes>(value) ||
      !py::isinstance<py::iterable>(value))
    wrong_type(s, value);
  std::vector<py::object> items;
  for (auto item : value) items.push_back(py::reinterpret_borrow<py::object>(item));
  return items;
}

// A Python value in the form the table's setters take, by the setting's type: text goes through the
// command-line parser, numbers and sequences become the typed values a TOML file gives. Wrong types are a
// TypeError naming the setting and the type it takes; bad values a ValueError naming the setting.
void apply_setting(campaign::CampaignConfig& config, const campaign::Setting& s, py::handle value) {
  const std::string& key = s.key;
  using Type = campaign::SettingType;
  try {
    if (py::isinstance<py::str>(value) || py::hasattr(value, "__fspath__")) {
      const auto text = py::str(py::module_::import("os").attr("fspath")(value)).cast<std::string>();
      s.assign(config, s.parse_text(text, key));
      return;
    }
    switch (s.type) {
      case Type::integer:
        s.assign(config, whole_number(s, value));
        return;
      case Type::number:
        s.assign(config, real_number(s, value));
        return;
      case Type::rates:
      case Type::numbers: {
        std::vector<double> numbers;
        // One number is a list of one (bers=1e-3); numpy scalars and 0-d arrays are numbers.
        if (!is_array(value) && !py::isinstance<py::iterable>(value)) {
          numbers.push_back(real_number(s, value));
        } else {
          for (const auto& item : items_of(s, value)) numbers.push_back(real_number(s, item, "an item "));
        }
        s.assign(config, numbers);
        return;
      }
      case Type::list: {
        std::vector<std::string> texts;
        for (const auto& item : items_of(s, value)) {
          if (!py::isinstance<py::str>(item)) wrong_type(s, item, "an item ");
          texts.push_back(item.cast<std::string>());
        }
        s.assign(config, texts);
        return;
      }
      case Type::text:
      case Type::fraction:
        wrong_type(s, value);
    }
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    throw py::value_error(what.starts_with(key) ? what : key + ": " + what);
  }
}

campaign::CampaignConfig make_config(unsigned scope, const std::optional<std::string>& config_file,
                                     const py::dict& settings) {
  campaign::CampaignConfig config = campaign::defaults_for(scope);
  if (config_file) config.load_toml(*config_file);
  for (auto [name, value] : settings) {
    const auto key = py::str(name).cast<std::string>();
    const campaign::Setting* s = campaign::find_setting_by_key(key);
    if (!s || !(s->scope & scope))
      throw py::type_error("unknown setting '" + key + "' for a " +
                           (scope == campaign::kForCampaign ? "campaign" : "layer campaign") +
                           "; the settings are: " + known_keys(scope));
    if (!value.is_none()) apply_setting(config, *s, value);
  }
  campaign::resolve_given_settings(config);
  config.validate();
  return config;
}

// Log lines to a Python callable (sys.stderr.write in a notebook), each with the GIL held.
class LineLog : public std::streambuf {
 public:
  explicit LineLog(py::object sink) : sink_(std::move(sink)) {}
  ~LineLog() override { flush_line(); }
  void flush_line() {
    if (line_.empty()) return;
    std::string text;
    text.swap(line_);
    if (sink_.is_none()) return;
    py::gil_scoped_acquire gil;
    try {
      sink_(text);
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("flipguard log");
    }
  }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return 0;
    line_.push_back(static_cast<char>(c));
    if (c == '\n') flush_line();
    return c;
  }
  int sync() override {
    flush_line();
    return 0;
  }

 private:
  py::object sink_;
  std::string line_;
};

py::object record_dict(const campaign::TrialRecord& r) {
  return py::module_::import("json").attr("loads")(campaign::to_json_line(r));
}

// Thrown out of a progress callback that raised: the Python error is kept and raised once the run unwound.
struct CallbackRaised {};

bool on_main_thread() {
  const auto threading = py::module_::import("threading");
  return threading.attr("current_thread")().is(threading.attr("main_thread")());
}

py::dict run(const std::string& command, const py::dict& settings,
             const std::optional<std::string>& config_file, const py::object& progress,
             const py::object& log) {
  const unsigned scope = scope_of(command);
  const auto config = make_config(scope, config_file, settings);
  LineLog log_buffer(log);
  std::ostream log_stream(&log_buffer);
  std::exception_ptr callback_error;
  auto call = [&](auto make_payload) {
    if (progress.is_none()) return;
    py::gil_scoped_acquire gil;
    try {
      progress(make_payload());
    } catch (...) {
      callback_error = std::current_exception();
      throw CallbackRaised{};
    }
  };
  // Signals are the process's, so only a run on the main thread takes them over (as Python's own handlers).
  std::optional<platform::InterruptScope> interrupts;
  if (on_main_thread()) interrupts.emplace();
  try {
    if (scope == campaign::kForCampaign) {
      campaign::CampaignSummary s;
      {
        py::gil_scoped_release release;
        s = campaign::run_campaign(
            config,
            [&](const campaign::CampaignProgress& p) {
              call([&] {
                return py::dict("trials_done"_a = p.trials_done, "trials_total"_a = p.trials_total,
                                "trials_expected"_a = p.trials_expected,
                                "trials_skipped"_a = p.trials_skipped,
                                "images_per_second"_a = p.images_per_second, "eta_seconds"_a = p.eta_seconds,
                                "cell"_a = p.cell, "record"_a = p.last ? record_dict(*p.last) : py::none());
              });
            },
            log_stream);
      }
      log_stream.flush();
      return py::dict("results"_a = s.results_path, "campaign_id"_a = s.campaign_id,
                      "trials_run"_a = s.trials_run, "trials_skipped"_a = s.trials_skipped,
                      "seconds"_a = s.seconds);
    }
    campaign::LayerCampaignSummary s;
    {
      py::gil_scoped_release release;
      s = campaign::run_layer_campaign(
          config,
          [&](const campaign::LayerCampaignProgress& p) {
            call([&] {
              return py::dict("layers_done"_a = p.layers_done, "layers_total"_a = p.layers_total,
                              "layer"_a = p.layer, "skipped"_a = p.skipped, "trials_done"_a = p.trials_done,
                              "trials_total"_a = p.trials_total, "seconds"_a = p.seconds);
            });
          },
          log_stream);
    }
    log_stream.flush();
    return py::dict("results"_a = s.results_path, "campaign_id"_a = s.campaign_id, "site"_a = s.site,
                    "layers"_a = s.layers, "cuts"_a = s.cuts, "layers_run"_a = s.layers_run,
                    "layers_skipped"_a = s.layers_skipped, "trials_run"_a = s.trials_run,
                    "trials_skipped"_a = s.trials_skipped, "seconds"_a = s.seconds);
  } catch (const platform::Interrupted& e) {
    interrupts.reset();  // Python's handlers back before Python sees the interrupt
    log_stream.flush();
    PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    throw py::error_already_set();
  } catch (const CallbackRaised&) {
    std::rethrow_exception(callback_error);
  }
}

py::tuple read_results(const std::string& path) {
  report::ResultsData data;
  {
    py::gil_scoped_release release;
    data = report::read_results(path);
  }
  py::list records;
  for (const auto& r : data.records) records.append(record_dict(r));
  return py::make_tuple(records, data.warnings);
}

// An estimate the cell measured, or None where it measured nothing (Top-1 without labels, SDC in records
// older than it): the CellSummary's own labelled / has_sdc, as the CLI's table and the report decide n/a.
py::object estimate_or_none(const campaign::MeanEstimate& e, bool measured) {
  if (!measured) return py::none();
  return py::dict("n"_a = e.n, "mean"_a = e.mean, "std"_a = e.std, "ci95"_a = e.ci95, "lo"_a = e.lo,
                  "hi"_a = e.hi);
}

py::object number_or_none(double v, bool measured) {
  return measured ? py::object(py::float_(v)) : py::object(py::none());
}

py::list cells(const std::string& path) {
  const auto data = report::read_results(path);
  py::list out;
  for (const auto& group : campaign::group_cells(data.records)) {
    const auto s = campaign::summarize(group.records);
    // The metric adaptive trials stopped on (sdc1 by default on data without labels); fixed trials: none.
    const py::object metric =
        s.stopped == "fixed" ? py::object(py::none()) : py::object(py::str(campaign::to_string(s.metric)));
    py::dict cell("format"_a = s.format, "protection"_a = s.protection, "ber"_a = s.ber,
                  "trials"_a = s.trials, "images"_a = s.images, "labelled"_a = s.labelled,
                  "metric"_a = metric);
    // Every share metric of the registry, by id (top1, top5, sdc1, sdc5).
    for (const auto& [m, e] : s.estimates)
      cell[py::str(std::string(m.id()))] = estimate_or_none(e, s.measured(m));
    // A language model's medians over trials (perplexity, nll, kl) with their order-statistic intervals.
    for (const auto& [m, q] : s.medians)
      cell[py::str(std::string(m.id()))] = py::dict("median"_a = q.estimate, "lo"_a = q.lo, "hi"_a = q.hi);
    cell["language_model"] = s.language_model;
    cell.attr("update")(py::dict(
        "interval"_a = s.interval, "top1_min"_a = number_or_none(s.top1_min, s.labelled),
        "top1_max"_a = number_or_none(s.top1_max, s.labelled), "non_finite_share"_a = s.non_finite_share,
        "flips_mean"_a = s.flips_mean, "changed_weights_mean"_a = s.changed_weights_mean,
        "memory_overhead"_a = s.memory_overhead, "ecc_corrected_mean"_a = s.ecc_corrected_mean,
        "ecc_detected_mean"_a = s.ecc_detected_mean, "early_stopped"_a = s.early_stopped,
        "stopped"_a = s.stopped, "reused"_a = s.reused, "started_late"_a = s.started_late));
    out.append(cell);
  }
  return out;
}

// The metric registry (metrics/metric_registry.hpp), in its order: what Python lists metrics from.
py::list metric_list() {
  py::list out;
  for (const metrics::Metric m : metrics::all_metrics()) {
    const auto& i = m.info();
    out.append(py::dict("id"_a = std::string(i.id), "label"_a = std::string(i.label),
                        "description"_a = std::string(i.description), "needs_labels"_a = i.needs_labels,
                        "needs_clean_outputs"_a = i.needs_clean_outputs,
                        "bounded"_a = i.range == metrics::MetricRange::share, "stoppable"_a = i.stoppable,
                        "plotted"_a = i.plotted,
                        "task"_a = i.task == metrics::MetricTask::classifier       ? "classifier"
                                   : i.task == metrics::MetricTask::language_model ? "language_model"
                                                                                   : "any",
                        "median"_a = i.median));
  }
  return out;
}

py::dict write_report(const std::string& results, const std::string& out, const std::string& title) {
  report::ReportOutput written;
  {
    py::gil_scoped_release release;
    written = report::write_report(results, out, title);
  }
  std::vector<std::string> files;
  for (const auto& f : written.files) files.push_back(f.string());
  return py::dict("dir"_a = written.dir.string(), "files"_a = files, "warnings"_a = written.warnings);
}

py::list settings_table() {
  const auto campaign_defaults = campaign::defaults_for(campaign::kForCampaign);
  const auto layer_defaults = campaign::defaults_for(campaign::kForLayerCampaign);
  py::list out;
  for (const auto& s : campaign::settings()) {
    if (s.key.empty() || !(s.scope & (campaign::kForCampaign | campaign::kForLayerCampaign))) continue;
    std::vector<std::string> commands;
    if (s.scope & campaign::kForCampaign) commands.push_back("campaign");
    if (s.scope & campaign::kForLayerCampaign) commands.push_back("layer-campaign");
    const auto& defaults = (s.scope & campaign::kForCampaign) ? campaign_defaults : layer_defaults;
    out.append(py::dict("key"_a = s.key, "flag"_a = s.flag, "type"_a = table_type(s.type),
                        "default"_a = s.default_note.empty() ? s.show(defaults) : s.default_note,
                        "range"_a = s.range_text(), "commands"_a = commands, "help"_a = s.help));
  }
  return out;
}

}  // namespace

void bind_campaign(py::module_& m) {
  m.def("_run", &run, "command"_a, "settings"_a, "config"_a = py::none(), "progress"_a = py::none(),
        "log"_a = py::none());
  m.def("_read_results", &read_results, "path"_a);
  m.def("_cells", &cells, "path"_a);
  m.def("_metrics", &metric_list);
  m.def("_report", &write_report, "results"_a, "out"_a = "", "title"_a = "");
  m.def("_settings", &settings_table);
}

}  // namespace flipguard::python

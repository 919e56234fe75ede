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
#include "campaign/campaign_runner.hpp"
#include "campaign/layer_campaign.hpp"
#include "campaign/settings.hpp"
#include "campaign/statistics.hpp"
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

// A Python value in the form the table's setters take: text goes through the command-line parser, numbers
// and lists become the typed values a TOML file gives.
void apply_setting(campaign::CampaignConfig& config, const campaign::Setting& s, py::handle value) {
  const std::string& key = s.key;
  try {
    if (py::isinstance<py::str>(value) || py::hasattr(value, "__fspath__")) {
      const auto text = py::str(py::module_::import("os").attr("fspath")(value)).cast<std::string>();
      s.assign(config, s.parse_text(text, key));
      return;
    }
    if (py::isinstance<py::bool_>(value))
      throw py::type_error(key + ": expects " + type_name(s.type) + ", got a bool");
    const bool whole = py::hasattr(value, "__index__");  // int, numpy integers
    if (whole || py::hasattr(value, "__float__")) {
      const bool listed = s.type == campaign::SettingType::rates || s.type == campaign::SettingType::numbers;
      if (whole && !listed && s.type != campaign::SettingType::number) {
        s.assign(config, py::int_(py::reinterpret_borrow<py::object>(value)).cast<std::int64_t>());
      } else {
        const double v = py::float_(py::reinterpret_borrow<py::object>(value)).cast<double>();
        if (listed)
          s.assign(config, std::vector<double>{v});  // one rate: bers=1e-3
        else
          s.assign(config, v);
      }
      return;
    }
    if (py::isinstance<py::iterable>(value)) {
      std::vector<std::string> texts;
      std::vector<double> numbers;
      for (auto item : value) {
        if (py::isinstance<py::str>(item))
          texts.push_back(item.cast<std::string>());
        else if (!py::isinstance<py::bool_>(item) && py::hasattr(item, "__float__"))
          numbers.push_back(py::float_(py::reinterpret_borrow<py::object>(item)).cast<double>());
        else
          throw py::type_error(key + ": a list of strings or of numbers, got an item " +
                               std::string(py::str(py::repr(item))));
      }
      if (!texts.empty() && !numbers.empty()) throw py::type_error(key + ": mixes strings and numbers");
      if (!numbers.empty())
        s.assign(config, numbers);
      else
        s.assign(config, texts);
      return;
    }
    throw py::type_error(key + ": cannot take a value of type " +
                         std::string(py::str(value.get_type().attr("__name__"))));
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
    return py::dict("results"_a = s.results_path, "campaign_id"_a = s.campaign_id, "layers"_a = s.layers,
                    "layers_run"_a = s.layers_run, "layers_skipped"_a = s.layers_skipped,
                    "trials_run"_a = s.trials_run, "trials_skipped"_a = s.trials_skipped,
                    "seconds"_a = s.seconds);
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

py::dict estimate_dict(const campaign::MeanEstimate& e) {
  return py::dict("n"_a = e.n, "mean"_a = e.mean, "std"_a = e.std, "ci95"_a = e.ci95, "lo"_a = e.lo,
                  "hi"_a = e.hi);
}

py::list cells(const std::string& path) {
  const auto data = report::read_results(path);
  py::list out;
  for (const auto& cell : campaign::group_cells(data.records)) {
    const auto s = campaign::summarize(cell.records);
    out.append(
        py::dict("format"_a = s.format, "protection"_a = s.protection, "ber"_a = s.ber, "trials"_a = s.trials,
                 "images"_a = s.images, "top1"_a = estimate_dict(s.top1), "top5"_a = estimate_dict(s.top5),
                 "interval"_a = s.interval, "top1_min"_a = s.top1_min, "top1_max"_a = s.top1_max,
                 "non_finite_share"_a = s.non_finite_share, "flips_mean"_a = s.flips_mean,
                 "changed_weights_mean"_a = s.changed_weights_mean, "memory_overhead"_a = s.memory_overhead,
                 "ecc_corrected_mean"_a = s.ecc_corrected_mean, "ecc_detected_mean"_a = s.ecc_detected_mean,
                 "early_stopped"_a = s.early_stopped, "stopped"_a = s.stopped, "reused"_a = s.reused,
                 "started_late"_a = s.started_late));
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
  m.def("_report", &write_report, "results"_a, "out"_a = "", "title"_a = "");
  m.def("_settings", &settings_table);
}

}  // namespace flipguard::python

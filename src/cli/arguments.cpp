// Command lines read against a CommandSpec: campaign settings through the settings table, then the command's
// own options and positional arguments. Help is generated from the same table, so it cannot drift from what
// is parsed.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"

namespace flipguard::cli {
namespace {

const LocalOption* find_local(const CommandSpec& spec, const std::string& flag) {
  for (const auto& o : spec.options)
    if (o.flag == flag) return &o;
  return nullptr;
}

// `text` wrapped to `width` columns, every line after the first indented by `indent` spaces.
std::string wrap(const std::string& text, size_t indent, size_t width) {
  std::istringstream words(text);
  std::string word, out, line;
  while (words >> word) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

std::string option_line(const std::string& left, const std::string& help) {
  constexpr size_t kColumn = 26, kWidth = 110;
  std::string head = "  " + left;
  head +=
      head.size() + 1 < kColumn ? std::string(kColumn - head.size(), ' ') : "\n" + std::string(kColumn, ' ');
  return head + wrap(help, kColumn, kWidth) + "\n";
}

bool takes_value(const CommandSpec& spec, const std::string& arg) {
  if (spec.config_file && arg == "--config") return true;
  if (spec.settings && campaign::find_setting_by_flag(arg, spec.settings)) return true;
  const auto* o = find_local(spec, arg);
  return o && !o->metavar.empty();
}

}  // namespace

double Arguments::number(const std::string& flag, double fallback) const {
  const auto it = values.find(flag);
  if (it == values.end()) return fallback;
  const std::string& text = it->second;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || (errno == ERANGE && std::abs(v) > 1) ||
      std::isnan(v))
    throw UsageError(flag + " expects a number, got '" + text + "'");
  return v;
}

std::vector<std::string> split_flag_values(const CommandSpec& spec, const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    const auto eq = a.find('=');
    if (a.starts_with("--") && eq != std::string::npos && takes_value(spec, a.substr(0, eq))) {
      out.push_back(a.substr(0, eq));
      out.push_back(a.substr(eq + 1));
      continue;
    }
    out.push_back(a);
    if (takes_value(spec, a) && i + 1 < args.size()) out.push_back(args[++i]);  // a value stays whole
  }
  return out;
}

std::size_t options_end(const CommandSpec& spec, const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") return i;
    if (takes_value(spec, args[i])) ++i;  // an option's value may be "--" itself
  }
  return args.size();
}

std::vector<std::filesystem::path> Arguments::input_files(const data::Manifest* spec) const {
  std::vector<std::filesystem::path> files{config_file, config.model, config.data, config.labels,
                                           config.classes};
  for (const auto& p : positionals) files.emplace_back(p);
  if (spec) {
    files.push_back(spec->onnx_path());
    files.push_back(spec->json_file);
  }
  return files;
}

Arguments parse_arguments(const CommandSpec& spec, const std::vector<std::string>& args) {
  Arguments a;
  a.config = campaign::defaults_for(spec.settings);
  // After "--" every argument is a positional (a file named "-x.jsonl", say), as in POSIX utilities.
  const std::size_t end = options_end(spec, args);
  // The file first, whatever its position: flags override it.
  for (std::size_t i = 0; i < end; ++i) {
    if (!takes_value(spec, args[i]) || i + 1 >= end) continue;
    if (spec.config_file && args[i] == "--config") {
      if (args[i + 1].empty()) throw UsageError("--config: an empty value is not allowed");
      a.config.load_toml(args[i + 1]);
      a.config_file = args[i + 1];
    }
    ++i;
  }
  for (std::size_t i = 0; i < end; ++i) {
    const std::string& arg = args[i];
    if (takes_value(spec, arg) && i + 1 >= end) throw UsageError(arg + " needs a value");
    if (spec.config_file && arg == "--config") {
      ++i;
    } else if (const auto* s = spec.settings ? campaign::find_setting_by_flag(arg, spec.settings) : nullptr) {
      const std::string& text = args[++i];
      try {
        s->assign(a.config, s->parse_text(text, arg));
      } catch (const std::exception& e) {  // a value's own parser may throw another kind (DataError)
        const std::string what = e.what();
        throw UsageError(what.starts_with(arg) ? what : arg + ": " + what);
      }
      a.given.insert(s->flag);
    } else if (const auto* o = find_local(spec, arg)) {
      if (o->metavar.empty()) {
        a.flags.insert(arg);
      } else {
        if (args[i + 1].empty()) throw UsageError(arg + ": an empty value is not allowed");
        a.values[arg] = args[++i];
      }
    } else if (arg.starts_with("-")) {
      throw UsageError("unknown option '" + arg + "'" +
                       (spec.positionals.empty() ? "" : " (a file of that name: put it after --)"));
    } else {
      a.positionals.push_back(arg);
    }
  }
  for (std::size_t i = end + 1; i < args.size(); ++i) a.positionals.push_back(args[i]);
  if (spec.positionals.empty() && !a.positionals.empty())
    throw UsageError("unexpected argument '" + a.positionals.front() + "': " + spec.name +
                     " takes options only");
  if (spec.settings) campaign::resolve_given_settings(a.config);
  return a;
}

std::string help_text(const CommandSpec& spec) {
  std::string out = "usage: flipguard " + spec.name +
                    (spec.positionals.empty() ? "" : " " + spec.positionals) + " [options]\n" +
                    wrap(spec.summary, 0, 110) + "\n\noptions:\n";
  if (spec.config_file)
    out += option_line(
        "--config FILE.toml",
        "a study as a TOML file: any setting below by its key (docs/settings.md); flags override it");
  if (spec.settings) {
    const auto defaults = campaign::defaults_for(spec.settings);
    for (const auto& s : campaign::settings()) {
      if (!(s.scope & spec.settings)) continue;
      std::string left = s.flag + " " + s.metavar;
      for (const auto& alias : s.aliases) left += ", " + alias + " " + s.metavar;
      std::string help = s.help;
      if (!s.range_text().empty()) help += "; in " + s.range_text();
      const std::string shown = s.default_note.empty() ? s.show(defaults) : s.default_note;
      if (!shown.empty()) help += " (default: " + shown + ")";
      out += option_line(left, help);
    }
  }
  for (const auto& o : spec.options)
    out += option_line(o.flag + (o.metavar.empty() ? "" : " " + o.metavar), o.help);
  out += option_line("--help, -h", "this text");
  if (!spec.notes.empty()) {
    std::istringstream paragraphs(spec.notes);
    std::string paragraph;
    out += "\n";
    while (std::getline(paragraphs, paragraph)) out += wrap(paragraph, 2, 110) + "\n";
  }
  return out;
}

}  // namespace flipguard::cli

// Every campaign setting, declared once (settings.cpp): its TOML key, command-line flag, type, range, help
// text and the CampaignConfig field it sets. The TOML reader, the command-line parser, validation, each
// command's --help and docs/settings.md all come from this table, so a new setting is one entry there plus
// its use. Defaults live where the field is declared (CampaignConfig), and are read back from it for help.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "campaign/settings/campaign_config.hpp"

namespace flipguard::campaign {

// The commands that take a setting, as bits.
enum SettingScope : unsigned {
  kForCampaign = 1u << 0,       // flipguard campaign
  kForLayerCampaign = 1u << 1,  // flipguard layer-campaign
  kForSweepT = 1u << 2,         // flipguard sweep-t
  kForEval = 1u << 3,           // flipguard eval
  kForRun = 1u << 4,            // flipguard run
  kForModelInit = 1u << 5,      // flipguard model-init
  kForInspectModel = 1u << 6,   // flipguard inspect-model
};

enum class SettingType {
  text,      // one string
  list,      // strings; "a,b,c" on the command line, an array in TOML
  rates,     // numbers in [0, 1]; "1e-5,1e-4" on the command line, an array in TOML
  integer,   // within [min, max]
  number,    // a real within [min, max]
  fraction,  // "I/N" (command line only)
  numbers,   // reals; "0.485,0.456,0.406" on the command line, an array in TOML
};

// A setting's value as a front end (command line, TOML, bindings) read it, before it is checked.
using SettingValue =
    std::variant<std::string, std::int64_t, double, std::vector<std::string>, std::vector<double>>;

struct Setting {
  std::string key;      // TOML key; empty for command-line-only settings
  std::string flag;     // command-line flag
  std::string metavar;  // its value in --help, e.g. "N" or "F,..."
  SettingType type = SettingType::text;
  unsigned scope = 0;                // SettingScope bits
  std::string help;                  // what it does; one or more sentences
  std::vector<std::string> aliases;  // other flags that mean the same (kept for earlier command lines)
  std::string default_note;  // shown as the default instead of the value, where that depends on others
  double min = 0, max = 0;   // integer and number settings: the accepted range
  // Integer settings that also take the word "auto" (command line, or a TOML string): stored as this value.
  std::optional<std::int64_t> auto_value;
  // Stores a value of the setting's type into the config. Checks it as check() does and throws
  // std::invalid_argument with a message that does not name the setting (the caller knows how it was given).
  std::function<void(CampaignConfig&, const SettingValue&)> assign;
  // The setting's current value in command-line form ("q2.5,fp16", "1e-05,0.0001", "4").
  std::function<std::string(const CampaignConfig&)> show;
  // Throws std::invalid_argument("<key> ...") when the config's value is not acceptable on its own.
  std::function<void(const CampaignConfig&)> check;

  // "[1, 1000000]" for integer and number settings, else "".
  std::string range_text() const;
  // The value a command-line argument gives, parsed by type; std::invalid_argument naming `name` (the flag
  // or the key).
  SettingValue parse_text(const std::string& text, const std::string& name) const;
};

// The table, in the order --help and the docs list it.
const std::vector<Setting>& settings();
const Setting* find_setting_by_key(const std::string& key);
// The setting a command with these scope bits takes under `flag` (or one of its aliases), if any.
const Setting* find_setting_by_flag(const std::string& flag, unsigned scope);

// Sets the setting `key` from its command-line text form ("q2.5,fp16", "1e-4"), checked;
// std::invalid_argument naming the key otherwise.
void set_setting(CampaignConfig& config, const std::string& key, const std::string& text);

// A campaign's defaults (the command line, TOML studies and Python): adaptive cells on the design until
// their 95% interval is within +- kDefaultCiTarget points, a budget of kDefaultMaxTrials x 16 inferences
// per cell. The C++ struct keeps fixed trial counts (CampaignConfig{}), for the library's callers.
inline constexpr double kDefaultCiTarget = 2;
inline constexpr int kDefaultMaxTrials = 1000;

// The defaults of the command with this scope bit: CampaignConfig's own, but for campaign's adaptive
// design (above), layer-campaign's results file and sweep-t's one-format, one-rate grid ("<format>" in its
// results path stands for the format).
CampaignConfig defaults_for(unsigned scope);

// After the front ends have assigned what was given (config.given): `trials` given without `ci_target`
// runs that fixed count; images_per_trial left at its default "auto" falls back to 0 (every trial scores
// all images) where the design cannot apply (fixed trials, a floor, fewer than 64 images); formats and
// protections left at the campaign's defaults take the site's own (activations: fp32 x none, ranger).
void resolve_given_settings(CampaignConfig& config);

// images_per_trial 0 instead of the design's "auto" (every trial over all the images), with plain trials'
// own budget unless max_trials was given.
void plain_trials_instead_of_design(CampaignConfig& config);

// Once the data are loaded, the defaults they decide, each only where its setting was not given: data without
// labels stop adaptive cells on SDC-1 (metric sdc1), fewer than 64 images run plain trials over all of them
// (images_per_trial 0, the budget back to 100 trials). Returns a sentence per change, for the log.
// `tokens`: the data are token sequences (a language model), whose default metric is token_top1.
std::vector<std::string> fit_defaults_to_data(CampaignConfig& config, bool labelled, std::int64_t images,
                                              bool tokens = false);

// The reference of every setting as Markdown: the content of docs/settings.md.
std::string settings_markdown();

}  // namespace flipguard::campaign

// The campaign config: a TOML file applied over the defaults, then validated (formats, protections, fault
// specs, the tensor pattern), as `flipguard campaign --config` does before any work.
#include <cstdint>
#include <sstream>
#include <string>

#include "campaign/settings/campaign_config.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string source = "fuzz-campaign.toml";
  flipguard::campaign::CampaignConfig c;
  bool loaded = false;
  flipguard::fuzz::expect_clean_error(source, [&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    c.load_toml(in, source);
    loaded = true;
  });
  // validate() names the bad setting (the command line and the file share it), not the file.
  if (loaded) flipguard::fuzz::expect_clean_error("", [&] { c.validate(); });
  return 0;
}

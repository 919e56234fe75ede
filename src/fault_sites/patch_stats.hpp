// What one trial's faults did at a site, as its record reports it (flips, changed values, ECC outcomes and
// the critical-bit count the statistics stratify on).
#pragma once

#include <cstdint>

namespace flipguard::fault_sites {

struct TrialPatchStats {
  std::int64_t flips = 0;            // faults that changed a stored bit (data and check)
  std::int64_t changed_weights = 0;  // elements whose read differs from the fault-free read
  std::int64_t ecc_corrected = 0, ecc_detected = 0;
  // Faults sampled on the format's critical bit (Format::critical_bit) of the data words, and how many words
  // the fault model could hit there. For per-bit models (ber, stuck0, stuck1) critical_faults is exactly
  // Binomial(critical_words, rate), which lets the statistics stratify trials on it; 0 words for models where
  // it is not (bursts, targeted) or whose bit mask excludes that bit.
  std::int64_t critical_faults = 0, critical_words = 0;
  // Of `flips`, those at a campaign's second site (site_pair.hpp); 0 with one site.
  std::int64_t second_flips = 0;

  // Adds what a site counted later in the same trial (faults applied while the model ran).
  TrialPatchStats& operator+=(const TrialPatchStats& later) {
    flips += later.flips;
    changed_weights += later.changed_weights;
    ecc_corrected += later.ecc_corrected;
    ecc_detected += later.ecc_detected;
    critical_faults += later.critical_faults;
    critical_words += later.critical_words;
    second_flips += later.second_flips;
    return *this;
  }
};

}  // namespace flipguard::fault_sites

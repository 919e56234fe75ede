// A fault list as it is applied: each stored word a trial's faults changed, with where it is and what it read
// as before and after, for a tool that replays the run (flipguard run --dump-faults).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace flipguard::fault_sites {

// One stored word the faults changed: the target (a value nodes write), the dataset index of the image, the
// element (flat, logical row-major after the batch dim), the word before and after and what they read as.
struct ElementFault {
  const std::string& value;
  std::uint64_t image = 0;
  std::int64_t element = 0;
  std::uint32_t word_before = 0, word_after = 0;
  float before = 0, after = 0;
};
using FaultLog = std::function<void(const ElementFault&)>;

}  // namespace flipguard::fault_sites

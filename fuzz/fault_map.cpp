// The fault-map text format; a map that reads back must write and read back to itself.
#include "faults/fault_map.hpp"

#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string source = "fuzz.faultmap";
  flipguard::fuzz::expect_clean_error(source, [&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const flipguard::faults::FaultMap map = flipguard::faults::FaultMap::read(in, source);
    std::ostringstream out;
    map.write(out);
    std::istringstream again(out.str());
    if (!(flipguard::faults::FaultMap::read(again, "rewritten") == map)) std::abort();
    (void)map.touched_elements(8);
  });
  return 0;
}

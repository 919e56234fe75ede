// The `second_ber` setting: the rate of the second fault site's faults in each cell. A fixed rate ("1e-7")
// holds in every faulty cell; "cell" follows the cell's BER, and "cell*K" scales it (a memory K times as
// fault-prone as the first site's). The clean cell (BER 0) is fault-free at both sites: the reference every
// faulty trial is compared with.
#pragma once

#include <string>

namespace flipguard::campaign {

struct SecondRate {
  bool follows_cell = true;
  double value = 1;  // the factor on the cell's rate, or the fixed rate

  // The second site's rate in a cell of rate `cell_rate` (0 there: 0).
  double at(double cell_rate) const {
    if (!(cell_rate > 0)) return 0;
    return follows_cell ? cell_rate * value : value;
  }
};

// std::invalid_argument saying what is wrong (a rate outside [0, 1], a factor <= 0, another word).
SecondRate parse_second_rate(const std::string& text);
// The canonical text: "cell", "cell*10", "1e-07" (two spellings of one rule are one campaign).
std::string to_string(const SecondRate& rate);

}  // namespace flipguard::campaign

// The pieces fault model specs are written with: rates, integers, bit lists and their canonical spellings.
// The registry (fault_model_registry.hpp) puts them together; each entry reads and writes its own options
// with them. Readers throw std::invalid_argument stating only the problem: the caller names the spec or
// setting it came from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flipguard::faults::spec {

// Bit positions within an element; 64 is the widest element any format stores.
inline constexpr unsigned kMaxBitPosition = 63;

std::vector<std::string_view> split(std::string_view s, char sep);

// A non-negative integer; `what` names it in the error ("bit position 'x' is not a non-negative integer").
std::uint64_t parse_u64(std::string_view text, const char* what);

// A bit position in [0, kMaxBitPosition].
unsigned parse_bit_position(std::string_view text);

// A probability in [0, 1].
double parse_rate(std::string_view text);

// A finite real number; `what` names it in the error.
double parse_real(std::string_view text, const char* what);

// "0-4,6" -> {0,1,2,3,4,6}: sorted, unique.
std::vector<unsigned> parse_bit_list(std::string_view list);

// The shortest spelling that reads back exactly, exponent without padding: 1e-4, 0.3, 1 (any real number).
std::string format_rate(double p);

// Sorted unique positions as runs: {0,1,2,3,4,6} -> "0-4,6".
std::string format_bits(const std::vector<unsigned>& bits);

}  // namespace flipguard::faults::spec

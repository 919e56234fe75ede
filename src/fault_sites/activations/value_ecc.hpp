// SECDED over one image's stored words of a value (protection ecc72, ecc39 or ecc13 on activations), with the
// decoder stored weights use (protect/secded.hpp).
//
// The image's words, in logical element order, are packed into k-bit data words (ecc72: k = 64, so two fp32
// words, four fp16 or bf16 words or eight int8 or 8-bit fixed-point words per codeword; ecc13 splits an fp32
// word over four codewords), the last one zero-padded. Each codeword's check bits are stored beside it in the
// same faulty memory: the image's fault region is its data bits and its check bits, the check bits drawn from
// a stream of their own (faults::Stream::kActivationCheck) so the data bits take the same faults as without
// ECC, as on stored weights. The padding holds no data and takes no faults.
//
// On the read, each codeword that took a fault is decoded: one error is corrected, two are detected (the
// codeword's elements read as 0 under ":zero", the default, or as they are under ":keep"), three or more go
// the way the decoder sends them (detected, or miscorrected into wrong data). Codewords without a fault are
// not decoded, so the work is O(faults) and a fault-free image costs nothing.
#pragma once

#include <cstdint>

#include "engine/value_hook.hpp"
#include "fault_sites/activations/image_faults.hpp"
#include "fault_sites/fault_log.hpp"
#include "faults/fault_map.hpp"
#include "protect/protection_spec.hpp"
#include "protect/secded.hpp"

namespace flipguard::fault_sites {

struct ValueEcc {
  protect::SecdedCode code;
  bool zero_detected = true;  // ":zero": a detected error reads the codeword's elements as 0

  explicit ValueEcc(const protect::ProtectionSpec::Ecc& ecc)
      : code(ecc.kind), zero_detected(ecc.policy == protect::DoubleErrorPolicy::zero) {}

  // The codewords and check bits holding `elements` words of `width` bits.
  std::uint64_t codewords(std::uint64_t elements, unsigned width) const {
    return (elements * width + code.data_bits() - 1) / code.data_bits();
  }
  std::uint64_t check_bits(std::uint64_t elements, unsigned width) const {
    return codewords(elements, width) * code.check_bits();
  }
};

// Applies to row `row` of `view` the faults `data` (over the image's elements x width data bits) and `check`
// (over its check_bits()), then reads every codeword they touched through the decoder. Counts the physical
// bits the faults changed (check bits included), the elements whose value differs after decoding and the
// decoder's corrections and detections; each element whose stored word differs after decoding goes to `log`
// (the word the model then reads, what an outside replay needs).
ImageFaultCounts apply_coded_faults(const ValueDraw& draw, const ValueEcc& ecc, std::uint64_t image,
                                    const faults::FaultMap& data, const faults::FaultMap& check,
                                    engine::ValueView& view, int row, const FaultLog* log = nullptr);

}  // namespace flipguard::fault_sites

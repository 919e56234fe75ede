// Which tensors the executor exposes as stored weights (patchable WeightSlots); the rest are fixed constants.
#pragma once

namespace flipguard::engine {

struct WeightSelection {
  bool conv_gemm_weights = true;  // Conv, Gemm and MatMul weight tensors
  bool biases = false;            // their biases (after BatchNorm folding, the folded bias)
  bool batchnorm = false;         // scale/shift of BatchNorm layers left unfolded
};

}  // namespace flipguard::engine

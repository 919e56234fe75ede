// Which tensors the executor exposes as stored weights (patchable WeightSlots); the rest are fixed constants.
#pragma once

namespace flipguard::engine {

struct WeightSelection {
  bool conv_gemm_weights = true;  // Conv, Gemm and MatMul weight tensors ("conv/gemm/matmul.weight")
  bool embeddings = true;  // tables a Gather reads: token, position, relative-position ("gather.table")
  bool biases = false;     // their biases (after BatchNorm folding, the folded bias)
  bool batchnorm = false;  // scale/shift of BatchNorm layers left unfolded
  bool layernorm = false;  // scale and bias of layer normalizations ("layernorm.scale/bias")
};

}  // namespace flipguard::engine

// Graph rewrites that keep the model's function: they run before the engine sees the graph.
#pragma once

#include "model/graph.hpp"

namespace flipguard::model {

// Turns Constant nodes into constants and drops Identity / inference-mode Dropout by renaming their outputs.
void simplify(Graph& g);

// Folds BatchNormalization into the Conv feeding it (W' = W * gamma / sqrt(var + eps),
// b' = (b - mean) * gamma / sqrt(var + eps) + beta), when the Conv output feeds nothing else. The folded
// weight keeps the Conv's weight name: it is what a deployed device would store. Returns the number folded.
int fold_batchnorm(Graph& g);

}  // namespace flipguard::model

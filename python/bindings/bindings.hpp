// The parts of the flipguard Python module (_flipguard), one per concept; module.cpp puts them together.
#pragma once

#include <pybind11/pybind11.h>

namespace flipguard::python {

// Number formats (encode/decode numpy arrays) and protected tensors (faults and read-back, no campaign).
void bind_formats(pybind11::module_& m);
// ONNX models on the engine: run a batch, list and patch stored weights.
void bind_model(pybind11::module_& m);
// Campaigns through the settings table, their records, cell summaries and reports.
void bind_campaign(pybind11::module_& m);

}  // namespace flipguard::python

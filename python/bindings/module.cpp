// flipguard's Python module. The Python package (python/flipguard/) wraps it; see the README's Python
// section.
#include <pybind11/pybind11.h>

#include "bindings.hpp"

PYBIND11_MODULE(_flipguard, m) {
  m.doc() =
      "flipguard: bit flips in a neural network's stored weights (native part of the flipguard package)";
  m.attr("__version__") = FLIPGUARD_VERSION;
  flipguard::python::bind_formats(m);
  flipguard::python::bind_model(m);
  flipguard::python::bind_campaign(m);
}

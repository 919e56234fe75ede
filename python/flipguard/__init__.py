"""flipguard: what happens to a neural network when bits of its stored weights flip.

Formats and protections on numpy arrays (Format, ProtectedTensor), ONNX models on flipguard's engine (Model,
from_torch), and fault campaigns with the settings of the command line and TOML files (run_campaign, Results).
See the README's Python section.
"""

from ._flipguard import Format, Model, ProtectedTensor, Weight, __version__, dataset_names, load_images
from ._campaign import Results, read_results, report, run_campaign, run_layer_campaign, settings
from ._torch import export_torch, from_torch

__all__ = [
    "Format", "ProtectedTensor", "Model", "Weight", "load_images", "dataset_names",
    "run_campaign", "run_layer_campaign", "Results", "read_results", "report", "settings",
    "from_torch", "export_torch",
]

#!/usr/bin/python3
"""Replays a flipguard activation-fault run with PyTorch forward hooks on the nn.Module the ONNX model was
exported from (the second reference beside activation_replay.py, which replays on the ONNX graph).

  module_replay.py replay --module resnet20|MODULE.pt --model MODEL.json|MODEL.onnx --inputs x.npy
                          [--limit N] [--calibration-images K] --format int8 [--protection ranger]
                          --values VALUES.txt [--faults faults.jsonl] --out logits.npy [--stats stats.json]
  module_replay.py export-torchvision --arch resnet18 --size 64 --out-dir DIR [--seed 0] [--classes 10]
                          [--images 32] [--keep-batchnorm]

What flipguard does to a selected value, right after the node writes it and before any node reads it
(docs/protections.md, src/fault_sites/activations): (1) every element is stored in the format: fp16 and bf16
round to nearest even; int8 stores q = round-half-even(clamp(x / s, -127, 127)) with one scale per value,
s = max|a| / 127 over clean calibration images (1 for a value that is 0 throughout), a NaN storing as 0, and
reads back q * s; (2) each faulted element takes the word the dump says it held after the fault; (3) the read
guards, in this order: nanguard (non-finite -> 0), ranger (clamp to the value's [min, max] on the calibration
images; a NaN passes), clip-act (outside [min, max], or NaN -> 0). The ranges and scales are computed here, on
the module, from the same calibration images; the only flipguard output the replay reads is the fault list.

Which module call writes which ONNX value: torch.onnx.export names each node after the module scope it was
traced in, "/" + one component per module on the call stack + "/" + op type (e.g. /layer1/layer1.0/relu/Relu),
a component being the module's qualified name from its last non-numeric atom on (layer1.0, conv1), a second call
of the same module in the same scope getting "_1" (relu_1), and a second node of one type in one scope "_1"
(Relu_1). The replay names every call the same way while the module runs, from forward pre/post hooks on all
modules: the hook of a leaf module (Conv2d, BatchNorm2d, ReLU, Linear, ...) replaces that module's output; a
functional op inside a forward (F.relu, +, F.max_pool2d, flatten, ...) has no module of its own and is caught by
a TorchFunctionMode that runs only while no leaf module is running. flipguard's value names are the ONNX names of
the nodes that write them after its graph passes: a BatchNorm folded into its Conv writes under the BN's name, a
fused Conv+Relu under the Relu's, so each value is the output of one such call. A Conv whose BatchNorm the
exporter itself folded (an eval-mode export without training=PRESERVE) is found as the Conv call whose output the
BatchNorm module takes next: the value is then the BatchNorm's output. Every selected value must be written by
exactly one call per forward, or the replay stops and says which it could not place.

BatchNorm: flipguard folds it into the Conv (in float64, one rounding to float32); by default the module is
folded the same way before the replay (fold_batchnorm=False runs it as trained: the same function, float32
rounding apart).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from activation_replay import (Fault, decode_word, parse_fault_line, read_faults as read_float_faults,  # noqa: E402
                               read_values, round_to_format)

FORMATS = ("fp32", "fp16", "bf16", "int8")
GUARDS = ("nanguard", "ranger", "clip-act")  # applied in this order, whatever the order of the stack

# The ONNX node a leaf module's call exports as (None: no node, e.g. Dropout in eval mode).
LEAF_OPS: Dict[type, Optional[str]] = {
    nn.Conv1d: "Conv", nn.Conv2d: "Conv", nn.Conv3d: "Conv",
    nn.BatchNorm1d: "BatchNormalization", nn.BatchNorm2d: "BatchNormalization",
    nn.Linear: "Gemm", nn.ReLU: "Relu", nn.ReLU6: "Clip", nn.Hardtanh: "Clip", nn.Sigmoid: "Sigmoid",
    nn.MaxPool2d: "MaxPool", nn.AvgPool2d: "AveragePool", nn.AdaptiveAvgPool2d: "GlobalAveragePool",
    nn.Flatten: "Flatten", nn.Softmax: "Softmax",
    nn.Dropout: None, nn.Identity: None,
}

# The ONNX node a functional op exports as, for the ops a forward() of these models calls directly.
_T = torch.Tensor
FUNCTION_OPS: Dict[object, str] = {}
for _op, _fns in {
    "Relu": (F.relu, torch.relu, _T.relu, torch.relu_, _T.relu_),
    "Add": (torch.add, _T.add, _T.add_, _T.__add__, _T.__iadd__, _T.__radd__),
    "Mul": (torch.mul, _T.mul, _T.mul_, _T.__mul__, _T.__imul__, _T.__rmul__),
    "MaxPool": (F.max_pool2d,), "AveragePool": (F.avg_pool2d,), "Pad": (F.pad,),
    "GlobalAveragePool": (F.adaptive_avg_pool2d,), "Flatten": (torch.flatten, _T.flatten),
    "Clip": (F.relu6, F.hardtanh), "Concat": (torch.cat,), "Sigmoid": (torch.sigmoid, _T.sigmoid),
    "Conv": (F.conv2d,), "Gemm": (F.linear,),
}.items():
    for _fn in _fns:
        FUNCTION_OPS[_fn] = _op


def scope_component(qualified_name: str) -> str:
    """The component a module adds to an ONNX node's scope: its qualified name from the last non-numeric atom
    on (layer1.0 -> layer1.0, layer1.0.conv1 -> conv1, features.1.conv.0.0 -> conv.0.0), as torch.onnx names
    scopes."""
    atoms = qualified_name.split(".")
    for i in range(len(atoms) - 1, -1, -1):
        if not atoms[i].isnumeric():
            return ".".join(atoms[i:])
    return qualified_name


# A call of the traced module that writes an ONNX node's output: its node name, the tensor it wrote, and the
# tensors it read. Returns what the rest of the module reads instead.
CallHook = Callable[[str, torch.Tensor, Sequence[torch.Tensor]], torch.Tensor]


class CallNamer:
    """Forward hooks on every module of `root` and a function mode that name each call as torch.onnx.export
    names the node it exports as, and hand its output to a CallHook while `with namer.forward(hook):` runs
    (each call of `root` in the block, one per batch, is named afresh). Outside that block the hooks do
    nothing."""

    def __init__(self, root: nn.Module):
        self.root = root
        self._names = {m: n for n, m in root.named_modules()}
        self._hook: Optional[CallHook] = None
        self.module: Optional[nn.Module] = None  # the leaf module of the call the hook is handed, else None
        self._handles = []
        for m in root.modules():
            self._handles.append(m.register_forward_pre_hook(self._pre))
            self._handles.append(m.register_forward_hook(self._post))

    def close(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    class _Forward:
        def __init__(self, namer: "CallNamer", hook: CallHook):
            self.namer, self.hook = namer, hook

        def __enter__(self):
            n = self.namer
            n._hook, n._stack, n._scope_counts, n._node_counts = self.hook, [], {}, {}
            n._leaf_depth, n._busy = 0, False
            self.mode = _FunctionOps(n)
            self.mode.__enter__()
            return n

        def __exit__(self, *exc):
            self.mode.__exit__(*exc)
            self.namer._hook = None
            return False

    def forward(self, hook: CallHook) -> "CallNamer._Forward":
        return CallNamer._Forward(self, hook)

    def _node_name(self, op: str) -> str:
        base = (self._stack[-1] if self._stack else "") + "/" + op
        k = self._node_counts.get(base, 0)
        self._node_counts[base] = k + 1
        return base if k == 0 else f"{base}_{k}"

    def _pre(self, module, inputs):
        if self._hook is None:
            return None
        if module is self.root:  # a forward of the model: names start afresh
            self._stack, self._scope_counts, self._node_counts, self._leaf_depth = [""], {}, {}, 0
        else:
            base = (self._stack[-1] if self._stack else "") + "/" + scope_component(self._names[module])
            k = self._scope_counts.get(base, 0)
            self._scope_counts[base] = k + 1
            self._stack.append(base if k == 0 else f"{base}_{k}")
        if type(module) in LEAF_OPS:
            self._leaf_depth += 1
        return None

    def _post(self, module, inputs, output):
        if self._hook is None:
            return None
        try:
            if type(module) not in LEAF_OPS:
                return None
            self._leaf_depth -= 1
            op = LEAF_OPS[type(module)]
            if op is None or self._leaf_depth > 0 or not isinstance(output, torch.Tensor):
                return None
            if op == "GlobalAveragePool" and tuple(output.shape[2:]) != (1,) * (output.dim() - 2):
                op = "AveragePool"
            name = self._node_name(op)
            self._busy, self.module = True, module  # the hook's own torch calls are not the model's
            try:
                return self._hook(name, output, [t for t in inputs if isinstance(t, torch.Tensor)])
            finally:
                self._busy, self.module = False, None
        finally:
            self._stack.pop()

    def _function(self, func, args, kwargs):
        """A functional op of a forward (FunctionOps routes it here); its output goes to the hook."""
        out = func(*args, **kwargs)
        op = FUNCTION_OPS.get(func)
        if op is None or self._busy or self._leaf_depth > 0 or self._hook is None or not isinstance(
                out, torch.Tensor):
            return out
        if op == "GlobalAveragePool" and tuple(out.shape[2:]) != (1,) * (out.dim() - 2):
            op = "AveragePool"
        name = self._node_name(op)
        inputs = [a for a in args if isinstance(a, torch.Tensor)]
        if op == "Concat" and args and isinstance(args[0], (list, tuple)):
            inputs = [a for a in args[0] if isinstance(a, torch.Tensor)]
        self._busy = True
        try:
            return self._hook(name, out, inputs)
        finally:
            self._busy = False


class _FunctionOps(TorchFunctionMode):
    """Sends every torch function call made while it is active to CallNamer._function (torch runs the mode's
    handler with the mode itself off, so the ops a function calls inside are not seen again)."""

    def __init__(self, namer: CallNamer):
        super().__init__()
        self.namer = namer

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return self.namer._function(func, args, kwargs or {})


def onnx_node_outputs(onnx_path: str) -> Dict[str, Tuple[str, str]]:
    """ONNX node name -> (op type, the value it writes first) of a model file."""
    try:
        model = onnx.load(onnx_path)
    except Exception as e:  # protobuf DecodeError, OSError...
        raise ValueError(f"{onnx_path}: cannot load ONNX model: {e}") from e
    return {n.name: (n.op_type, n.output[0]) for n in model.graph.node if n.output}


@dataclass
class CallRecord:
    name: str
    output: torch.Tensor
    inputs: List[torch.Tensor]
    module: Optional[nn.Module]  # a leaf module's call: the module; a functional op: None


def place_values(namer: CallNamer, x: torch.Tensor, nodes: Dict[str, Tuple[str, str]],
                 values: Iterable[str]) -> Tuple[Dict[str, str], List[CallRecord]]:
    """Which call writes each selected value: one clean forward of `x` with every call named, matched to the
    ONNX graph's node names. Returns call name -> value name, and the calls (for folding BatchNorm)."""
    calls: List[CallRecord] = []

    def record(name, y, inputs):
        # Holding the tensors keeps their identities unique while the calls are matched.
        calls.append(CallRecord(name, y, list(inputs), namer.module))
        return y

    with torch.no_grad(), namer.forward(record):
        namer.root(x)
    wanted = set(values)
    placed: Dict[str, str] = {}
    for i, c in enumerate(calls):
        op_value = nodes.get(c.name)
        if op_value is None or op_value[1] not in wanted:
            continue
        op, value = op_value
        where = c.name
        if op == "Conv":
            # A BatchNorm the exporter folded into this Conv: the value is what the BN module writes.
            for later in calls[i + 1:]:
                if later.name.rsplit("/", 1)[-1].startswith("BatchNormalization") and later.inputs and \
                        later.inputs[0] is c.output and later.name not in nodes:
                    where = later.name
                    break
        if where in placed:
            raise ValueError(f"calls {where} writes both {placed[where]} and {value}")
        placed[where] = value
    missing = sorted(wanted - set(placed.values()))
    if missing:
        seen = ", ".join(c.name for c in calls[:80])
        raise ValueError(f"values no call of the module writes: {missing}; the calls as named here: {seen}"
                         + (" ..." if len(calls) > 80 else ""))
    return placed, calls


def fold_batchnorm(calls: Sequence[CallRecord]) -> int:
    """Folds each eval-mode BatchNorm into the Conv whose output it reads (the pairs of `calls`, by tensor
    identity), as flipguard folds the ONNX graph: w' = w * s, b' = (b - mean) * s + beta, s = gamma /
    sqrt(var + eps), in float64 with one rounding to float32; the BatchNorm module then passes its input on
    (its hooks still fire, so values keep their names). Changes the modules in place."""
    folded = 0
    for i, c in enumerate(calls):
        bn = c.module
        if not isinstance(bn, (nn.BatchNorm1d, nn.BatchNorm2d)) or bn.training or not c.inputs:
            continue
        conv_call = next((p for p in calls[:i] if p.output is c.inputs[0]), None)
        conv = conv_call.module if conv_call else None
        if not isinstance(conv, (nn.Conv1d, nn.Conv2d)) or bn.running_var is None:
            continue
        with torch.no_grad():
            eps = float(np.float32(bn.eps))  # ONNX keeps epsilon as float32
            s = bn.weight.double() / torch.sqrt(bn.running_var.double() + eps)
            w = conv.weight.double() * s.reshape(-1, *[1] * (conv.weight.dim() - 1))
            b = conv.bias.double() if conv.bias is not None else torch.zeros_like(s)
            conv.weight.copy_(w.float())
            conv.bias = nn.Parameter(((b - bn.running_mean.double()) * s + bn.bias.double()).float())
        bn.forward = lambda x: x  # an instance attribute: the module is still called (and hooked)
        folded += 1
    return folded


def int8_scale(lo: float, hi: float) -> np.float32:
    """max|a| / 127 in float32 over a clean range; 1 for a value that is 0 throughout (or never finite)."""
    m = np.float32(max(-lo, hi)) if lo <= hi else np.float32(0)
    return np.float32(m / np.float32(127)) if m > 0 else np.float32(1)


def round_int8(x: torch.Tensor, scale: np.float32) -> torch.Tensor:
    """Stored in int8 and read back: q = clamp(x / s, -127, 127) in float64, rounded half to even (NaN -> 0,
    -0 -> +0), read as float32(q) * s."""
    x = torch.where(torch.isnan(x), torch.zeros((), dtype=x.dtype), x)
    q = torch.round(torch.clamp(x.double() / float(scale), -127.0, 127.0)) + 0.0
    return q.float() * torch.tensor(scale, dtype=torch.float32)


def decode_int8(word: int, scale: np.float32) -> float:
    q = word & 0xFF
    q = q - 256 if q >= 128 else q
    return float(np.float32(q) * scale)


def read_faults(path: str, fmt: str) -> List[Fault]:
    """The dump's faults; for fp formats checked word by word (activation_replay.read_faults), for int8 each
    line checked against itself: 8-bit words whose before and after values share one positive scale."""
    if fmt != "int8":
        return read_float_faults(path, fmt)
    faults = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            fault = parse_fault_line(line, path, lineno)
            if not (0 <= fault.word_before < 256 and 0 <= fault.word_after < 256):
                raise ValueError(f"{path} line {lineno}: words {fault.word_before:#x}, {fault.word_after:#x} are "
                                 "not int8 words: a dump of another format?")
            qb, qa = (decode_int8(w, np.float32(1)) for w in (fault.word_before, fault.word_after))
            scales = [v / q for v, q in ((fault.before, qb), (fault.after, qa)) if q != 0]
            if any(not s > 0 for s in scales) or (len(scales) == 2 and abs(scales[0] - scales[1]) > 1e-6 *
                                                  scales[0]) or any(v != 0 for v, q in ((fault.before, qb),
                                                                                        (fault.after, qa))
                                                                    if q == 0):
                raise ValueError(f"{path} line {lineno}: int8 words {qb:g} -> {qa:g} do not read {fault.before} "
                                 f"-> {fault.after} at one scale: a dump of another format?")
            faults.append(fault)
    return faults


@dataclass
class ValueRange:
    lo: float = math.inf
    hi: float = -math.inf


@dataclass
class ReplayStats:
    """What a replay did (compare activation_replay.ReplayStats)."""

    stored_values: int = 0  # value writes the storage rounded and guarded
    faults_applied: int = 0
    before_mismatch: int = 0  # faulted elements whose stored value differs from the dump's "before" at all
    # Largest |replay - dump "before"| over faulted elements finite on both sides, relative to the largest
    # finite |element| of that image's value: float32 noise where the fault is on the same element.
    max_before_error: float = 0.0
    max_after_error: float = 0.0  # int8: |replay's decode of the word - dump's "after"| / the same magnitude
    nonfinite_before_rows: List[int] = field(default_factory=list)
    guarded: int = 0  # elements a guard changed (nanguard zeroed, ranger clamped, clip-act zeroed)
    folded_batchnorm: int = 0


class ModuleReplay:
    """A flipguard activation run replayed on `module` (eval mode), for the values `values` of the ONNX model
    `onnx_path` it was exported as, stored in `fmt` behind `protection`, with `faults` from the run's dump."""

    def __init__(self, module: nn.Module, onnx_path: str, values: Iterable[str], fmt: str,
                 protection: str = "none", faults: Sequence[Fault] = (), fold_bn: bool = True):
        if fmt not in FORMATS:
            raise ValueError(f"storage format {fmt!r}: expected one of {', '.join(FORMATS)}")
        guards = [] if protection == "none" else protection.split("+")
        unknown = [g for g in guards if g not in GUARDS]
        if unknown or len(set(guards)) != len(guards):
            raise ValueError(f"protection {protection!r}: expected none or a '+' stack of {', '.join(GUARDS)}")
        # A copy: folding BatchNorm changes it, and the hooks stay on it.
        self.module = copy.deepcopy(module).eval()
        self.values: List[str] = list(dict.fromkeys(values))
        self.fmt, self.guards = fmt, set(guards)
        self.nodes = onnx_node_outputs(onnx_path)
        written = {v for _, v in self.nodes.values()}
        absent = sorted(set(self.values) - written)
        if absent:
            raise ValueError(f"values no node of {onnx_path} writes: {absent}")
        missing = sorted({f.value for f in faults} - set(self.values))
        if missing:
            raise ValueError(f"faults on values not in the value list: {missing}")
        self._faults: Dict[str, Dict[int, List[Fault]]] = {}
        for f in faults:
            self._faults.setdefault(f.value, {}).setdefault(f.index[0], []).append(f)
        self.stats = ReplayStats()
        self.namer = CallNamer(self.module)
        self._fold_bn = fold_bn
        self._placed: Optional[Dict[str, str]] = None
        self.ranges: Dict[str, ValueRange] = {}
        self.scales: Dict[str, np.float32] = {}

    def needs_calibration(self) -> bool:
        return self.fmt == "int8" or bool(self.guards & {"ranger", "clip-act"})

    def close(self) -> None:
        self.namer.close()

    def place(self, x: torch.Tensor) -> Dict[str, str]:
        """Names the calls on a clean forward of `x` (one image will do), folds BatchNorm, and returns call
        name -> value. Done once, on the first batch the replay sees."""
        if self._placed is None:
            placed, calls = place_values(self.namer, x[:1], self.nodes, self.values)
            if self._fold_bn:
                self.stats.folded_batchnorm = fold_batchnorm(calls)
            self._placed = placed
        return self._placed

    def calibrate(self, batches: Iterable[torch.Tensor]) -> None:
        """Each value's [min, max] over its finite elements on clean calibration images (the module as it is,
        every value in fp32), and from it the int8 scales."""
        ranges = {v: ValueRange() for v in self.values}
        placed = None

        def observe(name, y, inputs):
            v = placed.get(name)
            if v is not None:
                finite = y[torch.isfinite(y)]
                if finite.numel():
                    r = ranges[v]
                    r.lo, r.hi = min(r.lo, float(finite.min())), max(r.hi, float(finite.max()))
            return y

        for x in batches:
            placed = self.place(x)
            with torch.no_grad(), self.namer.forward(observe):
                self.module(x)
        self.ranges = ranges
        self.scales = {v: int8_scale(r.lo, r.hi) for v, r in ranges.items()}

    def run(self, x: torch.Tensor, start: int) -> torch.Tensor:
        """The logits of a batch whose first row is the run's row `start`."""
        if self.needs_calibration() and not self.ranges:
            raise ValueError(f"{self.fmt} behind {'+'.join(sorted(self.guards)) or 'none'} needs the values' "
                             "ranges: calibrate() first")
        placed = self.place(x)
        hits: Dict[str, int] = {}

        def store(name, y, inputs):
            v = placed.get(name)
            if v is None:
                return y
            hits[v] = hits.get(v, 0) + 1
            return self._store(v, y, start)

        with torch.no_grad(), self.namer.forward(store):
            out = self.module(x)
        wrong = {v: hits.get(v, 0) for v in self.values if hits.get(v, 0) != 1}
        if wrong:
            raise ValueError(f"values not written exactly once by the forward (value: times): {wrong}")
        return out

    def _store(self, v: str, y: torch.Tensor, start: int) -> torch.Tensor:
        self.stats.stored_values += 1
        if self.fmt == "int8":
            y = round_int8(y, self.scales[v])
        else:
            y = round_to_format(y, self.fmt)
        # A contiguous copy of its own: an output may be a view of another value (Flatten) or be strided.
        y = y.clone(memory_format=torch.contiguous_format)
        flat = y.view(y.shape[0], -1)
        for row, faults in self._faults.get(v, {}).items():
            if not start <= row < start + y.shape[0]:
                continue
            stored = flat[row - start]
            finite = stored[torch.isfinite(stored)].abs()
            magnitude = float(finite.max()) if finite.numel() else 0.0
            for f in faults:
                if tuple(f.index[1:]) != tuple(np.unravel_index(f.element, tuple(y.shape[1:]))):
                    raise ValueError(f"fault on {v}: index {list(f.index)} and element {f.element} disagree "
                                     f"for shape {list(y.shape)}")
                self._note_before(float(stored[f.element]), f.before, magnitude, row)
                if self.fmt == "int8":
                    after = decode_int8(f.word_after, self.scales[v])
                    if magnitude > 0 and math.isfinite(f.after):
                        self.stats.max_after_error = max(self.stats.max_after_error,
                                                         abs(after - f.after) / magnitude)
                else:
                    after = decode_word(f.word_after, self.fmt)
                stored[f.element] = after
                self.stats.faults_applied += 1
        if "nanguard" in self.guards:
            bad = ~torch.isfinite(y)
            self.stats.guarded += int(bad.sum())
            y = torch.where(bad, torch.zeros((), dtype=y.dtype), y)
        if self.guards & {"ranger", "clip-act"}:
            r = self.ranges[v]
            lo, hi = torch.tensor(r.lo, dtype=torch.float32), torch.tensor(r.hi, dtype=torch.float32)
            if "ranger" in self.guards:  # a NaN passes, +-Inf clamps
                out = torch.where(torch.isnan(y), y, torch.minimum(torch.maximum(y, lo), hi))
                self.stats.guarded += int((out != y).sum())
                y = out
            if "clip-act" in self.guards:  # outside the range (or NaN) reads as 0
                inside = (y >= lo) & (y <= hi)
                self.stats.guarded += int((~inside & (y != 0)).sum())
                y = torch.where(inside, y, torch.zeros((), dtype=y.dtype))
        return y

    def _note_before(self, had: float, before: float, magnitude: float, row: int) -> None:
        if had == before or (math.isnan(had) and math.isnan(before)):
            return
        self.stats.before_mismatch += 1
        if math.isfinite(had) and math.isfinite(before):
            error = abs(had - before) / magnitude if magnitude > 0 else math.inf
            self.stats.max_before_error = max(self.stats.max_before_error, error)
        elif row not in self.stats.nonfinite_before_rows:
            self.stats.nonfinite_before_rows.append(row)


def run_rows(replay: ModuleReplay, x: np.ndarray, batch: int = 32) -> np.ndarray:
    """The replay's logits for rows x (row n = the run's row n), in batches."""
    out = []
    for s in range(0, x.shape[0], batch):
        out.append(replay.run(torch.from_numpy(np.ascontiguousarray(x[s:s + batch])), s).numpy())
    return np.concatenate(out).astype(np.float32)


def split_npy_rows(rows: int, limit: int, calibration: int) -> Tuple[range, range]:
    """The rows flipguard evaluates and calibrates on for unlabelled model inputs in a .npy (--data x.npy
    --limit N --calibration-images K): the first N, and the K after them, or the first K evaluated when the
    file has no others (campaign_setup's rule, which for unlabelled data is in file order)."""
    n = rows if limit == 0 else min(limit, rows)
    if n < rows:
        return range(n), range(n, min(n + calibration, rows))
    return range(n), range(min(calibration, n))


# --- models -----------------------------------------------------------------------------------------------


def load_module(spec: str) -> nn.Module:
    """resnet20/32/44/56: the CIFAR-10 ResNet from the asset checkpoint, as scripts/convert builds it; a .pt
    path: a whole module saved with torch.save (export-torchvision writes one)."""
    if spec.endswith(".pt"):
        module = torch.load(spec, map_location="cpu")
        if not isinstance(module, nn.Module):
            raise ValueError(f"{spec}: holds a {type(module).__name__}, not an nn.Module")
        return module.eval()
    if spec.startswith("resnet") and spec[6:].isdigit():
        sys.path.insert(0, os.path.join(os.path.dirname(HERE), "convert"))
        import common  # noqa: E402
        import torch_resnet_cifar  # noqa: E402

        return torch_resnet_cifar.load(int(spec[6:]), common.assets_dir("")).eval()
    raise ValueError(f"module {spec!r}: expected resnet20, resnet32, resnet44, resnet56 or a .pt file")


def torchvision_model(arch: str, classes: int = 10, seed: int = 0) -> nn.Module:
    """A torchvision architecture with seeded random weights and random BatchNorm statistics (so folding them
    is not the identity), in eval mode."""
    import torchvision

    torch.manual_seed(seed)
    net = getattr(torchvision.models, arch)(num_classes=classes).eval()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
                m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)
    return net


def export_onnx(module: nn.Module, size: Tuple[int, int], path: str, keep_batchnorm: bool = False) -> None:
    """torch.onnx.export at opset 13 with a dynamic batch; keep_batchnorm keeps BatchNormalization nodes (for
    flipguard to fold) instead of the exporter folding them into the Convs."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, torch.zeros(1, 3, *size), path, input_names=["input"], output_names=["logits"],
                          opset_version=13, dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}},
                          training=torch.onnx.TrainingMode.PRESERVE if keep_batchnorm
                          else torch.onnx.TrainingMode.EVAL)


def cmd_export(args) -> None:
    os.makedirs(args.out_dir, exist_ok=True)
    net = torchvision_model(args.arch, args.classes, args.seed)
    base = os.path.join(args.out_dir, args.arch)
    export_onnx(net, (args.size, args.size), base + ".onnx", args.keep_batchnorm)
    torch.save(net, base + ".pt")
    g = torch.Generator().manual_seed(args.seed + 2)
    np.save(base + "_x.npy", torch.randn(args.images, 3, args.size, args.size, generator=g).numpy())
    print(f"wrote {base}.onnx, {base}.pt (the module) and {base}_x.npy ({args.images} random inputs)")


def cmd_replay(args) -> None:
    onnx_path = args.model
    if args.model.endswith(".json"):
        with open(args.model) as f:
            onnx_path = os.path.join(os.path.dirname(os.path.abspath(args.model)), json.load(f)["onnx"])
    x_all = np.load(args.inputs)
    if x_all.dtype != np.float32 or x_all.ndim < 2:
        raise SystemExit(f"{args.inputs}: expected float32 [N, ...] model inputs, got {x_all.dtype} "
                         f"{list(x_all.shape)}")
    rows, calib = split_npy_rows(x_all.shape[0], args.limit, args.calibration_images)
    try:
        faults = read_faults(args.faults, args.format) if args.faults else []
        bad = [f for f in faults if f.image != f.index[0]]
        if bad:
            raise ValueError(f"fault on {bad[0].value} names image {bad[0].image} at row {bad[0].index[0]}: the "
                             "rows of a .npy run are its images in order")
        replay = ModuleReplay(load_module(args.module), onnx_path, read_values(args.values), args.format,
                              args.protection, faults, fold_bn=not args.no_fold_bn)
        if replay.needs_calibration():
            cal = x_all[calib.start:calib.stop]
            replay.calibrate(torch.from_numpy(np.ascontiguousarray(cal[s:s + args.batch]))
                             for s in range(0, len(cal), args.batch))
        logits = run_rows(replay, x_all[rows.start:rows.stop], args.batch)
    except (OSError, ValueError) as e:
        raise SystemExit(f"replay: {e}")
    np.save(args.out, logits)
    st = replay.stats
    if st.faults_applied != len(faults):
        raise SystemExit(f"replay: applied {st.faults_applied} of the {len(faults)} faults")
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump(dataclasses.asdict(st), f)
    print(f"wrote {args.out}: {logits.shape[0]}x{logits.shape[1]} logits; {len(replay.values)} values in "
          f"{args.format}/{args.protection}, {st.faults_applied} faults ({st.before_mismatch} read otherwise "
          f"before the fault, by at most {st.max_before_error:.3g} of the value's max |element|), guards "
          f"changed {st.guarded} elements; {st.folded_batchnorm} BatchNorms folded")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("replay", help="the logits of a flipguard activation run, from its fault dump")
    r.add_argument("--module", required=True, help="resnet20|resnet32|resnet44|resnet56 or a saved module .pt")
    r.add_argument("--model", required=True, help="the ONNX model flipguard ran (.onnx or sidecar .json)")
    r.add_argument("--inputs", required=True, help="the run's --data: float32 .npy model inputs")
    r.add_argument("--limit", type=int, default=0, help="the run's --limit (0: every row)")
    r.add_argument("--calibration-images", type=int, default=64, help="the run's --calibration-images")
    r.add_argument("--format", required=True, choices=FORMATS)
    r.add_argument("--protection", default="none", help="none or a '+' stack of " + ", ".join(GUARDS))
    r.add_argument("--values", required=True,
                   help="flipguard inspect-model --site activations output, or one value name a line")
    r.add_argument("--faults", help="flipguard run --dump-faults file (none: the clean stored run)")
    r.add_argument("--out", required=True, help="output .npy")
    r.add_argument("--stats", help="write what the replay did as JSON")
    r.add_argument("--batch", type=int, default=32)
    r.add_argument("--no-fold-bn", action="store_true", help="run BatchNorm as trained instead of folded")
    e = sub.add_parser("export-torchvision", help="a seeded random torchvision model as .onnx, .pt and inputs")
    e.add_argument("--arch", default="resnet18")
    e.add_argument("--size", type=int, default=64)
    e.add_argument("--classes", type=int, default=10)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--images", type=int, default=32)
    e.add_argument("--keep-batchnorm", action="store_true")
    e.add_argument("--out-dir", required=True)
    args = p.parse_args()
    torch.set_grad_enabled(False)
    if args.cmd == "replay":
        if args.batch < 1:
            raise SystemExit("--batch must be >= 1")
        cmd_replay(args)
    else:
        cmd_export(args)


if __name__ == "__main__":
    main()

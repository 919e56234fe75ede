"""A small ONNX interpreter on torch.nn.functional.

It is deliberately independent of the C++ engine (no shared code, no onnxruntime), so that agreement between
the two is evidence that both read the ONNX graph right. It runs nodes in the order of the graph (ONNX requires
topological order) and supports the operators the project's models use, plus a few common neighbours.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


class UnsupportedModel(RuntimeError):
    """The model uses an operator or attribute this interpreter does not implement."""


def _attrs(node: onnx.NodeProto) -> Dict[str, object]:
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, onnx.TensorProto):
            v = torch.from_numpy(numpy_helper.to_array(v).copy())
        out[a.name] = v
    return out


def _int_list(t: torch.Tensor) -> List[int]:
    return [int(v) for v in t.reshape(-1).tolist()]


def _spatial_pads(node, a, x_shape, kernel, strides, dilations) -> List[int]:
    """ONNX pads [x1_begin, x2_begin, x1_end, x2_end], resolving auto_pad."""
    n = len(kernel)
    auto_pad = a.get("auto_pad", "NOTSET")
    if auto_pad in ("NOTSET", ""):
        pads = list(a.get("pads", [0] * (2 * n)))
        if len(pads) != 2 * n:
            raise UnsupportedModel(f"node {node.name}: pads {pads} do not match {n} spatial dims")
        return pads
    if auto_pad == "VALID":
        return [0] * (2 * n)
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for i in range(n):
            size = x_shape[2 + i]
            out = math.ceil(size / strides[i])
            total = max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size, 0)
            small, big = total // 2, total - total // 2
            begin.append(small if auto_pad == "SAME_UPPER" else big)
            end.append(big if auto_pad == "SAME_UPPER" else small)
        return begin + end
    raise UnsupportedModel(f"node {node.name}: auto_pad {auto_pad!r} unknown")


def _torch_pad_2d(pads: Sequence[int]) -> List[int]:
    """ONNX [top, left, bottom, right] -> torch F.pad order (left, right, top, bottom)."""
    return [pads[1], pads[3], pads[0], pads[2]]


def _require_2d(node, kernel):
    if len(kernel) != 2:
        raise UnsupportedModel(f"node {node.name} ({node.op_type}): only 2-D spatial ops are supported")


def _conv(node, a, x, w, b=None):
    kernel = list(a.get("kernel_shape", w.shape[2:]))
    _require_2d(node, kernel)
    strides = list(a.get("strides", [1, 1]))
    dilations = list(a.get("dilations", [1, 1]))
    pads = _spatial_pads(node, a, x.shape, kernel, strides, dilations)
    if any(pads):
        x = F.pad(x, _torch_pad_2d(pads))
    return F.conv2d(x, w, b, stride=strides, dilation=dilations, groups=int(a.get("group", 1)))


def _max_pool(node, a, x):
    kernel = list(a["kernel_shape"])
    _require_2d(node, kernel)
    strides = list(a.get("strides", [1, 1]))
    dilations = list(a.get("dilations", [1, 1]))
    if int(a.get("storage_order", 0)) != 0 or len(node.output) > 1 and node.output[1]:
        raise UnsupportedModel(f"node {node.name}: MaxPool indices output / storage_order not supported")
    pads = _spatial_pads(node, a, x.shape, kernel, strides, dilations)
    if any(pads):
        x = F.pad(x, _torch_pad_2d(pads), value=-math.inf)
    return F.max_pool2d(x, kernel, strides, 0, dilations, ceil_mode=bool(a.get("ceil_mode", 0)))


def _average_pool(node, a, x):
    kernel = list(a["kernel_shape"])
    _require_2d(node, kernel)
    strides = list(a.get("strides", [1, 1]))
    pads = _spatial_pads(node, a, x.shape, kernel, strides, [1, 1])
    ceil = bool(a.get("ceil_mode", 0))
    include_pad = bool(a.get("count_include_pad", 0))
    # Window sums of the data and of a mask of the positions that count, so any padding / ceil overhang is
    # handled by one rule: divide by how many counted positions the window covers.
    valid = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype)
    if any(pads):
        tp = _torch_pad_2d(pads)
        x = F.pad(x, tp)
        valid = F.pad(valid, tp, value=1.0 if include_pad else 0.0)
    sums = F.avg_pool2d(x, kernel, strides, 0, ceil_mode=ceil, divisor_override=1)
    counts = F.avg_pool2d(valid, kernel, strides, 0, ceil_mode=ceil, divisor_override=1)
    return sums / counts


def _gemm(node, a, A, B, C=None):
    if int(a.get("transA", 0)):
        A = A.t()
    if int(a.get("transB", 0)):
        B = B.t()
    y = float(a.get("alpha", 1.0)) * (A @ B)
    if C is not None:
        y = y + float(a.get("beta", 1.0)) * C
    return y


def _reshape(node, a, x, shape):
    shape = _int_list(shape)
    allow_zero = int(a.get("allowzero", 0))
    out = [x.shape[i] if (s == 0 and not allow_zero) else s for i, s in enumerate(shape)]
    return x.reshape(out)


def _flatten(node, a, x):
    axis = int(a.get("axis", 1))
    if axis < 0:
        axis += x.dim()
    return x.reshape(int(np.prod(x.shape[:axis], dtype=np.int64)), -1)


def _pad(node, a, x, pads=None, value=None):
    if pads is None:  # opset < 11: attributes
        pads = list(a["pads"])
        value = float(a.get("value", 0.0))
    else:
        pads = _int_list(pads)
        value = 0.0 if value is None else float(value.reshape(-1)[0])
    mode = a.get("mode", "constant")
    n = x.dim()
    torch_pads: List[int] = []
    for d in reversed(range(n)):  # torch wants the last dim first
        torch_pads += [pads[d], pads[d + n]]
    if mode == "constant":
        return F.pad(x, torch_pads, value=value)
    if mode in ("reflect", "edge"):
        if any(torch_pads[4:]):
            raise UnsupportedModel(f"node {node.name}: {mode} Pad on batch/channel axes not supported")
        return F.pad(x, torch_pads[:4], mode="reflect" if mode == "reflect" else "replicate")
    raise UnsupportedModel(f"node {node.name}: Pad mode {mode!r} unknown")


def _slice(node, a, x, starts=None, ends=None, axes=None, steps=None):
    if starts is None:  # opset < 10: attributes
        starts, ends = list(a["starts"]), list(a["ends"])
        axes = list(a.get("axes", range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = _int_list(starts), _int_list(ends)
        axes = _int_list(axes) if axes is not None else list(range(len(starts)))
        steps = _int_list(steps) if steps is not None else [1] * len(starts)
    index = [slice(None)] * x.dim()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        if st <= 0:
            raise UnsupportedModel(f"node {node.name}: Slice with step {st} not supported")
        ax = ax + x.dim() if ax < 0 else ax
        size = x.shape[ax]
        s = max(0, min(size, s + size if s < 0 else s))
        e = max(0, min(size, e + size if e < 0 else e))
        index[ax] = slice(s, e, st)
    return x[tuple(index)]


def _softmax(node, a, x, opset):
    if opset >= 13:
        return torch.softmax(x, int(a.get("axis", -1)))
    axis = int(a.get("axis", 1))  # older opsets: coerce to 2-D at axis
    shape = x.shape
    return torch.softmax(_flatten(node, {"axis": axis}, x), 1).reshape(shape)


def _clip(node, a, x, lo=None, hi=None):
    lo = float(a["min"]) if "min" in a else (None if lo is None else float(lo))
    hi = float(a["max"]) if "max" in a else (None if hi is None else float(hi))
    return torch.clamp(x, lo, hi)


def _reduce_mean(node, a, x, axes=None):
    axes = list(a["axes"]) if "axes" in a else (None if axes is None else _int_list(axes))
    keep = bool(a.get("keepdims", 1))
    if axes is None:
        axes = list(range(x.dim()))
    return x.mean(dim=axes, keepdim=keep)


def _unsqueeze(node, a, x, axes=None):
    axes = sorted(list(a["axes"]) if "axes" in a else _int_list(axes))
    out_rank = x.dim() + len(axes)
    for ax in sorted(ax + out_rank if ax < 0 else ax for ax in axes):
        x = x.unsqueeze(ax)
    return x


def _squeeze(node, a, x, axes=None):
    axes = list(a["axes"]) if "axes" in a else (None if axes is None else _int_list(axes))
    if axes is None:
        return x.squeeze()
    for ax in sorted((ax + x.dim() if ax < 0 else ax for ax in axes), reverse=True):
        x = x.squeeze(ax)
    return x


def _concat(node, a, *xs):
    return torch.cat(xs, int(a["axis"]))


_OPS: Dict[str, Callable] = {
    "Conv": _conv,
    "MaxPool": _max_pool,
    "AveragePool": _average_pool,
    "GlobalAveragePool": lambda n, a, x: x.mean(dim=tuple(range(2, x.dim())), keepdim=True),
    "GlobalMaxPool": lambda n, a, x: x.amax(dim=tuple(range(2, x.dim())), keepdim=True),
    "Gemm": _gemm,
    "MatMul": lambda n, a, x, y: torch.matmul(x, y),
    "BatchNormalization": lambda n, a, x, s, b, m, v: F.batch_norm(
        x, m, v, s, b, training=False, eps=float(a.get("epsilon", 1e-5))
    ),
    "Relu": lambda n, a, x: torch.relu(x),
    "LeakyRelu": lambda n, a, x: F.leaky_relu(x, float(a.get("alpha", 0.01))),
    "Sigmoid": lambda n, a, x: torch.sigmoid(x),
    "Tanh": lambda n, a, x: torch.tanh(x),
    "HardSigmoid": lambda n, a, x: torch.clamp(float(a.get("alpha", 0.2)) * x + float(a.get("beta", 0.5)), 0, 1),
    "HardSwish": lambda n, a, x: x * torch.clamp(x / 6.0 + 0.5, 0, 1),
    "Clip": _clip,
    "Add": lambda n, a, x, y: x + y,
    "Sub": lambda n, a, x, y: x - y,
    "Mul": lambda n, a, x, y: x * y,
    "Div": lambda n, a, x, y: x / y,
    "Concat": _concat,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Transpose": lambda n, a, x: x.permute(*a["perm"]) if "perm" in a else x.permute(*reversed(range(x.dim()))),
    "Pad": _pad,
    "Slice": _slice,
    "Dropout": lambda n, a, x, *rest: x,
    "Identity": lambda n, a, x: x,
    "ReduceMean": _reduce_mean,
    "Shape": lambda n, a, x: torch.tensor(list(x.shape), dtype=torch.int64),
    "Gather": lambda n, a, x, i: torch.index_select(x, int(a.get("axis", 0)), i.reshape(-1)).reshape(
        x.shape[: int(a.get("axis", 0))] + i.shape + x.shape[int(a.get("axis", 0)) + 1 :]
    ),
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Constant": lambda n, a: a["value"],
}


class OnnxReference:
    """Loads an ONNX file and runs it on float32 NCHW batches."""

    def __init__(self, path: str, fold_batchnorm: bool = False):
        """fold_batchnorm merges each inference BatchNormalization into the Conv before it (when that Conv's
        output and weight feed nothing else), in float64 with one rounding to float32, as inference engines
        (flipguard among them) do. The result is the same function up to float32 rounding; it matters where
        that rounding is amplified, e.g. when values are then stored in fp16 or bf16 and the last fp32 bit
        decides which way an element rounds."""
        try:
            model = onnx.load(path)
        except Exception as e:  # onnx raises protobuf DecodeError, OSError...
            raise RuntimeError(f"{path}: cannot load ONNX model: {e}") from e
        self.path = path
        self.opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
        graph = model.graph
        self.consts: Dict[str, torch.Tensor] = {
            t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer
        }
        self.inputs = [i.name for i in graph.input if i.name not in self.consts]
        self.outputs = [o.name for o in graph.output]
        self.nodes = list(graph.node)
        for node in self.nodes:
            if node.domain not in ("", "ai.onnx"):
                raise UnsupportedModel(f"{path}: node {node.name} uses custom domain {node.domain!r}")
            if node.op_type not in _OPS:
                raise UnsupportedModel(f"{path}: node {node.name}: operator {node.op_type} not supported")
        if len(self.inputs) != 1:
            raise UnsupportedModel(f"{path}: expected one non-initializer input, found {self.inputs}")
        self.folded = self._fold_batchnorm() if fold_batchnorm else 0

    def _fold_batchnorm(self) -> int:
        uses: Dict[str, int] = {}
        for node in self.nodes:
            for name in node.input:
                uses[name] = uses.get(name, 0) + 1
        for name in self.outputs:
            uses[name] = uses.get(name, 0) + 1
        producer = {node.output[0]: node for node in self.nodes}
        kept: List[onnx.NodeProto] = []
        folded = 0
        for node in self.nodes:
            conv = producer.get(node.input[0]) if node.op_type == "BatchNormalization" and node.input else None
            a = _attrs(node) if conv is not None else {}
            if (conv is None or conv.op_type != "Conv" or uses.get(conv.output[0]) != 1 or len(node.input) != 5
                    or any(i not in self.consts for i in node.input[1:]) or len(conv.input) < 2
                    or conv.input[1] not in self.consts or uses.get(conv.input[1]) != 1
                    or (len(conv.input) > 2 and conv.input[2] and conv.input[2] not in self.consts)
                    or int(a.get("training_mode", 0)) or int(a.get("spatial", 1)) != 1):
                kept.append(node)
                continue
            gamma, beta, mean, var = (self.consts[i].double() for i in node.input[1:])
            eps = float(np.float32(a.get("epsilon", 1e-5)))
            scale = gamma / torch.sqrt(var + eps)
            w = self.consts[conv.input[1]]
            bias = self.consts[conv.input[2]].double() if len(conv.input) > 2 and conv.input[2] else \
                torch.zeros(w.shape[0], dtype=torch.float64)
            self.consts[conv.input[1]] = (w.double() * scale.reshape(-1, *[1] * (w.dim() - 1))).float()
            bias_name = conv.input[1] + ".folded_bias"
            self.consts[bias_name] = ((bias - mean) * scale + beta).float()
            new_conv = onnx.NodeProto()
            new_conv.CopyFrom(conv)
            del new_conv.input[2:]
            new_conv.input.append(bias_name)
            new_conv.output[0] = node.output[0]
            kept[kept.index(conv)] = new_conv
            folded += 1
        self.nodes = kept
        return folded

    def written_values(self) -> List[str]:
        """The names of the values the graph's nodes write (the first output of each node), in graph order."""
        return [node.output[0] for node in self.nodes]

    @torch.no_grad()
    def run(self, x: torch.Tensor, output: Optional[str] = None,
            hook: Optional[Callable[[str, torch.Tensor], torch.Tensor]] = None) -> torch.Tensor:
        """Runs the graph on a batch. hook(name, value), if given, sees each node's output as it is written
        and returns what later nodes read instead (the analogue of a torch forward hook, keyed by ONNX value
        name): how a replay stores values in a narrower format or faults them between two nodes."""
        values: Dict[str, torch.Tensor] = dict(self.consts)
        values[self.inputs[0]] = x
        for node in self.nodes:
            args = [values[name] if name else None for name in node.input]
            # Trailing optional inputs that are absent are dropped so the op's defaults apply.
            while args and args[-1] is None:
                args.pop()
            fn = _OPS[node.op_type]
            a = _attrs(node)
            try:
                if node.op_type == "Softmax":
                    y = _softmax(node, a, *args, opset=self.opset)
                else:
                    y = fn(node, a, *args)
            except UnsupportedModel:
                raise
            except Exception as e:
                shapes = [tuple(t.shape) if t is not None else None for t in args]
                raise RuntimeError(f"{self.path}: node {node.name} ({node.op_type}) failed on inputs {shapes}: {e}")
            if hook is not None:
                y = hook(node.output[0], y)
            values[node.output[0]] = y
        return values[output or self.outputs[0]]

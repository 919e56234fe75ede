"""A small reader for TFLite flatbuffer models (schema.fbs of TensorFlow Lite), without the tflite package.

FlatBuffers layout: the file starts with a uoffset to the root table; a table starts with an soffset to its
vtable (vtable = table_pos - soffset), the vtable holds uint16 [vtable size, table size, field offsets...]; a
field offset of 0 means "absent, use the default". Offsets to tables/vectors/strings are uint32 relative to
where they are stored; vectors are uint32 length + elements. Only the fields the converter needs are read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

# TensorType enum -> numpy dtype.
TENSOR_TYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}
TENSOR_TYPE_NAMES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL",
                     7: "INT16", 9: "INT8"}

# BuiltinOperator codes used by the supported models.
BUILTIN = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
           6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU",
           21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 34: "PAD", 40: "MEAN", 43: "SQUEEZE", 114: "QUANTIZE"}

# Builtin options: field names in schema order, with the flatbuffer scalar format and default.
_OPTIONS = {
    "CONV_2D": [("padding", "b", 0), ("stride_w", "i", 0), ("stride_h", "i", 0),
                ("fused_activation_function", "b", 0), ("dilation_w_factor", "i", 1), ("dilation_h_factor", "i", 1)],
    "DEPTHWISE_CONV_2D": [("padding", "b", 0), ("stride_w", "i", 0), ("stride_h", "i", 0),
                          ("depth_multiplier", "i", 0), ("fused_activation_function", "b", 0),
                          ("dilation_w_factor", "i", 1), ("dilation_h_factor", "i", 1)],
    "AVERAGE_POOL_2D": [("padding", "b", 0), ("stride_w", "i", 0), ("stride_h", "i", 0), ("filter_width", "i", 0),
                        ("filter_height", "i", 0), ("fused_activation_function", "b", 0)],
    "ADD": [("fused_activation_function", "b", 0)],
    "FULLY_CONNECTED": [("fused_activation_function", "b", 0), ("weights_format", "b", 0), ("keep_num_dims", "?", 0)],
    "SOFTMAX": [("beta", "f", 0.0)],
    "CONCATENATION": [("axis", "i", 0), ("fused_activation_function", "b", 0)],
}
_OPTIONS["MAX_POOL_2D"] = _OPTIONS["AVERAGE_POOL_2D"]
PADDING = {0: "SAME", 1: "VALID"}
ACTIVATION = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}


class TFLiteError(ValueError):
    pass


class _Table:
    def __init__(self, buf: bytes, pos: int, where: str):
        self.buf, self.pos, self.where = buf, pos, where
        vt = pos - self._read("<i", pos)
        self.vt_size = self._read("<H", vt)
        self.vt = vt

    def _read(self, fmt: str, at: int):
        try:
            return struct.unpack_from(fmt, self.buf, at)[0]
        except struct.error:
            raise TFLiteError(f"{self.where}: read past the end of the file at byte {at}")

    def _field(self, index: int) -> int:
        """Absolute position of field `index`, or 0 if absent."""
        slot = 4 + 2 * index
        if slot >= self.vt_size:
            return 0
        off = self._read("<H", self.vt + slot)
        return self.pos + off if off else 0

    def scalar(self, index: int, fmt: str, default=0):
        at = self._field(index)
        return self._read("<" + fmt, at) if at else default

    def _target(self, index: int) -> int:
        at = self._field(index)
        return at + self._read("<I", at) if at else 0

    def table(self, index: int) -> Optional["_Table"]:
        at = self._target(index)
        return _Table(self.buf, at, self.where) if at else None

    def vector_pos(self, index: int):
        at = self._target(index)
        if not at:
            return 0, 0
        return at + 4, self._read("<I", at)

    def vector(self, index: int, dtype) -> np.ndarray:
        start, n = self.vector_pos(index)
        if not start:
            return np.zeros(0, dtype=dtype)
        size = np.dtype(dtype).itemsize * n
        if start + size > len(self.buf):
            raise TFLiteError(f"{self.where}: vector runs past the end of the file")
        return np.frombuffer(self.buf, dtype=np.dtype(dtype).newbyteorder("<"), count=n, offset=start)

    def tables(self, index: int) -> List["_Table"]:
        start, n = self.vector_pos(index)
        return [_Table(self.buf, start + 4 * i + self._read("<I", start + 4 * i), self.where) for i in range(n)]

    def string(self, index: int) -> str:
        at = self._target(index)
        if not at:
            return ""
        n = self._read("<I", at)
        return self.buf[at + 4 : at + 4 + n].decode("utf-8", errors="replace")


@dataclass
class Quantization:
    scale: np.ndarray
    zero_point: np.ndarray
    axis: int


@dataclass
class Tensor:
    index: int
    name: str
    shape: List[int]
    type: int
    buffer: int
    quant: Optional[Quantization]
    data: Optional[np.ndarray] = None  # raw typed array of the constant, shaped; None for activations

    def dequantized(self) -> np.ndarray:
        """Constant as float32: real = scale * (q - zero_point), per-axis when several scales are given."""
        if self.data is None:
            raise TFLiteError(f"tensor {self.name} has no constant data")
        if self.type in (0, 1):
            return self.data.astype(np.float32)
        if self.quant is None or self.quant.scale.size == 0:
            raise TFLiteError(f"tensor {self.name} ({TENSOR_TYPE_NAMES.get(self.type)}) has no quantization scale")
        q = self.data.astype(np.float64)
        scale, zp = self.quant.scale.astype(np.float64), self.quant.zero_point.astype(np.float64)
        if scale.size > 1:
            if scale.size != q.shape[self.quant.axis]:
                raise TFLiteError(f"tensor {self.name}: {scale.size} scales for axis {self.quant.axis} of {q.shape}")
            shape = [1] * q.ndim
            shape[self.quant.axis] = -1
            scale = scale.reshape(shape)
            zp = zp.reshape(shape) if zp.size > 1 else zp
        return (scale * (q - zp)).astype(np.float32)


@dataclass
class Operator:
    opcode: str
    inputs: List[int]
    outputs: List[int]
    options: Dict[str, object] = field(default_factory=dict)


@dataclass
class Model:
    version: int
    description: str
    tensors: List[Tensor]
    inputs: List[int]
    outputs: List[int]
    operators: List[Operator]


def read(path: str) -> Model:
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise TFLiteError(f"{path}: not a TFLite flatbuffer (file identifier TFL3 missing)")
    root = _Table(buf, struct.unpack_from("<I", buf, 0)[0], path)
    version = root.scalar(0, "I")
    codes = []
    for oc in root.tables(1):
        code = max(oc.scalar(0, "b", 0), oc.scalar(3, "i", 0))  # deprecated_builtin_code / builtin_code
        if oc.string(1):
            codes.append("CUSTOM:" + oc.string(1))
        else:
            codes.append(BUILTIN.get(code, f"BUILTIN_{code}"))
    subgraphs = root.tables(2)
    if len(subgraphs) != 1:
        raise TFLiteError(f"{path}: {len(subgraphs)} subgraphs; only single-subgraph models are supported")
    buffers = [b.vector(0, np.uint8) for b in root.tables(4)]
    sg = subgraphs[0]
    tensors = []
    for i, t in enumerate(sg.tables(0)):
        q = t.table(4)
        quant = None
        if q is not None:
            quant = Quantization(q.vector(2, np.float32).copy(), q.vector(3, np.int64).copy(), q.scalar(6, "i", 0))
        ttype = t.scalar(1, "b", 0)
        tensor = Tensor(i, t.string(3), [int(v) for v in t.vector(0, np.int32)], ttype, t.scalar(2, "I", 0), quant)
        if tensor.buffer >= len(buffers):
            raise TFLiteError(f"{path}: tensor {tensor.name} refers to buffer {tensor.buffer} of {len(buffers)}")
        raw = buffers[tensor.buffer]
        if raw.size:
            if ttype not in TENSOR_TYPES:
                kind = TENSOR_TYPE_NAMES.get(ttype, ttype)
                raise TFLiteError(f"{path}: tensor {tensor.name}: type {kind} unsupported")
            dtype = np.dtype(TENSOR_TYPES[ttype]).newbyteorder("<")
            count = int(np.prod(tensor.shape, dtype=np.int64))
            if raw.size != count * dtype.itemsize:
                raise TFLiteError(f"{path}: tensor {tensor.name}: {raw.size} bytes for shape {tensor.shape}")
            tensor.data = np.frombuffer(raw.tobytes(), dtype=dtype).reshape(tensor.shape)
        tensors.append(tensor)
    operators = []
    for k, op in enumerate(sg.tables(3)):
        index = op.scalar(0, "I", 0)
        if index >= len(codes):
            raise TFLiteError(f"{path}: operator {k} has opcode index {index} of {len(codes)}")
        name = codes[index]
        options = {}
        opt = op.table(4)
        if name in _OPTIONS and opt is not None:
            for j, (key, fmt, default) in enumerate(_OPTIONS[name]):
                options[key] = opt.scalar(j, fmt, default)
        if name == "RESHAPE" and opt is not None:
            options["new_shape"] = [int(v) for v in opt.vector(0, np.int32)]
        operators.append(Operator(name, [int(v) for v in op.vector(1, np.int32)],
                                  [int(v) for v in op.vector(2, np.int32)], options))
    return Model(version, root.string(3), tensors, [int(v) for v in sg.vector(1, np.int32)],
                 [int(v) for v in sg.vector(2, np.int32)], operators)

"""Replays a flipguard activation-fault run (`flipguard run --site activations --dump-faults`) in the reference.

flipguard stores every value a selected node writes in a format (fp32, fp16 or bf16) and faults the stored
words. What it does to a selected value, right after the node writes it and before any node reads it, is
(1) round every element to the storage format, (2) set each faulted element to the word the dump says it read
after the fault, (3) under the nanguard protection, zero every non-finite element. This module does the same
through OnnxReference's per-value hook, written from that description alone (no flipguard code), so that
logits agreeing with flipguard's are evidence that both the fault placement (value, image, [n, c, h, w]) and
the storage rounding are what flipguard says they are.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Sequence, Set, Tuple

import numpy as np
import torch

FORMATS = ("fp32", "fp16", "bf16")
PROTECTIONS = ("none", "nanguard")

Hook = Callable[[str, torch.Tensor], torch.Tensor]


def _as_signed32(u: torch.Tensor) -> torch.Tensor:
    """int64 holding an unsigned 32-bit pattern -> the int32 with that pattern (torch has no uint32)."""
    return torch.where(u >= 2**31, u - 2**32, u).to(torch.int32)


def round_bf16(x: torch.Tensor) -> torch.Tensor:
    """float32 -> nearest bf16 (ties to even), returned as float32. Written on the bit pattern with integer ops
    rather than trusting a library cast: RNE is add 0x7FFF plus the kept LSB, then truncate; overflow carries
    into the exponent and gives Inf as IEEE wants. NaN stays NaN (its top bits, made quiet): the carry would
    otherwise turn a NaN with a low payload into Inf."""
    u = x.contiguous().view(torch.int32).to(torch.int64) & 0xFFFFFFFF
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    quiet_nan = (u & 0xFFFF0000) | 0x00400000
    out = torch.where(torch.isnan(x), quiet_nan, rounded)
    return _as_signed32(out).view(torch.float32)


def round_to_format(x: torch.Tensor, fmt: str) -> torch.Tensor:
    """Every element of a float32 tensor rounded to the storage format (IEEE round-to-nearest-even, NaN and Inf
    kept), returned as float32: what a value reads as once it has been stored."""
    if fmt == "fp32":
        return x
    if fmt == "fp16":
        # IEEE binary16 conversion: RNE, overflow past 65520 to Inf, subnormals kept.
        return x.to(torch.float16).to(torch.float32)
    if fmt == "bf16":
        return round_bf16(x)
    raise ValueError(f"storage format {fmt!r}: expected one of {', '.join(FORMATS)}")


def decode_word(word: int, fmt: str) -> float:
    """A stored word of the format as the float32 it reads as."""
    if fmt == "fp32":
        return float(np.array([word], np.uint32).view(np.float32)[0])
    if fmt == "fp16":
        return float(np.array([word], np.uint16).view(np.float16)[0])
    if fmt == "bf16":
        return float(np.array([word << 16], np.uint32).view(np.float32)[0])
    raise ValueError(f"storage format {fmt!r}: expected one of {', '.join(FORMATS)}")


def _json_float(v) -> float:
    """The dump writes non-finite values as "nan", "inf", "-inf" (JSON has no numbers for them)."""
    return float(v) if not isinstance(v, str) else {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]


@dataclass(frozen=True)
class Fault:
    """One stored word a run's faults changed, as `flipguard run --dump-faults` writes it."""

    value: str
    image: int  # dataset index
    index: Tuple[int, ...]  # [n, c, h, w]: n is the image's row in the run's outputs
    element: int  # flat, row-major after the batch dim
    word_before: int
    word_after: int
    before: float
    after: float


def parse_fault_line(line: str, path: str, lineno: int) -> Fault:
    """One line of a fault dump as a Fault; ValueError naming the file and line when it is not one."""
    try:
        j = json.loads(line)
        return Fault(str(j["value"]), int(j["image"]), tuple(int(i) for i in j["index"]), int(j["element"]),
                     int(j["word_before"]), int(j["word_after"]), _json_float(j["before"]), _json_float(j["after"]))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path} line {lineno}: not a fault line: {e}") from e


def read_faults(path: str, fmt: str) -> List[Fault]:
    """Reads a fault dump and checks each line against itself (the words decode to the values it states), so a
    dump in another format than the replay's is an error instead of a silent mismatch."""
    faults = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            fault = parse_fault_line(line, path, lineno)
            for word, stated in ((fault.word_before, fault.before), (fault.word_after, fault.after)):
                got = decode_word(word, fmt)
                if not (got == stated or (math.isnan(got) and math.isnan(stated))):
                    raise ValueError(f"{path} line {lineno}: word {word:#x} reads {got} in {fmt}, the line says "
                                     f"{stated}: a dump of another format?")
            faults.append(fault)
    return faults


def read_values(path: str) -> List[str]:
    """The faultable value names: one per line ('#' comments), or the table `flipguard inspect-model --site
    activations` prints (its first column), so that its output can be passed as it is."""
    with open(path) as f:
        lines = [line.rstrip("\n") for line in f]
    if lines and lines[0].startswith("model ") and "values nodes write" in lines[0]:
        names = []
        for line in lines[1:]:
            words = line.split()
            if not words or words[0] in ("value", "total"):
                continue
            names.append(words[0])
        return names
    return [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]


@dataclass
class ReplayStats:
    """What a replay did, to report and to check that the faults were found where the dump put them."""

    rounded_values: int = 0  # hook calls that rounded a selected value
    faults_applied: int = 0
    before_mismatch: int = 0  # faulted elements whose stored value differs from the dump's "before" at all
    # Largest |reference - dump "before"| over the faulted elements where both are finite, relative to the
    # largest finite |element| of that image's value: float32 noise (~1e-7) where both hold the same element,
    # O(0.1..1) where the fault landed elsewhere.
    max_before_error: float = 0.0
    # Rows (images) with a faulted element finite on one side and not on the other. flipguard logs its faults
    # in a run's first pass, whose fast kernels swallow a NaN (Relu as max(x, 0)); when a NaN was met the run
    # is repeated with NaN-propagating kernels and the same bit flips, but the log keeps the first pass's
    # words. A fault downstream of an earlier NaN in the same image can so read finite in the dump and NaN in
    # the reference (docs/protections.md, "NaN through operators").
    nonfinite_before_rows: List[int] = field(default_factory=list)
    guarded: int = 0  # non-finite elements the NaN guard zeroed


class ActivationReplay:
    """Builds the per-batch value hook that stores selected values in a format, applies dumped faults and the
    NaN guard, for OnnxReference.run(x, hook=...)."""

    def __init__(self, values: Iterable[str], fmt: str, protection: str = "none",
                 faults: Sequence[Fault] = ()):
        if fmt not in FORMATS:
            raise ValueError(f"storage format {fmt!r}: expected one of {', '.join(FORMATS)}")
        if protection not in PROTECTIONS:
            raise ValueError(f"protection {protection!r}: expected one of {', '.join(PROTECTIONS)}")
        self.values: Set[str] = set(values)
        self.fmt = fmt
        self.protection = protection
        self.stats = ReplayStats()
        missing = sorted({f.value for f in faults} - self.values)
        if missing:
            raise ValueError(f"faults on values not in the value list: {missing}")
        # Faults by value and row, so a batch picks its own rows whatever size the reference's batches are.
        self._faults: Dict[str, Dict[int, List[Fault]]] = {}
        for f in faults:
            self._faults.setdefault(f.value, {}).setdefault(f.index[0], []).append(f)

    def check_graph(self, written: Iterable[str]) -> None:
        """Every selected value must be one the graph writes: a name flipguard lists that the ONNX graph lacks
        would otherwise be neither rounded nor faulted."""
        unknown = sorted(self.values - set(written))
        if unknown:
            raise ValueError(f"values no node of the graph writes: {unknown}")

    def check_images(self, images: Sequence[int]) -> None:
        """images[n] is the dataset index of row n; each fault's image must be its row's, which catches a
        replay on other images (or in another order) than the run's."""
        for by_row in self._faults.values():
            for row, faults in by_row.items():
                for f in faults:
                    if not 0 <= row < len(images) or images[row] != f.image:
                        raise ValueError(f"fault on {f.value} names image {f.image} at row {row}; the replay has "
                                         f"{images[row] if 0 <= row < len(images) else 'no image'} there")

    def hook(self, start: int) -> Hook:
        """The hook for the batch whose first row is the run's row `start`."""

        def apply(name: str, y: torch.Tensor) -> torch.Tensor:
            if name not in self.values:
                return y
            self.stats.rounded_values += 1
            # A contiguous copy: the node's output may be a view of its input (Flatten, Reshape) or strided
            # (Transpose), and the faults are written through a flat row-major view of it.
            y = round_to_format(y, self.fmt).clone(memory_format=torch.contiguous_format)
            flat = y.view(y.shape[0], -1)
            for row, faults in self._faults.get(name, {}).items():
                if not start <= row < start + y.shape[0]:
                    continue
                stored = flat[row - start]
                finite = stored[torch.isfinite(stored)].abs()
                magnitude = float(finite.max()) if finite.numel() else 0.0
                for f in faults:
                    if tuple(f.index[1:]) != tuple(np.unravel_index(f.element, tuple(y.shape[1:]))):
                        raise ValueError(f"fault on {name}: index {list(f.index)} and element {f.element} "
                                         f"disagree for shape {list(y.shape)}")
                    self._note_before(float(stored[f.element]), f.before, magnitude, row)
                    stored[f.element] = decode_word(f.word_after, self.fmt)
                    self.stats.faults_applied += 1
            if self.protection == "nanguard":
                bad = ~torch.isfinite(y)
                self.stats.guarded += int(bad.sum())
                y = torch.where(bad, torch.zeros((), dtype=y.dtype), y)
            return y

        return apply

    def _note_before(self, had: float, before: float, magnitude: float, row: int) -> None:
        """Compares what the reference stored at a faulted element with what flipguard's dump says it stored:
        the check that the fault was put on the same element of the same image's value."""
        if had == before or (math.isnan(had) and math.isnan(before)):
            return
        self.stats.before_mismatch += 1
        if math.isfinite(had) and math.isfinite(before):
            error = abs(had - before) / magnitude if magnitude > 0 else math.inf
            self.stats.max_before_error = max(self.stats.max_before_error, error)
        elif row not in self.stats.nonfinite_before_rows:
            self.stats.nonfinite_before_rows.append(row)

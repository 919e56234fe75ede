#!/usr/bin/python3
"""PyTorch side of bench/campaign_vs_pytorch: the same bit-flip campaign as `flipguard campaign`, written the
straightforward way in PyTorch, then the comparison of both.

The model is the project's ONNX file, converted faithfully to torch functional calls (BatchNormalization folded
into the convolution before it, as flipguard folds it: the folded weight is what is stored). The stored weights
(every Conv and Gemm weight, not biases) are quantized to fixed point Qm.n (two's complement int8 codes, round
half to even, saturating), optionally after weight scaling (c = t / max|W| per tensor, t = the format's largest
value). A trial draws the number of flipped bits of the whole weight memory from Binomial(bits, BER), their
distinct positions uniformly, XORs them into the int8 codes with tensor ops, dequantizes the touched tensors
and evaluates the images; then the clean weights are put back. Protections of a trial see the same flips.

  campaign_pytorch.py run --model models/resnet50.json --images 64 --bers 1e-5,1e-4,1e-3 --trials 4
                          --format q2.5 --protections none,scale --batch 16 --threads 2 --seed 1
                          --out torch.json [--mode eager|trace]
  campaign_pytorch.py compare --flipguard fg.jsonl --flipguard-wall S --torch torch.json [--clean-tolerance P]
  campaign_pytorch.py answer --model models/resnet20.json --images 200 --format fp16 --protection none
                             --ber 1e-5 --target 2 --min-trials 3 --max-trials 200 --out answer.json
                             [--mode trace|eager] [--layout nchw|channels_last] [--threads T] [--seed S]

`answer` (bench/answer_time) is what a PyTorch user does to get one cell's Top-1 to +- TARGET points: the clean
evaluation, then trials over all the images, one after another, until the Student t 95 % half-width of the
per-trial Top-1 is at most TARGET (after --min-trials), or --max-trials. Formats: qM.N as `run`, and fp32 /
fp16 as IEEE bit patterns (numpy views of the float32 / float16 words; the float16 values round to nearest
even from the folded float32 weights, as F16C). Images are scored as flipguard scores them: correct only when
the label's logit is finite, no logit is NaN and every other logit is strictly below it.

`compare` prints wall and per-trial times of both, their ratio, and clean and per-cell Top-1 side by side with
a z statistic for the difference of the cell means; it exits 1 if the clean accuracies differ by more than
the tolerance (percentage points).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts", "reference"))
from datasets import load_dataset, preprocess  # noqa: E402
from onnx_reference import load_sidecar  # noqa: E402


# ---------------------------------------------------------------------------------------------- the model
class OnnxModule(torch.nn.Module):
    """An ONNX CNN (Conv, BatchNormalization, Relu, Add, MaxPool, AveragePool, GlobalAveragePool, Flatten,
    Gemm, constant Pad) as torch functional calls, BatchNormalization folded into the preceding Conv when that Conv feeds
    only it. Stored weights are parameters, so a trial can overwrite them in place."""

    def __init__(self, path: str):
        super().__init__()
        model = onnx.load(path)
        g = model.graph
        consts = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
        self.input = [i.name for i in g.input if i.name not in consts][0]
        self.output = g.output[0].name
        consumers = {}
        for n in g.node:
            for i in n.input:
                consumers.setdefault(i, []).append(n)
        attrs = lambda n: {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}  # noqa: E731
        self.steps = []  # (op, inputs, output, params)
        self.stored = []  # names of the stored weights, in graph order
        self.weights = torch.nn.ParameterDict()
        self.biases = {}
        folded = {}  # BN output name -> conv step index (the BN is absorbed)
        skip = set()
        for n in g.node:
            if n.name in skip:
                continue
            a = attrs(n)
            if n.op_type == "Conv":
                w = consts[n.input[1]].float()
                b = consts[n.input[2]].float() if len(n.input) > 2 and n.input[2] else torch.zeros(w.shape[0])
                out = n.output[0]
                users = consumers.get(out, [])
                if len(users) == 1 and users[0].op_type == "BatchNormalization":
                    bn = users[0]
                    ba = attrs(bn)
                    gamma, beta, mean, var = (consts[x].double() for x in bn.input[1:5])
                    s = gamma / torch.sqrt(var + float(ba.get("epsilon", 1e-5)))
                    w = (w.double() * s.reshape(-1, 1, 1, 1)).float()
                    b = ((b.double() - mean) * s + beta).float()
                    out = bn.output[0]
                    skip.add(bn.name)
                pads = list(a.get("pads", [0, 0, 0, 0]))
                key = f"w{len(self.stored)}"
                self.weights[key] = torch.nn.Parameter(w, requires_grad=False)
                self.biases[key] = b
                self.stored.append((n.input[1], key))
                self.steps.append(("conv", [n.input[0]], out,
                                   dict(key=key, stride=list(a.get("strides", [1, 1])), pads=pads,
                                        dilation=list(a.get("dilations", [1, 1])), groups=int(a.get("group", 1)))))
            elif n.op_type == "Gemm":
                if a.get("transA", 0) or float(a.get("alpha", 1.0)) != 1.0 or float(a.get("beta", 1.0)) != 1.0:
                    raise SystemExit(f"{path}: Gemm {n.name}: only transB, alpha = beta = 1 supported")
                w = consts[n.input[1]].float()
                if not a.get("transB", 0):
                    w = w.t().contiguous()
                # Stored as in the ONNX file (flips land on the same element either way).
                key = f"w{len(self.stored)}"
                self.weights[key] = torch.nn.Parameter(w, requires_grad=False)
                self.biases[key] = consts[n.input[2]].float() if len(n.input) > 2 else None
                self.stored.append((n.input[1], key))
                self.steps.append(("gemm", [n.input[0]], n.output[0], dict(key=key)))
            elif n.op_type == "Pad":
                if a.get("mode", b"constant") not in (b"constant", "constant") or len(n.input) > 2 and n.input[2]:
                    raise SystemExit(f"{path}: Pad {n.name}: only constant zero padding supported")
                pads = [int(v) for v in (consts[n.input[1]] if len(n.input) > 1 else a["pads"])]
                half = len(pads) // 2
                torch_pads = []
                for d in reversed(range(half)):  # F.pad: last dimension first, (begin, end) pairs
                    torch_pads += [pads[d], pads[d + half]]
                self.steps.append(("Pad", [n.input[0]], n.output[0], dict(pads=torch_pads)))
            elif n.op_type in ("Relu", "Add", "GlobalAveragePool", "Flatten"):
                self.steps.append((n.op_type, list(n.input), n.output[0], a))
            elif n.op_type in ("MaxPool", "AveragePool"):
                p = list(a.get("pads", [0, 0, 0, 0]))
                if p[0] != p[2] or p[1] != p[3] or a.get("ceil_mode", 0):
                    raise SystemExit(f"{path}: {n.op_type} {n.name}: asymmetric pads / ceil_mode not supported")
                self.steps.append((n.op_type, [n.input[0]], n.output[0],
                                   dict(kernel=list(a["kernel_shape"]), stride=list(a.get("strides", [1, 1])),
                                        pad=[p[0], p[1]])))
            else:
                raise SystemExit(f"{path}: node {n.name}: operator {n.op_type} not supported by this converter")

    def forward(self, x):
        v = {self.input: x}
        for op, ins, out, p in self.steps:
            if op == "conv":
                y = v[ins[0]]
                pads = p["pads"]
                if pads[0] == pads[2] and pads[1] == pads[3]:
                    padding = [pads[0], pads[1]]
                else:
                    y = F.pad(y, [pads[1], pads[3], pads[0], pads[2]])
                    padding = [0, 0]
                y = F.conv2d(y, self.weights[p["key"]], self.biases[p["key"]], p["stride"], padding, p["dilation"],
                             p["groups"])
            elif op == "gemm":
                y = F.linear(v[ins[0]], self.weights[p["key"]], self.biases[p["key"]])
            elif op == "Relu":
                y = torch.relu(v[ins[0]])
            elif op == "Add":
                y = v[ins[0]] + v[ins[1]]
            elif op == "GlobalAveragePool":
                y = F.adaptive_avg_pool2d(v[ins[0]], 1)
            elif op == "Flatten":
                y = torch.flatten(v[ins[0]], int(p.get("axis", 1)))
            elif op == "Pad":
                y = F.pad(v[ins[0]], p["pads"])
            elif op == "MaxPool":
                y = F.max_pool2d(v[ins[0]], p["kernel"], p["stride"], p["pad"])
            elif op == "AveragePool":
                y = F.avg_pool2d(v[ins[0]], p["kernel"], p["stride"], p["pad"], count_include_pad=False)
            v[out] = y
        return v[self.output]


# ------------------------------------------------------------------------------------------------ data
def stratified(labels, limit):
    """flipguard's class-stratified subset: the k-th image of every class (label order) before any (k+1)-th."""
    n = len(labels)
    if limit == 0 or limit >= n:
        return list(range(n))
    by_class = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    chosen = []
    k = 0
    while len(chosen) < limit:
        for label in sorted(by_class):
            if k < len(by_class[label]) and len(chosen) < limit:
                chosen.append(by_class[label][k])
        k += 1
    return sorted(chosen)


def load_images(spec, data, limit, assets):
    items = load_dataset(data, assets)
    idx = stratified([label for _, label, _ in items], limit)
    inp = spec["input"]
    c, h, w = int(inp["channels"]), int(inp["height"]), int(inp["width"])
    x = np.stack([preprocess(items[i][0](), spec["preprocess"], c, h, w) for i in idx])
    offset = int(spec["output"].get("label_offset", 0))
    return torch.from_numpy(x), torch.tensor([items[i][1] + offset for i in idx])


# ---------------------------------------------------------------------------------------- stored weights
def parse_fixed(fmt):
    if not fmt.startswith("q") or "." not in fmt:
        raise SystemExit(f"--format {fmt!r}: this script stores fixed point qM.N only")
    m, n = (int(s) for s in fmt[1:].split("."))
    if 1 + m + n != 8:
        raise SystemExit(f"--format {fmt!r}: 1+M+N must be 8 (int8 codes)")
    return m, n


class _StoredTensors:
    """What both stored-weight images share: the model's weight tensors (`params`) and their fault-free read-back
    values (`clean_read`), written back whole or only where a trial touched them."""

    def write_clean(self):
        with torch.no_grad():
            for p, w in zip(self.params, self.clean_read):
                p.copy_(w)

    def restore(self, touched):
        with torch.no_grad():
            for i in touched:
                self.params[i].copy_(self.clean_read[i])


class StoredWeights(_StoredTensors):
    """Every stored weight of the model as int8 Qm.n codes in one flat tensor, per protection."""

    def __init__(self, model, frac_bits, scaled):
        self.model = model
        self.params = [model.weights[key] for _, key in model.stored]
        clean = [p.detach().clone() for p in self.params]
        self.lsb = 2.0 ** -frac_bits
        t = 127 * self.lsb  # the format's largest value: flipguard's default scaling target
        self.c = []
        codes = []
        for w in clean:
            c = 1.0
            if scaled:
                m = float(w.abs().max())
                c = np.float32(t / m) if m > 0 else np.float32(1.0)
                while m * c > t:  # as flipguard: never lift a weight past t by rounding
                    c = np.nextafter(c, np.float32(0))
            self.c.append(float(c))
            q = torch.round(w * float(c) / self.lsb).clamp(-128, 127).to(torch.int8)
            codes.append(q.reshape(-1))
        self.sizes = [q.numel() for q in codes]
        self.offsets = np.cumsum([0] + self.sizes)
        self.codes = torch.cat(codes)
        self.clean_read = [self.dequantize(i, codes[i]).reshape(p.shape) for i, p in enumerate(self.params)]
        self.bits = self.codes.numel() * 8

    def dequantize(self, i, q):
        return q.float() * self.lsb / self.c[i]

    def inject(self, positions):
        """XORs the flat bit positions (distinct) into a copy of the codes and writes the touched tensors."""
        elem = positions // 8
        bit = (positions % 8).to(torch.int32)
        uniq, inv = torch.unique(elem, return_inverse=True)
        # Distinct positions: bits of one element are distinct, so their sum is their OR.
        mask = torch.zeros(uniq.numel(), dtype=torch.int32).index_add_(0, inv, torch.bitwise_left_shift(1, bit))
        faulty = self.codes.clone()
        faulty[uniq] = torch.bitwise_xor(faulty[uniq].to(torch.int32), mask).to(torch.uint8).view(torch.int8)
        touched = np.unique(np.searchsorted(self.offsets, uniq.numpy(), side="right") - 1)
        with torch.no_grad():
            for i in touched:
                q = faulty[self.offsets[i]: self.offsets[i + 1]]
                self.params[i].copy_(self.dequantize(i, q).reshape(self.params[i].shape))
        return touched


def sample_positions(gen, bits, ber):
    """Distinct flipped bit positions of a memory of `bits` bits at BER: count ~ Binomial, positions uniform."""
    k = int(np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=gen))).binomial(bits, ber))
    pos = torch.unique(torch.randint(0, bits, (k,), generator=gen, dtype=torch.int64))
    while pos.numel() < k:  # rare collisions: top up
        extra = torch.randint(0, bits, (k - pos.numel(),), generator=gen, dtype=torch.int64)
        pos = torch.unique(torch.cat([pos, extra]))
    return pos


class FloatStoredWeights(_StoredTensors):
    """Every stored weight as IEEE float32 or float16 words in one flat numpy array of unsigned integers (the
    bit patterns); the same interface as StoredWeights. A flip XORs the word's bit; the touched tensors are
    read back as float32 (an Inf or NaN pattern reads as Inf or NaN, as in hardware)."""

    def __init__(self, model, fmt):
        self.model = model
        self.params = [model.weights[key] for _, key in model.stored]
        clean = [p.detach().cpu().numpy().astype(np.float32).reshape(-1) for p in self.params]
        self.float_type, self.word_type = {"fp32": (np.float32, np.uint32), "fp16": (np.float16, np.uint16)}[fmt]
        self.word_bits = np.dtype(self.word_type).itemsize * 8
        words = [w.astype(self.float_type).view(self.word_type) for w in clean]  # float16: round to nearest even
        self.sizes = [w.size for w in words]
        self.offsets = np.cumsum([0] + self.sizes)
        self.codes = np.concatenate(words)
        self.clean_read = [self.read(i, self.codes).reshape(p.shape) for i, p in enumerate(self.params)]
        self.bits = self.codes.size * self.word_bits

    def read(self, i, words):
        w = words[self.offsets[i]: self.offsets[i + 1]].view(self.float_type).astype(np.float32)
        return torch.from_numpy(w)

    def inject(self, positions):
        pos = positions.numpy()
        elem = pos // self.word_bits
        bit = (pos % self.word_bits).astype(self.word_type)
        faulty = self.codes.copy()
        # Distinct positions: np.bitwise_xor.at applies every flip, also several in one word.
        np.bitwise_xor.at(faulty, elem, np.left_shift(self.word_type(1), bit))
        touched = np.unique(np.searchsorted(self.offsets, elem, side="right") - 1)
        with torch.no_grad():
            for i in touched:
                self.params[i].copy_(self.read(i, faulty).reshape(self.params[i].shape))
        return touched


@functools.lru_cache(maxsize=None)
def student_t_quantile(p, df):
    """The p quantile (p > 1/2) of Student t with df degrees of freedom: bisection on the CDF, the density
    integrated by Simpson's rule (no SciPy in Debian's python3 base)."""
    logc = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def cdf(x):  # P(T <= x) for x >= 0
        n = 400
        h = x / n
        f = lambda t: math.exp(logc - (df + 1) / 2 * math.log1p(t * t / df))  # noqa: E731
        acc = f(0) + f(x) + sum((4 if k % 2 else 2) * f(k * h) for k in range(1, n))
        return 0.5 + acc * h / 3

    lo, hi = 0.0, 1.0
    while cdf(hi) < p:
        lo, hi = hi, 2 * hi
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return (lo + hi) / 2


def t_interval(values, level=0.95):
    """Mean and Student t interval of the values (percent), (lo, hi); half-width inf for fewer than 2."""
    n = len(values)
    m = sum(values) / n
    if n < 2:
        return m, float("-inf"), float("inf")
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    h = student_t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return m, m - h, m + h


def score_top1(logits, y):
    """Correct images as flipguard's metrics::score counts them: the label's logit finite, no NaN in the row,
    every other logit strictly below the label's (ties count against)."""
    t = logits.gather(1, y.reshape(-1, 1))
    ahead = (logits >= t).sum(1) - 1
    ok = torch.isfinite(t.reshape(-1)) & ~torch.isnan(logits).any(1) & (ahead == 0)
    return int(ok.sum())


# ------------------------------------------------------------------------------------------------ run
def evaluate(model, x, y, batch, channels_last):
    top1 = 0
    with torch.inference_mode():
        for s in range(0, x.shape[0], batch):
            xb = x[s: s + batch]
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            logits = model(xb)
            top1 += int((logits.argmax(1) == y[s: s + batch]).sum())
    return top1


def load_inputs(args):
    """What run and answer share: the thread count, the sidecar, the dataset name and the images."""
    torch.set_num_threads(args.threads)
    spec = load_sidecar(args.model)
    data = args.data or spec["dataset"]
    x, y = load_images(spec, data, args.images, args.assets)
    return spec, data, x, y


def cmd_run(args):
    t_start = time.perf_counter()
    spec, data, x, y = load_inputs(args)
    model = OnnxModule(spec["_onnx_path"]).eval()
    channels_last = True
    model = model.to(memory_format=torch.channels_last)
    runner = model
    if args.mode == "trace":
        with torch.inference_mode():
            runner = torch.jit.trace(model, x[: args.batch].contiguous(memory_format=torch.channels_last),
                                     check_trace=False)
    _, frac = parse_fixed(args.format)
    bers = [float(b) for b in args.bers.split(",")]
    protections = args.protections.split(",")
    stores = {}
    for p in protections:
        if p not in ("none", "scale"):
            raise SystemExit(f"--protections: {p!r}: this script implements none and scale")
        stores[p] = StoredWeights(model, frac, p == "scale")
    setup = time.perf_counter() - t_start
    records = []
    for p in protections:
        st = stores[p]
        st.write_clean()
        t0 = time.perf_counter()
        top1 = evaluate(runner, x, y, args.batch, channels_last)
        records.append(dict(protection=p, ber=0.0, trial=0, top1=top1, images=len(y), flips=0,
                            seconds=time.perf_counter() - t0))
        for bi, ber in enumerate(bers):
            for trial in range(args.trials):
                t0 = time.perf_counter()
                # Common random numbers: every protection of a trial sees the same flipped bits.
                gen = torch.Generator().manual_seed(args.seed * 1_000_003 + bi * 10_007 + trial)
                pos = sample_positions(gen, st.bits, ber)
                touched = st.inject(pos)
                top1 = evaluate(runner, x, y, args.batch, channels_last)
                st.restore(touched)
                records.append(dict(protection=p, ber=ber, trial=trial, top1=top1, images=len(y),
                                    flips=int(pos.numel()), seconds=time.perf_counter() - t0))
                print(f"torch {p} ber {ber:g} trial {trial}: top-1 {100 * top1 / len(y):.2f}%, "
                      f"{pos.numel()} flips, {records[-1]['seconds']:.2f} s", file=sys.stderr)
    out = dict(model=spec.get("name"), data=data, images=len(y), format=args.format, mode=args.mode,
               threads=args.threads, batch=args.batch, setup_seconds=setup,
               wall_seconds=time.perf_counter() - t_start, records=records)
    with open(args.out, "w") as f:
        json.dump(out, f)


def mean_ci(values):
    n = len(values)
    m = sum(values) / n
    if n < 2:
        return m, float("nan"), n
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    return m, sd, n


def cmd_compare(args):
    fg = [json.loads(line) for line in open(args.flipguard) if line.strip()]
    th = json.load(open(args.torch))
    fg_trial = sum(r["seconds_faults"] + r["seconds_inference"] for r in fg)
    th_trial = sum(r["seconds"] for r in th["records"])
    n = len(fg)
    print(f"{th['model']} on {th['data']}: {th['images']} images, {th['format']}, {n} evaluations per side "
          f"(clean + trials), batch {th['batch']}, {th['threads']} threads, PyTorch mode {th['mode']}")
    print(f"{'':24}{'flipguard':>12}{'PyTorch':>12}{'ratio':>9}")
    print(f"{'wall time (s)':24}{args.flipguard_wall:12.1f}{th['wall_seconds']:12.1f}"
          f"{th['wall_seconds'] / args.flipguard_wall:8.2f}x")
    print(f"{'trials total (s)':24}{fg_trial:12.1f}{th_trial:12.1f}{th_trial / fg_trial:8.2f}x")
    print(f"{'per trial (s)':24}{fg_trial / n:12.3f}{th_trial / len(th['records']):12.3f}"
          f"{(th_trial / len(th['records'])) / (fg_trial / n):8.2f}x")
    print(f"{'setup (s)':24}{args.flipguard_wall - fg_trial:12.1f}{th['setup_seconds']:12.1f}")
    # Where flipguard's trial time goes: inference (the batches, scoring and SDC included) and everything else
    # (sampling faults, reading back and patching the touched weights, restoring them). With nothing outside
    # inference, the ratio could at most reach PyTorch's trial time over flipguard's inference time.
    fg_inference = sum(r["seconds_inference"] for r in fg)
    reused = sum(1 for r in fg if r.get("reused"))
    print(f"{'flipguard outside inference':28}{100 * (fg_trial - fg_inference) / fg_trial:8.2f} % of trial time "
          f"(faults, patching, restore); {reused} of {n} evaluations reused")
    print(f"{'ratio at zero overhead':28}{th_trial / fg_inference:8.2f}x (PyTorch trials / flipguard inference)")
    print()
    print(f"{'protection':12}{'BER':>8}{'n':>4}{'flipguard top-1 %':>20}{'PyTorch top-1 %':>20}{'z':>7}"
          f"{'flips fg/torch':>18}")
    ok = True
    cells = sorted({(r["protection"], r["ber"]) for r in th["records"]}, key=lambda c: (c[0], c[1]))
    for prot, ber in cells:
        a = [100 * r["top1"] / r["images"] for r in fg if r["protection"] == prot and r["ber"] == ber]
        b = [100 * r["top1"] / r["images"] for r in th["records"] if r["protection"] == prot and r["ber"] == ber]
        if not a:
            print(f"{prot:12}{ber:8g}: no flipguard records")
            ok = False
            continue
        ma, sa, na = mean_ci(a)
        mb, sb, nb = mean_ci(b)
        if ber == 0:
            z_text = ""
            if abs(ma - mb) > args.clean_tolerance:
                ok = False
                z_text = "  DIFFERS"
            print(f"{prot:12}{'clean':>8}{na:4d}{ma:20.2f}{mb:20.2f}{z_text}")
            continue
        se = math.sqrt((sa ** 2 / na if na > 1 else 0) + (sb ** 2 / nb if nb > 1 else 0))
        z = (ma - mb) / se if se > 0 else (0.0 if ma == mb else float("inf"))
        fa = sum(r["flips"] for r in fg if r["protection"] == prot and r["ber"] == ber) / na
        fb = sum(r["flips"] for r in th["records"] if r["protection"] == prot and r["ber"] == ber) / nb
        print(f"{prot:12}{ber:8g}{na:4d}{ma:14.2f} ± {sa:4.1f}{mb:14.2f} ± {sb:4.1f}{z:7.2f}"
              f"{fa:11.0f}/{fb:.0f}")
    print("\n± = standard deviation over trials; z = difference of the cell means over its standard error "
          "(|z| > 3 would be suspicious)")
    print("clean accuracy agrees" if ok else f"clean accuracy differs by more than {args.clean_tolerance} points")
    return 0 if ok else 1


def cmd_answer(args):
    """One cell to +- target points, the way a PyTorch user does it (see the module docstring)."""
    t_start = time.perf_counter()
    spec, data, x, y = load_inputs(args)
    layout = torch.channels_last if args.layout == "channels_last" else torch.contiguous_format
    model = OnnxModule(spec["_onnx_path"]).eval().to(memory_format=layout)
    runner = model
    if args.mode == "trace":
        with torch.inference_mode():
            runner = torch.jit.trace(model, x[: args.batch].contiguous(memory_format=layout), check_trace=False)
    if args.format in ("fp32", "fp16"):
        if args.protection != "none":
            raise SystemExit(f"--protection {args.protection!r}: float formats are stored without protection here")
        st = FloatStoredWeights(model, args.format)
    else:
        _, frac = parse_fixed(args.format)
        if args.protection not in ("none", "scale"):
            raise SystemExit(f"--protection {args.protection!r}: this script implements none and scale")
        st = StoredWeights(model, frac, args.protection == "scale")

    def evaluate_all():
        correct = 0
        with torch.inference_mode():
            for s in range(0, x.shape[0], args.batch):
                xb = x[s: s + args.batch].contiguous(memory_format=layout)
                correct += score_top1(runner(xb), y[s: s + args.batch])
        return 100.0 * correct / len(y)

    setup = time.perf_counter() - t_start
    st.write_clean()
    t0 = time.perf_counter()
    clean = evaluate_all()
    clean_seconds = time.perf_counter() - t0
    trials, flips, seconds = [], [], []
    lo, hi = float("-inf"), float("inf")
    while len(trials) < args.max_trials:
        t0 = time.perf_counter()
        gen = torch.Generator().manual_seed(args.seed * 1_000_003 + len(trials))
        pos = sample_positions(gen, st.bits, args.ber)
        touched = st.inject(pos)
        trials.append(evaluate_all())
        st.restore(touched)
        flips.append(int(pos.numel()))
        seconds.append(time.perf_counter() - t0)
        mean, lo, hi = t_interval(trials)
        print(f"torch trial {len(trials) - 1}: top-1 {trials[-1]:.2f} %, {flips[-1]} flips; "
              f"mean {mean:.2f} [{lo:.2f}, {hi:.2f}]", file=sys.stderr)
        if len(trials) >= args.min_trials and (hi - lo) / 2 <= args.target:
            break
    mean = sum(trials) / len(trials)
    # Where --max-trials ended it short of the target: the trials the t rule would need at this spread,
    # n = (t_{0.975, n-1} sd / target)^2 (at least one more), and the time they would take at this pace.
    needed = len(trials)
    if (hi - lo) / 2 > args.target:
        sd = (hi - lo) / 2 / student_t_quantile(0.975, len(trials) - 1) * math.sqrt(len(trials))
        needed = len(trials) + 1
        while student_t_quantile(0.975, needed - 1) * sd / math.sqrt(needed) > args.target:
            needed = max(needed + 1, int(needed * 1.05))
    out = dict(model=spec.get("name"), data=data, images=len(y), format=args.format, protection=args.protection,
               ber=args.ber, mode=args.mode, layout=args.layout, threads=args.threads, batch=args.batch,
               clean_top1=clean,
               trials=trials, flips=flips, top1=mean, lo=lo, hi=hi, half_width=(hi - lo) / 2,
               reached=(hi - lo) / 2 <= args.target, trials_needed=needed, setup_seconds=setup,
               clean_seconds=clean_seconds, trial_seconds=seconds, wall_seconds=time.perf_counter() - t_start)
    with open(args.out, "w") as f:
        json.dump(out, f)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--model", required=True)
    r.add_argument("--data", default="")
    r.add_argument("--assets", default="")
    r.add_argument("--images", type=int, default=64)
    r.add_argument("--format", default="q2.5")
    r.add_argument("--protections", default="none,scale")
    r.add_argument("--bers", default="1e-5,1e-4,1e-3")
    r.add_argument("--trials", type=int, default=4)
    r.add_argument("--batch", type=int, default=16)
    r.add_argument("--threads", type=int, default=os.cpu_count())
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--mode", choices=["eager", "trace"], default="eager")
    r.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--flipguard", required=True)
    c.add_argument("--flipguard-wall", type=float, required=True)
    c.add_argument("--torch", required=True)
    c.add_argument("--clean-tolerance", type=float, default=1.0)
    a = sub.add_parser("answer")
    a.add_argument("--model", required=True)
    a.add_argument("--data", default="")
    a.add_argument("--assets", default="")
    a.add_argument("--images", type=int, default=0)
    a.add_argument("--format", default="q2.5")
    a.add_argument("--protection", default="none")
    a.add_argument("--ber", type=float, required=True)
    a.add_argument("--target", type=float, default=2.0)
    a.add_argument("--min-trials", type=int, default=3)
    a.add_argument("--max-trials", type=int, default=200)
    a.add_argument("--batch", type=int, default=16)
    a.add_argument("--threads", type=int, default=os.cpu_count())
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--mode", choices=["eager", "trace"], default="trace")
    a.add_argument("--layout", choices=["nchw", "channels_last"], default="nchw",
                   help="memory format of the weights and images (ResNet-20 traced: nchw is several times faster)")
    a.add_argument("--out", required=True)
    args = p.parse_args()
    if args.cmd == "answer":
        return cmd_answer(args)
    if args.cmd == "run":
        cmd_run(args)
        return 0
    return cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())

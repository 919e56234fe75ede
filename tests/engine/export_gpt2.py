#!/usr/bin/python3
"""GPT-2-shaped causal language models, written in torch.nn after Hugging Face's GPT-2 (no transformers
library needed), exported to ONNX with PyTorch's logits, for tests/engine/test_gpt2_models.cpp and
bench/lm_vs_ort.

    export_gpt2.py tests OUT_DIR      the test models (seconds): tiny configs at opset 13 and 17, with the
                                      tanh GELU of GPT-2 ("gelu_new") and the exact erf GELU, and a 2-layer
                                      model of GPT-2's width (768, 12 heads, vocab 50257, context 1024)
    export_gpt2.py bench OUT_DIR      the benchmark models: GPT-2 small's shape (12 layers, ~500 MB) and a
                                      6-layer, width-512 one, with one reference at batch 1, sequence 128

The model: token and learned position embeddings, pre-LayerNorm blocks (causal self-attention, MLP 4x with
GELU), a final LayerNorm, and an LM head tied to the token embedding. Input `input_ids` int64 [batch, seq]
(both dims dynamic), output `logits` float32 [batch, seq, vocab]. The causal mask is built inside the graph
from the sequence length, in the three ways GPT-2 ports write it (the `mask` setting): a slice of a stored
lower-triangular buffer (Hugging Face's GPT-2), torch.tril of ones (Trilu, opset >= 14), or position
comparisons of two aranges; masked scores take finfo(float32).min (as Hugging Face does) or -inf.

The head reads the token embedding transposed: PyTorch's constant folding writes that transpose as a second
copy of the table, so the export puts it back as a Transpose node of the one initializer that the embedding
Gather reads too (checked, as tying is what the model is).

Writes OUT_DIR/<name>.onnx and, per reference, <name>.b<batch>_t<seq>.input.npy (int64 ids) and
.logits.npy (float32), then OUT_DIR/stamp (tests) or OUT_DIR/bench.stamp. Weights are seeded random, GPT-2's
initialisation (normal, std 0.02; tiny models a larger std so attention is not uniform) with LayerNorm
scales and biases perturbed so that unit scales and zero biases do not hide errors.
"""
import io
import math
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper
import torch
from torch import nn


class Config:
    def __init__(self, layers, width, heads, vocab, context, gelu="tanh", mask="buffer", fill="min", std=0.02):
        self.layers, self.width, self.heads, self.vocab, self.context = layers, width, heads, vocab, context
        self.gelu, self.mask, self.fill, self.std = gelu, mask, fill, std


def gelu_new(x):
    # Hugging Face's NewGELUActivation (GPT-2's "gelu_new"), as written there.
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.c_attn = nn.Linear(c.width, 3 * c.width)
        self.c_proj = nn.Linear(c.width, c.width)
        if c.mask == "buffer":
            self.register_buffer("bias", torch.tril(torch.ones(c.context, c.context, dtype=torch.bool))
                                 .view(1, 1, c.context, c.context), persistent=False)

    def causal(self, length, device):
        if self.c.mask == "buffer":
            return self.bias[:, :, :length, :length]
        if self.c.mask == "tril":
            return torch.tril(torch.ones(length, length, dtype=torch.bool, device=device))
        pos = torch.arange(length, device=device)
        return pos.unsqueeze(1) >= pos.unsqueeze(0)

    def forward(self, x):
        batch, length, width = x.size()
        heads = self.c.heads
        q, k, v = self.c_attn(x).split(width, dim=2)
        q = q.view(batch, length, heads, width // heads).transpose(1, 2)
        k = k.view(batch, length, heads, width // heads).transpose(1, 2)
        v = v.view(batch, length, heads, width // heads).transpose(1, 2)
        w = torch.matmul(q, k.transpose(-1, -2))
        w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype, device=w.device)
        fill = torch.finfo(w.dtype).min if self.c.fill == "min" else float("-inf")
        w = torch.where(self.causal(length, x.device), w, torch.full([], fill, dtype=w.dtype, device=w.device))
        w = nn.functional.softmax(w, dim=-1)
        y = torch.matmul(w, v).transpose(1, 2).contiguous().view(batch, length, width)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c.width, 4 * c.width)
        self.c_proj = nn.Linear(4 * c.width, c.width)
        self.act = gelu_new if c.gelu == "tanh" else nn.GELU()

    def forward(self, x):
        return self.c_proj(self.act(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.width, eps=1e-5)
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c.width, eps=1e-5)
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c.vocab, c.width)
        self.wpe = nn.Embedding(c.context, c.width)
        self.h = nn.ModuleList([Block(c) for _ in range(c.layers)])
        self.ln_f = nn.LayerNorm(c.width, eps=1e-5)
        self.lm_head = nn.Linear(c.width, c.vocab, bias=False)
        self.lm_head.weight = self.wte.weight  # tied
        self.c = c

    def forward(self, input_ids):
        length = input_ids.size(-1)
        pos = torch.arange(0, length, dtype=torch.long, device=input_ids.device).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def make(c, seed):
    torch.manual_seed(seed)
    m = GPT2(c)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight":
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.copy_(0.02 * torch.randn_like(p))
            else:
                p.normal_(0.0, c.std)
    return m.eval()


def tie_head(model_proto, table):
    """Replaces the head's copy of the transposed token table by Transpose(table): one stored tensor."""
    g = model_proto.graph
    inits = {i.name: i for i in g.initializer}
    wte = numpy_helper.to_array(inits[table])
    for node in g.node:
        if node.op_type != "MatMul" or node.input[1] not in inits:
            continue
        copy = inits[node.input[1]]
        if tuple(copy.dims) != (wte.shape[1], wte.shape[0]):
            continue
        if not np.array_equal(numpy_helper.to_array(copy), wte.T):
            continue
        transposed = table + ".T"
        g.node.insert(list(g.node).index(node),
                      helper.make_node("Transpose", [table], [transposed], name="lm_head.tie", perm=[1, 0]))
        node.input[1] = transposed
        g.initializer.remove(copy)
        return
    uses = [n for n in g.node if table in n.input]
    if not any(n.op_type == "Transpose" for n in uses):
        raise RuntimeError("the head does not read the token table: tying lost in the export")


def check_tied(model_proto, table):
    g = model_proto.graph
    readers = sorted(n.op_type for n in g.node if table in n.input)
    if readers != ["Gather", "Transpose"]:
        raise RuntimeError(f"token table {table} read by {readers}, expected the embedding Gather and the "
                           "head's Transpose")
    vocab_width = [i for i in g.initializer if len(i.dims) == 2 and sorted(i.dims) == sorted(
        next(x for x in g.initializer if x.name == table).dims)]
    if len(vocab_width) != 1:
        raise RuntimeError(f"{len(vocab_width)} initializers of the token table's shape: tying lost")


def export(name, c, seed, opset, refs, out_dir):
    model = make(c, seed)
    example = torch.zeros((2, 5), dtype=torch.long)
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, f, opset_version=opset, input_names=["input_ids"],
                          output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                        "logits": {0: "batch", 1: "sequence"}})
    proto = onnx.load_from_string(f.getvalue())
    table = next(n.input[0] for n in proto.graph.node if n.op_type == "Gather" and
                 any(i.name == n.input[0] and i.dims[0] == c.vocab for i in proto.graph.initializer))
    tie_head(proto, table)
    check_tied(proto, table)
    onnx.save(proto, os.path.join(out_dir, name + ".onnx"))
    gen = torch.Generator().manual_seed(seed + 1)
    for batch, length in refs:
        ids = torch.randint(0, c.vocab, (batch, length), generator=gen)
        with torch.no_grad():
            logits = model(ids)
        stem = os.path.join(out_dir, f"{name}.b{batch}_t{length}")
        np.save(stem + ".input.npy", ids.numpy())
        np.save(stem + ".logits.npy", logits.numpy().astype(np.float32))


TEST_REFS = [(b, t) for b in (1, 3) for t in (1, 7, 64)]


def test_models():
    tiny = dict(layers=2, width=32, heads=4, vocab=97, context=80, std=0.2)
    return [
        # name, config, opset, references
        ("gpt2_tiny_tanh_op13", Config(**tiny, gelu="tanh", mask="buffer", fill="min"), 13, TEST_REFS),
        ("gpt2_tiny_tanh_op17", Config(**tiny, gelu="tanh", mask="tril", fill="min"), 17, TEST_REFS),
        ("gpt2_tiny_erf_op13", Config(**tiny, gelu="erf", mask="arange", fill="inf"), 13, TEST_REFS),
        ("gpt2_tiny_erf_op17", Config(**tiny, gelu="erf", mask="buffer", fill="inf"), 17, TEST_REFS),
        ("gpt2_wide_op17", Config(2, 768, 12, 50257, 1024, gelu="tanh", mask="buffer"), 17,
         [(1, 64), (3, 7)]),
    ]


def bench_models():
    return [
        ("gpt2_small", Config(12, 768, 12, 50257, 1024), 17, [(1, 128)]),
        ("gpt2_6x512", Config(6, 512, 8, 50257, 1024), 17, [(1, 128)]),
    ]


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("tests", "bench"):
        sys.exit("usage: export_gpt2.py tests|bench OUT_DIR")
    what, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(2)
    models = test_models() if what == "tests" else bench_models()
    for seed, (name, c, opset, refs) in enumerate(models):
        export(name, c, 200 + seed, opset, refs, out_dir)
    with open(os.path.join(out_dir, "stamp" if what == "tests" else "bench.stamp"), "w") as out:
        out.write("ok\n")


if __name__ == "__main__":
    main()

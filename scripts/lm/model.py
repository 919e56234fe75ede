"""A GPT-2-style decoder-only language model: token and learned position embeddings, pre-norm blocks (causal
self-attention, GELU MLP), a final LayerNorm and an output head tied to the token embedding.

The causal mask is computed in the graph from the sequence length (Range, comparison, Where after export), so
no mask table is stored beside the weights. The head multiplies by the token embedding transposed in the graph:
the exported ONNX holds the embedding once, read by both the Gather and the head's Transpose + MatMul.
"""
import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class Config:
    vocab: int = 1024
    context: int = 128
    layers: int = 4
    heads: int = 4
    width: int = 128
    dropout: float = 0.1

    def to_dict(self):
        return asdict(self)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.heads = cfg.heads
        self.qkv = nn.Linear(cfg.width, 3 * cfg.width)
        self.proj = nn.Linear(cfg.width, cfg.width)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x):
        n, t, c = x.shape
        hd = c // self.heads
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.reshape(n, t, self.heads, hd).transpose(1, 2)
        k = k.reshape(n, t, self.heads, hd).transpose(1, 2)
        v = v.reshape(n, t, self.heads, hd).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        pos = torch.arange(t, device=x.device)
        future = pos.unsqueeze(0) > pos.unsqueeze(1)  # [t, t]: key after query
        scores = scores.masked_fill(future, float("-inf"))
        att = self.drop(torch.softmax(scores, dim=-1))
        y = (att @ v).transpose(1, 2).reshape(n, t, c)
        return self.drop(self.proj(y))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.width)
        self.attn = Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.width)
        self.fc = nn.Linear(cfg.width, 4 * cfg.width)
        self.out = nn.Linear(4 * cfg.width, cfg.width)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.drop(self.out(F.gelu(self.fc(self.ln2(x)))))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab, cfg.width)
        self.pos = nn.Embedding(cfg.context, cfg.width)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.layers)])
        self.ln = nn.LayerNorm(cfg.width)
        self._init()

    def _init(self):
        # GPT-2's: N(0, 0.02), zero biases, residual projections scaled by 1/sqrt(2 * layers).
        for name, p in self.named_parameters():
            if p.dim() == 1:
                nn.init.ones_(p) if name.endswith("ln1.weight") or name.endswith("ln2.weight") or \
                    name == "ln.weight" else nn.init.zeros_(p)
            else:
                std = 0.02 / math.sqrt(2 * self.cfg.layers) if name.endswith(("proj.weight", "out.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.drop(self.tok(ids) + self.pos(torch.arange(t, device=ids.device)))
        for b in self.blocks:
            x = b(x)
        return self.ln(x) @ self.tok.weight.t()  # the tied head

    def parameter_count(self):
        return sum(p.numel() for p in self.parameters())

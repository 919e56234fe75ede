#!/usr/bin/python3
"""Exports small instances of torchvision's VisionTransformer, SwinTransformer, ConvNeXt and ShuffleNetV2 and a
small text transformer built from torch.nn to ONNX (opset 13 and 17, dynamic batch), with an input batch and
PyTorch's logits for it, for tests/engine/test_transformer_models.cpp.

    export_transformers.py OUT_DIR

Writes OUT_DIR/<name>.onnx, <name>.input.npy (float32 images or int64 token ids) and <name>.logits.npy
(float32), then OUT_DIR/stamp. Weights are seeded random: the models' own initialisation, perturbed so that
zero-initialised heads and unit LayerNorm scales do not hide errors. Tiny widths keep the whole export to
seconds.
"""
import io
import os
import sys

import numpy as np
import torch
from torch import nn
from torchvision.models import convnext, shufflenetv2, swin_transformer, vision_transformer

BATCH = 3


def perturbed(model, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn_like(b) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand_like(b) * 0.5 + 0.75)
    return model.eval()


class TinyLM(nn.Module):
    """Token and position embeddings, a causal mask, one post-norm (ReLU) and one pre-norm (GELU) encoder layer,
    a final LayerNorm and an LM head: logits [N, T, vocab]."""

    def __init__(self, vocab=50, d=16, heads=2, ff=32, length=12):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(length, d)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True, activation="relu"),
            nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True, activation="gelu",
                                       norm_first=True),
        ])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)
        self.register_buffer("mask", torch.triu(torch.full((length, length), float("-inf")), diagonal=1))

    def forward(self, ids):
        length = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(length, device=ids.device))
        for layer in self.layers:
            x = layer(x, src_mask=self.mask[:length, :length])
        return self.head(self.ln(x))


def models():
    return {
        "vit": (lambda: vision_transformer.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2,
                                                             hidden_dim=16, mlp_dim=32, num_classes=10), (3, 32, 32)),
        # 40x40: 10x10 tokens pad to 12x12 windows, and 5x5 after merging pad to 8x8 (shifted windows too).
        "swin": (lambda: swin_transformer.SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2],
                                                          num_heads=[2, 2], window_size=[4, 4], num_classes=10),
                 (3, 40, 40)),
        "convnext": (lambda: convnext.ConvNeXt([convnext.CNBlockConfig(8, 16, 1), convnext.CNBlockConfig(16, None, 1)],
                                               num_classes=10), (3, 32, 32)),
        "shufflenet": (lambda: shufflenetv2.ShuffleNetV2([2, 2, 2], [8, 16, 24, 32, 64], num_classes=10),
                       (3, 32, 32)),
        "textlm": (TinyLM, None),
    }


def export(name, make, image, opset, out_dir, seed):
    torch.manual_seed(seed)
    model = perturbed(make(), seed)
    gen = torch.Generator().manual_seed(seed + 1)
    if image is None:
        x = torch.randint(0, 50, (BATCH, 12), generator=gen)
        in_name = "ids"
    else:
        x = torch.randn((BATCH,) + image, generator=gen)
        in_name = "input"
    with torch.no_grad():
        logits = model(x)
    f = io.BytesIO()
    torch.onnx.export(model, x, f, opset_version=opset, input_names=[in_name], output_names=["logits"],
                      dynamic_axes={in_name: {0: "N"}, "logits": {0: "N"}})
    stem = os.path.join(out_dir, f"{name}_op{opset}")
    with open(stem + ".onnx", "wb") as out:
        out.write(f.getvalue())
    np.save(stem + ".input.npy", x.numpy())
    np.save(stem + ".logits.npy", logits.numpy().astype(np.float32))


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    import warnings
    warnings.filterwarnings("ignore")
    for seed, (name, (make, image)) in enumerate(sorted(models().items())):
        for opset in (13, 17):
            export(name, make, image, opset, out_dir, 100 + seed)
    with open(os.path.join(out_dir, "stamp"), "w") as out:
        out.write("ok\n")


if __name__ == "__main__":
    main()

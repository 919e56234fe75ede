#!/ usr / bin / python3
"""Trains a small Vision Transformer (torchvision's VisionTransformer: patch 4, 3 layers, width 48) on CIFAR-10
from the project's assets, deterministically on the CPU, and exports it as ONNX with a model sidecar.

    vit_cifar10.py [--assets DIR] [--out DIR] [--epochs N] [--threads T]

Data: the 10,000 lossy-JPEG CIFAR-10 test images of the assets (cifar10/test-jpeg/CLASS/NNNN.jpg, 1,000 per
class). Per class, in file-name order, images 200..999 train (8,000) and images 0..199 evaluate (2,000). That
evaluation split is exactly what flipguard's class-stratified subset picks for `--data cifar10-jpeg --images
2000` (the k-th image of every class for k = 0..199), so `flipguard eval --model OUT/vit_cifar10.json --limit
2000` scores the same images. The 200 lossless images (cifar10-lossless200) are a different sample of the
CIFAR-10 test set, so some of them are among the training images: the sidecar does not name them.

Determinism: seeded torch and numpy generators, a fixed thread count, deterministic algorithms, no data loader
workers; the same command writes the same ONNX bytes on the same machine and torch build. One thread by
default: on a busy shared machine, torch's OpenMP threads spin against other processes (a training step ran
about 6x faster with one thread than with two at a load of 16 on 2 cores).
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision.models import vision_transformer

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
EVAL_PER_CLASS = 200
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def load_split(assets):
    """uint8 NHWC arrays and labels: (train_x, train_y, eval_x, eval_y)."""
    root = os.path.join(assets, "cifar10", "test-jpeg")
    tx, ty, ex, ey = [], [], [], []
    for label, cls in enumerate(CLASSES):
        names = sorted(n for n in os.listdir(os.path.join(root, cls)) if n.endswith((".jpg", ".jpeg")))
        if len(names) <= EVAL_PER_CLASS:
            sys.exit(f"{root}/{cls}: {len(names)} images, expected more than {EVAL_PER_CLASS}")
        for i, n in enumerate(names):
            with Image.open(os.path.join(root, cls, n)) as im:
                a = np.asarray(im.convert("RGB"), dtype=np.uint8)
            if a.shape != (32, 32, 3):
                sys.exit(f"{root}/{cls}/{n}: shape {a.shape}, expected 32x32 RGB")
            (ex if i < EVAL_PER_CLASS else tx).append(a)
            (ey if i < EVAL_PER_CLASS else ty).append(label)
    return np.stack(tx), np.array(ty), np.stack(ex), np.array(ey)


def to_tensor(x_uint8):
    x = torch.from_numpy(x_uint8).permute(0, 3, 1, 2).float() / 255.0
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def augment(x, gen):
    """Random crop with 4-pixel zero padding (in normalised space: the padding is the mean) and horizontal flip."""
    n = x.shape[0]
    padded = nn.functional.pad(x, (4, 4, 4, 4))
    dx = torch.randint(0, 9, (n,), generator=gen)
    dy = torch.randint(0, 9, (n,), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    out = torch.empty_like(x)
    for i in range(n):
        crop = padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32]
        out[i] = crop.flip(2) if flip[i] else crop
    return out


def make_model():
    return vision_transformer.VisionTransformer(image_size=32, patch_size=4, num_layers=3, num_heads=4,
                                                hidden_dim=48, mlp_dim=96, num_classes=10)


def accuracy(model, x, y, batch=250):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return 100.0 * correct / len(x)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--assets", default=os.environ.get("FLIPGUARD_ASSETS", os.path.join(root, "..", "shared",
                                                                                        "assets")))
    ap.add_argument("--out", default=os.path.join(root, "results", "vit", "model"))
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    t0 = time.time()
    tx, ty, ex, ey = load_split(args.assets)
    train_x, train_y = to_tensor(tx), torch.from_numpy(ty)
    eval_x, eval_y = to_tensor(ex), torch.from_numpy(ey)
    print(f"data: {len(tx)} train, {len(ex)} evaluate ({time.time() - t0:.1f} s)", flush=True)

    model = make_model()
    batch = 64
    steps_per_epoch = (len(train_x) + batch - 1) // batch
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.15)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=gen)
        total = 0.0
        for s in range(steps_per_epoch):
            idx = order[s * batch:(s + 1) * batch]
            xb = augment(train_x[idx], gen)
            loss = loss_fn(model(xb), train_y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        # The evaluation images are scored only every second epoch: a full pass costs a twelfth of an epoch.
        score = f", evaluate top-1 {accuracy(model, eval_x, eval_y):.2f} %" if (epoch + 1) % 2 == 0 else ""
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(train_x):.3f}{score} ({time.time() - t0:.0f} s)",
              flush=True)

    model.eval()
    top1 = accuracy(model, eval_x, eval_y)
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "vit_cifar10.onnx")
    torch.onnx.export(model, eval_x[:1], onnx_path, opset_version=17, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    sidecar = {
        "name": "vit_cifar10",
        "onnx": "vit_cifar10.onnx",
        "source": (f"scripts/train/vit_cifar10.py (seed {args.seed}, {args.epochs} epochs, {args.threads} threads): "
                   "torchvision VisionTransformer, patch 4, 3 layers, 4 heads, width 48, MLP 96, trained on "
                   "images 200..999 of each class of cifar10-jpeg (8,000); evaluate on images 0..199 of each class "
                   f"(cifar10-jpeg --images 2000, stratified): PyTorch Top-1 {top1:.2f} %"),
        "sha256": sha,
        "input": {"name": "input", "channels": 3, "height": 32, "width": 32},
        "output": {"name": "logits", "classes": 10, "label_offset": 0},
        "preprocess": {"resize_shorter": 0, "resize_to": [0, 0], "crop": [0, 0], "channel_order": "RGB",
                       "scale": 1.0 / 255.0, "mean": MEAN, "std": STD},
        "dataset": "cifar10-jpeg",
    }
    with open(os.path.join(args.out, "vit_cifar10.json"), "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    print(f"PyTorch Top-1 on the 2,000 evaluation images: {top1:.2f} %")
    print(f"wrote {onnx_path} (sha256 {sha}) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""CIFAR-10 ResNet-20/32/44/56 (akamaster/pytorch_resnet_cifar10 checkpoints) -> ONNX opset 13 + sidecar.

The network is rebuilt in torch, the checkpoint loaded strictly, and exported in eval mode with BatchNorm kept
as BatchNormalization nodes. The option-A shortcut (x[:, :, ::2, ::2] zero-padded in channels) is written as
MaxPool(kernel 1, stride 2) + Pad on the channel axis, which is the same function built from standard ops
(the converter checks it against the slicing form).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

CHECKPOINTS = {
    20: "resnet20-12fca82f.th",
    32: "resnet32-d509ac18.th",
    44: "resnet44-014dd654.th",
    56: "resnet56-4bfd9763.th",
}
# Independent Top-1 numbers from the assets' MANIFEST.md.
REFERENCE_TOP1 = {
    20: {"cifar10-lossless200": 90.0, "cifar10-jpeg": 81.0},
    56: {"cifar10-lossless200": 91.0, "cifar10-jpeg": 83.2},
}


class ChannelPad(torch.autograd.Function):
    """Zero channels on both sides; exported as one Pad with constant pads (F.pad exports a shape subgraph)."""

    @staticmethod
    def forward(ctx, x, pad: int):
        return F.pad(x, (0, 0, 0, 0, pad, pad))

    @staticmethod
    def symbolic(g, x, pad: int):
        pads = g.op("Constant", value_t=torch.tensor([0, pad, 0, 0, 0, pad, 0, 0], dtype=torch.int64))
        return g.op("Pad", x, pads, mode_s="constant")


class OptionAShortcut(nn.Module):
    """Identity shortcut for a stride-2 stage change: subsample, then zero channels on both sides."""

    def __init__(self, pad_channels: int, slicing: bool = False):
        super().__init__()
        self.pad_channels = pad_channels
        self.slicing = slicing  # the original formulation, used only to check the exported one

    def forward(self, x):
        if self.slicing:
            return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad_channels, self.pad_channels))
        return ChannelPad.apply(F.max_pool2d(x, kernel_size=1, stride=2), self.pad_channels)


class BasicBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int, slicing: bool):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = OptionAShortcut(planes // 4, slicing)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNetCifar(nn.Module):
    def __init__(self, depth: int, slicing: bool = False):
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"depth {depth}: CIFAR ResNets have depth 6n+2")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        in_planes = 16
        layers = []
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for s in [stride] + [1] * (n - 1):
                blocks.append(BasicBlock(in_planes, planes, s, slicing))
                in_planes = planes
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.linear = nn.Linear(64, 10)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.linear(out)


def load(depth: int, assets: str, slicing: bool = False) -> ResNetCifar:
    rel = f"cifar10/models/{CHECKPOINTS[depth]}"
    path = common.verified_source(os.path.join(assets, rel), rel)
    ckpt = torch.load(path, map_location="cpu")
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise common.ConversionError(f"{path}: no state_dict inside")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    model = ResNetCifar(depth, slicing)
    model.load_state_dict(state, strict=True)
    return model.eval()


def convert(depth: int, assets: str, out_dir: str) -> None:
    name = f"resnet{depth}"
    model = load(depth, assets)
    check = load(depth, assets, slicing=True)
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        if not torch.equal(model(x), check(x)):
            raise common.ConversionError(f"{name}: MaxPool shortcut differs from the slicing shortcut")
    tmp = os.path.join(out_dir, f".{name}.export.onnx")
    os.makedirs(out_dir, exist_ok=True)
    # PRESERVE on an eval-mode model keeps BatchNormalization nodes (EVAL would fold them into the convs).
    with warnings.catch_warnings():  # the exporter warns about custom symbolics and PRESERVE mode
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, torch.zeros(1, 3, 32, 32), tmp, opset_version=common.OPSET,
            input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
            do_constant_folding=True, training=torch.onnx.TrainingMode.PRESERVE,
        )
    onnx_model = onnx.load(tmp)
    os.remove(tmp)
    ops = {n.op_type for n in onnx_model.graph.node}
    allowed = {"Constant", "Conv", "BatchNormalization", "Relu", "Add", "MaxPool", "Pad", "GlobalAveragePool",
               "Flatten", "Gemm"}
    if not ops <= allowed:
        raise common.ConversionError(f"{name}: unexpected ops in the export: {sorted(ops - allowed)}")
    if sum(n.op_type == "BatchNormalization" for n in onnx_model.graph.node) != depth - 1:
        raise common.ConversionError(f"{name}: expected {depth - 1} BatchNormalization nodes")
    # The exporter leaves Pad's pads/value as Constant nodes; make them initializers like every other constant.
    onnx_model = constants_to_initializers(onnx_model)
    ops = {n.op_type for n in onnx_model.graph.node}
    onnx_model.producer_name = "flipguard scripts/convert/torch_resnet_cifar.py"
    path = common.save_model(onnx_model, out_dir, name)
    common.compare_with_reference(path, x, model(x).detach().numpy(), name)
    common.write_sidecar(
        out_dir, name,
        source=f"akamaster/pytorch_resnet_cifar10 {CHECKPOINTS[depth]} (CIFAR-10 ResNet-{depth}, option-A "
               "shortcuts), exported by scripts/convert/torch_resnet_cifar.py",
        input_name="input", chw=(3, 32, 32), output_name="logits", classes=10,
        preprocess={"channel_order": "RGB", "scale": 1.0 / 255.0, "mean": [0.485, 0.456, 0.406],
                    "std": [0.229, 0.224, 0.225]},
        dataset="cifar10-lossless200",
        reference_top1=REFERENCE_TOP1.get(depth, {}),
    )
    print(f"convert {name}: wrote {out_dir}/{name}.onnx ({len(onnx_model.graph.node)} nodes, ops {sorted(ops)})")


def constants_to_initializers(model: onnx.ModelProto) -> onnx.ModelProto:
    keep = []
    for node in model.graph.node:
        if node.op_type == "Constant":
            value = onnx.helper.get_attribute_value(node.attribute[0])
            value.name = node.output[0]
            model.graph.initializer.append(value)
        else:
            keep.append(node)
    del model.graph.node[:]
    model.graph.node.extend(keep)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--depth", type=int, nargs="+", default=[20, 32, 44, 56], choices=sorted(CHECKPOINTS))
    p.add_argument("--assets", default="")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "models"))
    args = p.parse_args()
    for depth in args.depth:
        try:
            convert(depth, common.assets_dir(args.assets), os.path.normpath(args.out))
        except Exception as e:
            common.fail(f"resnet{depth}", str(e))


if __name__ == "__main__":
    main()

"""Exports the small models the CLI tests feed without sidecars (seeded random weights, dynamic batch axis).

usage: export_test_models.py OUT_DIR
  squeezenet.onnx   torchvision squeezenet1_1, input [N, 3, 224, 224], 1000 classes
  tiny_nchw.onnx    conv-relu-pool-linear, input [N, 3, 32, 32], 10 classes
  tiny_nhwc.onnx    the same weights behind a channels-last input [N, 32, 32, 3] (a Transpose first)
  two_inputs.onnx   a model with two image inputs (refused without a sidecar)
  fixed8.onnx       conv-bn-relu-pool-linear exported at a fixed batch of 8 (no dynamic axes: the Reshape
                    before the classifier bakes the 8 in), input [8, 3, 32, 32], 10 classes
  fixed1.onnx       the same weights at a fixed batch of 1, with an explicit Reshape to [1, -1]
  fixed_x.npy       80 inputs [80, 3, 32, 32] float32; fixed_y.npy labels (int64): PyTorch's Top-1 class for
                    the first 40, another class for the last 40
  fixed_torch.npy   PyTorch's logits of the fixed models on fixed_x.npy [80, 10]
"""
import os
import sys

import torch
import torchvision


class Tiny(torch.nn.Module):
    def __init__(self, channels_last):
        super().__init__()
        self.channels_last = channels_last
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.fc = torch.nn.Linear(8, 10)

    def forward(self, x):
        if self.channels_last:
            x = x.permute(0, 3, 1, 2)
        x = torch.relu(self.conv(x))
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


class TwoInputs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, a, b):
        return self.conv(a + b).mean(dim=(2, 3))


class FixedBatch(torch.nn.Module):
    """Flattens with the batch written out, as code written for one batch size does."""

    def __init__(self):
        super().__init__()
        self.batch = 0
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.fc = torch.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        x = torch.nn.functional.adaptive_avg_pool2d(x, 4)
        return self.fc(x.reshape(self.batch or x.shape[0], -1))


def export_fixed(out):
    import numpy as np

    net = FixedBatch()
    with torch.no_grad():  # BatchNorm statistics that are not the identity; classes that differ per image
        net.bn.running_mean.uniform_(-0.5, 0.5)
        net.bn.running_var.uniform_(0.5, 2.0)
        net.fc.weight.normal_(0, 1)
    net.eval()
    x = torch.randn(80, 3, 32, 32) + 2 * torch.randn(80, 3, 1, 1)  # a colour cast per image
    export(net, x[:8], os.path.join(out, "fixed8.onnx"), ["x"], False)
    net.batch = 1
    export(net, x[:1], os.path.join(out, "fixed1.onnx"), ["x"], False)
    with torch.no_grad():
        logits = torch.cat([net(x[i:i + 1]) for i in range(len(x))])
    np.save(os.path.join(out, "fixed_x.npy"), x.numpy())
    # Labels PyTorch gets right for the first 40 images and wrong for the rest: Top-1 is 50 % exactly.
    top1 = logits.argmax(1)
    np.save(os.path.join(out, "fixed_y.npy"), torch.cat([top1[:40], (top1[40:] + 1) % 10]).numpy())
    np.save(os.path.join(out, "fixed_torch.npy"), logits.numpy())


def export(model, args, path, names, dynamic):
    model.eval()
    torch.onnx.export(model, args, path, input_names=names, output_names=["logits"], opset_version=13,
                      dynamic_axes={n: {0: "N"} for n in names + ["logits"]} if dynamic else None)


def main():
    out = sys.argv[1]
    torch.manual_seed(1234)
    squeeze = torchvision.models.squeezenet1_1(weights=None)
    export(squeeze, torch.randn(1, 3, 224, 224), os.path.join(out, "squeezenet.onnx"), ["image"], True)
    nchw = Tiny(False)
    nhwc = Tiny(True)
    nhwc.load_state_dict(nchw.state_dict())
    export(nchw, torch.randn(1, 3, 32, 32), os.path.join(out, "tiny_nchw.onnx"), ["x"], True)
    export(nhwc, torch.randn(1, 32, 32, 3), os.path.join(out, "tiny_nhwc.onnx"), ["x"], True)
    export(TwoInputs(), (torch.randn(1, 3, 8, 8), torch.randn(1, 3, 8, 8)), os.path.join(out, "two_inputs.onnx"),
           ["a", "b"], False)
    export_fixed(out)


if __name__ == "__main__":
    main()

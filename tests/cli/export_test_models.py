"""Exports the small models the CLI tests feed without sidecars (seeded random weights, dynamic batch axis).

usage: export_test_models.py OUT_DIR
  squeezenet.onnx   torchvision squeezenet1_1, input [N, 3, 224, 224], 1000 classes
  tiny_nchw.onnx    conv-relu-pool-linear, input [N, 3, 32, 32], 10 classes
  tiny_nhwc.onnx    the same weights behind a channels-last input [N, 32, 32, 3] (a Transpose first)
  two_inputs.onnx   a model with two image inputs (refused without a sidecar)
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


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The fortune language model trained in this repository (trained/fortune-lm/, scripts/lm/) -> models/.

Copies model.onnx, tokenizer.json and validation.npy (the 451 validation windows of 129 ids its perplexity was
measured on, scripts/lm/export_validation.py) to fortune-lm.onnx, fortune-lm.tokenizer.json and
fortune-lm.validation.npy, and writes the sidecar fortune-lm.json (kind causal-lm, docs/model-sidecar.md): the
ONNX file's sha256, its input and output names, sequence length and vocabulary from the training record
(trained/fortune-lm/model.json), the validation windows as the default data and PyTorch's validation
perplexity as the reference, keyed as flipguard names that data ("tokens:<file name>"). The copies are checked
against the training record (the ONNX file's sha256) and the windows' shape.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAME = "fortune-lm"


def npy_shape(path: str):
    """(dtype descr, shape) from a .npy header, without numpy."""
    with open(path, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            raise common.ConversionError(f"{path}: not a .npy file")
        major = f.read(2)[0]
        size = struct.unpack("<H" if major == 1 else "<I", f.read(2 if major == 1 else 4))[0]
        header = eval(f.read(size).decode("latin1"), {"__builtins__": {}}, {"False": False, "True": True})
    return header["descr"], tuple(header["shape"])


def convert(trained: str, out: str) -> dict:
    with open(os.path.join(trained, "model.json"), encoding="utf-8") as f:
        record = json.load(f)
    onnx_src = os.path.join(trained, "model.onnx")
    sha = common.sha256_file(onnx_src)
    if sha != record["sha256"]:
        raise common.ConversionError(f"{onnx_src}: sha256 {sha} is not the training record's {record['sha256']}")
    evaluation = record["evaluation"]
    windows = os.path.join(trained, "validation.npy")
    if not os.path.isfile(windows):
        raise common.ConversionError(f"{windows} missing: run scripts/lm/export_validation.py")
    descr, shape = npy_shape(windows)
    want = (evaluation["validation_windows"], record["context"] + 1)
    if shape != want:
        raise common.ConversionError(f"{windows}: shape {shape}, the validation perplexity was measured on {want}")

    files = {"onnx": f"{NAME}.onnx", "tokenizer": f"{NAME}.tokenizer.json", "dataset": f"{NAME}.validation.npy"}
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(onnx_src, os.path.join(out, files["onnx"]))
    shutil.copyfile(os.path.join(trained, "tokenizer.json"), os.path.join(out, files["tokenizer"]))
    shutil.copyfile(windows, os.path.join(out, files["dataset"]))
    sidecar = {
        "name": NAME,
        "kind": "causal-lm",
        "onnx": files["onnx"],
        "source": "trained in this repository by scripts/lm/train_lm.py (trained/fortune-lm/, "
                  "scripts/lm/README.md): a GPT-2-style decoder, 4 layers of width 128, 940,800 parameters, on "
                  "the fortune cookies of Debian's fortunes packages; copied by scripts/convert/fortune_lm.py",
        "sha256": sha,
        "tokenizer": files["tokenizer"],
        "dataset": files["dataset"],
        "input": {"name": record["input"]["name"], "sequence_length": record["context"]},
        "output": {"name": record["output"]["name"], "vocab": record["vocab"]},
        "reference_perplexity": {f"tokens:{files['dataset']}": evaluation["validation_perplexity"]},
        "notes": f"{files['dataset']}: the {shape[0]} validation windows of {shape[1]} ids (stride "
                 f"{evaluation['stride']}) PyTorch's perplexity {evaluation['validation_perplexity']} was measured "
                 f"on (fp32, eval mode; scripts/lm/export_validation.py)",
    }
    with open(os.path.join(out, f"{NAME}.json"), "w", encoding="utf-8") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    return sidecar


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trained", default=os.path.join(REPO, "trained", NAME))
    p.add_argument("--out", required=True)
    args = p.parse_args()
    try:
        sidecar = convert(args.trained, args.out)
    except (common.ConversionError, OSError, KeyError) as e:
        common.fail(NAME, str(e))
    print(f"convert {NAME}: wrote {os.path.join(args.out, NAME + '.json')} (sha256 {sidecar['sha256'][:16]}...)")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A PyTorch model through flipguard: export it, check flipguard's logits against torch's, run a bit-flip
campaign on it, tabulate the records with pandas and plot Top-1 against the bit-error rate with matplotlib.

The model is ResNet-20 for CIFAR-10 (the torch definition in scripts/convert with its checkpoint from the
assets), or with --torchvision NAME a torchvision model with seeded random weights (its accuracy is chance; the
steps are the same). The data is the built-in dataset cifar10-lossless200 (200 CIFAR-10 test images).

From the project root, after scripts/setup (which builds the module into build/python):
    PYTHONPATH=build/python /usr/bin/python3 examples/torch_model.py [--ci-target 2 | --trials N] [--out DIR]

By default each campaign cell runs the cell design until its 95% interval is within +-2 points (the campaign's
default; under a minute on 2 cores); --trials N runs N fixed trials per cell instead (quick, but with wide
intervals: about +-20 points at 10 trials).
"""

import argparse
import os
import sys

import numpy as np
import torch

import flipguard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CIFAR_PREPROCESS = {"channel_order": "RGB", "scale": 1.0 / 255.0, "mean": [0.485, 0.456, 0.406],
                    "std": [0.229, 0.224, 0.225]}


def torch_model(args):
    if args.torchvision:
        import torchvision

        torch.manual_seed(args.seed)
        return getattr(torchvision.models, args.torchvision)(num_classes=10).eval(), args.torchvision
    sys.path.insert(0, os.path.join(ROOT, "scripts", "convert"))
    import common
    import torch_resnet_cifar

    return torch_resnet_cifar.load(20, common.assets_dir("")).eval(), "resnet20"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--torchvision", metavar="NAME", help="a torchvision model (e.g. resnet18) instead of ResNet-20")
    p.add_argument("--ci-target", type=float, default=2,
                   help="each cell runs until its 95%% interval is within +- this many points (default 2)")
    p.add_argument("--trials", type=int, default=0,
                   help="a fixed number of trials per cell instead (0, the default: adaptive to --ci-target)")
    p.add_argument("--images", type=int, default=0, help="images evaluated, a class-stratified subset (default 0: all 200)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=os.path.join(ROOT, "results", "torch-example"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)

    # 1. The torch module, written as a model campaigns can use (ONNX + sidecar with its preprocessing).
    module, name = torch_model(args)
    sidecar = flipguard.export_torch(module, torch.zeros(1, 3, 32, 32), os.path.join(args.out, name + ".json"),
                                     dataset="cifar10-lossless200", preprocess=CIFAR_PREPROCESS)

    # 2. The same images through torch and through flipguard's engine.
    x, y = flipguard.load_images(sidecar, images=args.images)
    model = flipguard.from_torch(module, torch.from_numpy(x[:16]))
    ours = model.run(x)
    with torch.no_grad():
        theirs = module(torch.from_numpy(x)).numpy()
    error = np.abs(ours - theirs).max() / np.abs(theirs).max()
    print(f"{name}: {len(x)} images, Top-1 {100 * (ours.argmax(1) == y).mean():.1f}% (torch "
          f"{100 * (theirs.argmax(1) == y).mean():.1f}%), max |logit difference| / logit scale {error:.1e}")
    if error > 1e-4:
        sys.exit(f"{name}: flipguard's logits differ from torch's by {error:.1e} of the logit scale")

    # 3. A campaign: the keyword arguments are the keys of docs/settings.md. Rerunning resumes.
    tty = sys.stderr.isatty()

    def progress(p):
        r = p["record"]
        if tty or p["trials_done"] == p["trials_expected"]:
            print(f"\r{p['trials_done']}/{p['trials_expected']} trials, {p['cell']}: top-1 "
                  f"{100 * r['top1'] / r['images']:.1f}%   ", end="", file=sys.stderr, flush=True)

    budget = {"trials": args.trials} if args.trials > 0 else {"ci_target": args.ci_target}
    results = flipguard.run_campaign(model=sidecar, formats=["q2.5", "fp16"], protections=["none", "scale"],
                                     bers=[1e-5, 1e-4, 1e-3], images=args.images, **budget,
                                     seed=args.seed,
                                     results=os.path.join(args.out, "campaign.jsonl"), progress=progress,
                                     log=None)
    print(file=sys.stderr)

    # 4. The records as a pandas table: one row per trial, the columns of the JSON Lines.
    frame = results.to_pandas()
    frame["top1_percent"] = 100 * frame.top1 / frame.images
    table = frame.groupby(["format", "protection", "ber"]).top1_percent.agg(["count", "mean", "min", "max"])
    print(table.round(2).to_string())
    # Each cell's mean and 95% interval (the report's), and whether the interval target was reached.
    for c in results.cells():
        if c["ber"] > 0:
            print(f"{c['format']:5} {c['protection']:6} BER {c['ber']:.0e}: Top-1 {c['top1']:6.2f} "
                  f"[{c['top1_lo']:6.2f}, {c['top1_hi']:6.2f}] over {c['trials']} trials ({c['stopped']})")

    # 5. Top-1 against BER per format, with each cell's 95% interval (the report's), and the clean baselines.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = [c for c in results.cells()]
    formats = sorted({c["format"] for c in cells})
    fig, axes = plt.subplots(1, len(formats), figsize=(5 * len(formats), 4), squeeze=False)
    for ax, fmt in zip(axes[0], formats):
        for protection in sorted({c["protection"] for c in cells if c["format"] == fmt}):
            mine = [c for c in cells if c["format"] == fmt and c["protection"] == protection]
            faulty = sorted((c for c in mine if c["ber"] > 0), key=lambda c: c["ber"])
            ber = [c["ber"] for c in faulty]
            mean = np.array([c["top1"] for c in faulty])
            lo = np.array([c["top1_lo"] for c in faulty])
            hi = np.array([c["top1_hi"] for c in faulty])
            line = ax.errorbar(ber, mean, yerr=[mean - lo, hi - mean], marker="o", capsize=3, label=protection)
            for clean in (c for c in mine if c["ber"] == 0):
                ax.axhline(clean["top1"], linestyle=":", color=line[0].get_color())
        ax.set_xscale("log")
        ax.set_ylim(0, 100)
        ax.set_xlabel("bit-error rate")
        ax.set_ylabel("Top-1 (%)")
        ax.set_title(f"{name}, {fmt}")
        ax.legend()
    fig.tight_layout()
    plot = os.path.join(args.out, "top1_vs_ber.png")
    fig.savefig(plot, dpi=120)

    # 6. flipguard's own report (Markdown, CSV, SVG, HTML) from the same records.
    files = results.report()
    print(f"plot: {plot}\nreport: {os.path.dirname(files[0])}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Independent reference values for the data-layer tests, computed with PIL and numpy.

  gen_reference.py fixtures ASSETS_DIR OUT_DIR
      writes pil_resize_synthetic.bin (PIL BILINEAR resizes of a formula-defined image),
      noaa_resize_synthetic.bin (the same cases with the "bilinear-noaa" filter of scripts/reference) and
      dataset_stats.json (counts and label histograms read straight from the asset files, plus
      checksums of preprocessed real images); both are committed under tests/data/fixtures/.
  gen_reference.py tensor ASSETS_DIR DATASET INDEX SIDECAR OUT_PREFIX
      writes OUT_PREFIX.u8 (HWC uint8 after convert/resize/crop) and OUT_PREFIX.f32 (CHW float32 model
      input) for one image, the way the reference evaluations of MANIFEST.md preprocess it.
  gen_reference.py sums ASSETS_DIR DATASET FIRST COUNT SIDECAR OUT
      writes OUT: for images FIRST..FIRST+COUNT-1, int64 pairs (sum, weighted_sum) of the uint8 stage, with
      weighted_sum = sum of value[i] * (i % 251 + 1) over the HWC bytes.
Needs Debian's /usr/bin/python3 with python3-pil and python3-numpy. The "bilinear-noaa" filter is the one of
scripts/reference/datasets.py (checked against torch there).
"""
import collections
import functools
import gzip
import json
import os
import struct
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "reference"))
from datasets import resize_bilinear_noaa  # noqa: E402

CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


# ---------------------------------------------------------------- datasets (read independently of the C++)
@functools.lru_cache(maxsize=None)
def imagenet_list(assets):
    root = os.path.join(assets, "imagenet-val1300")
    items = []
    with open(os.path.join(root, "dataset.txt")) as f:
        for line in f:
            if line.strip():
                path, label = line.rsplit(",", 1)
                items.append((os.path.normpath(os.path.join(root, path.strip())), int(label)))
    return items


@functools.lru_cache(maxsize=None)
def cifar_jpeg_list(assets):
    root = os.path.join(assets, "cifar10", "test-jpeg")
    items = []
    for label, cls in enumerate(CIFAR_CLASSES):
        for name in sorted(os.listdir(os.path.join(root, cls))):
            if name.lower().endswith((".jpg", ".jpeg")):
                items.append((os.path.join(root, cls, name), label))
    return items


@functools.lru_cache(maxsize=None)
def cifar_raw_list(assets):
    root = os.path.join(assets, "cifar10", "test-lossless-200")
    items = []
    with open(os.path.join(root, "y_labels.csv")) as f:
        for line in f:
            if line.strip():
                name, classes, label = [x.strip() for x in line.split(",")]
                assert int(classes) == 10
                items.append((os.path.join(root, name), int(label)))
    return items


@functools.lru_cache(maxsize=None)
def mnist_arrays(assets):
    root = os.path.join(assets, "mnist")
    with gzip.open(os.path.join(root, "t10k-images-idx3-ubyte.gz")) as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051
        images = np.frombuffer(f.read(), dtype=np.uint8).reshape(n, rows, cols)
    with gzip.open(os.path.join(root, "t10k-labels-idx1-ubyte.gz")) as f:
        magic, n2 = struct.unpack(">II", f.read(8))
        assert magic == 2049 and n2 == n
        labels = np.frombuffer(f.read(), dtype=np.uint8)
    return images, labels


def load(assets, dataset, index):
    """PIL image and label of one dataset image, in the dataset order the C++ readers define."""
    if dataset == "imagenet-val1300":
        path, label = imagenet_list(assets)[index]
        return Image.open(path), label
    if dataset == "cifar10-jpeg":
        path, label = cifar_jpeg_list(assets)[index]
        return Image.open(path), label
    if dataset == "cifar10-lossless200":
        path, label = cifar_raw_list(assets)[index]
        return Image.fromarray(np.fromfile(path, dtype=np.uint8).reshape(32, 32, 3), "RGB"), label
    if dataset == "mnist-test":
        images, labels = mnist_arrays(assets)
        return Image.fromarray(images[index], "L"), int(labels[index])
    raise SystemExit("unknown dataset " + dataset)


# ---------------------------------------------------------------- preprocessing as the references do it
def resize(img, width, height, resize_filter):
    if resize_filter == "bilinear-noaa":
        return Image.fromarray(resize_bilinear_noaa(np.asarray(img), height, width), img.mode)
    assert resize_filter == "bilinear", resize_filter
    return img.resize((width, height), Image.BILINEAR)


def prepare(img, pre):
    mode = "L" if pre["channel_order"] == "GRAY" else "RGB"
    img = img.convert(mode)
    w, h = img.size
    shorter = pre.get("resize_shorter", 0)
    resize_to = pre.get("resize_to", [0, 0])
    rf = pre.get("resize_filter", "bilinear")
    if shorter:
        # torchvision.transforms.Resize(int): long side = int(shorter * long / short)
        if w <= h:
            img = resize(img, shorter, int(shorter * h / w), rf)
        else:
            img = resize(img, int(shorter * w / h), shorter, rf)
    elif resize_to[0]:
        img = resize(img, resize_to[1], resize_to[0], rf)
    crop = pre.get("crop", [0, 0])
    if crop[0]:
        w, h = img.size
        # torchvision.transforms.functional.center_crop
        top = int(round((h - crop[0]) / 2.0))
        left = int(round((w - crop[1]) / 2.0))
        img = img.crop((left, top, left + crop[1], top + crop[0]))
    arr = np.asarray(img, dtype=np.uint8)
    return arr if arr.ndim == 3 else arr[:, :, None]


def to_tensor(u8, pre):
    x = u8.astype(np.float64)
    if pre["channel_order"] == "BGR":
        x = x[:, :, ::-1]
    x = (x * pre.get("scale", 1.0) - np.array(pre["mean"])) / np.array(pre["std"])
    return np.ascontiguousarray(x.transpose(2, 0, 1).astype(np.float32))


def cmd_tensor(assets, dataset, index, sidecar, out_prefix):
    with open(sidecar) as f:
        pre = json.load(f)["preprocess"]
    img, _ = load(assets, dataset, int(index))
    u8 = prepare(img, pre)
    u8.tofile(out_prefix + ".u8")
    to_tensor(u8, pre).tofile(out_prefix + ".f32")


def checksums(u8):
    flat = u8.reshape(-1).astype(np.int64)
    return int(flat.sum()), int((flat * (np.arange(flat.size) % 251 + 1)).sum())


def cmd_sums(assets, dataset, first, count, sidecar, out):
    with open(sidecar) as f:
        pre = json.load(f)["preprocess"]
    values = []
    for index in range(int(first), int(first) + int(count)):
        values.extend(checksums(prepare(load(assets, dataset, index)[0], pre)))
    np.array(values, dtype=np.int64).tofile(out)


# ---------------------------------------------------------------- committed fixtures
def synthetic_image(h, w, c):
    """Same formula as synthetic_image() in tests/data/test_support.hpp."""
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    v = (x * x * 31 + y * y * 17 + x * y * 7 + ch * 89 + (x ^ y) * 13) % 256
    v = np.where((x // 5 + y // 4) % 3 == 0, 255 - v, v)  # hard edges, where rounding differences would show
    return v.astype(np.uint8)


RESIZE_CASES = [  # (channels, out_h, out_w) for a 23x31 source
    (3, 9, 13), (3, 30, 40), (3, 23, 14), (3, 5, 31), (3, 2, 3), (3, 8, 97), (1, 11, 17), (1, 46, 7),
]


def write_resize_fixture(path, resize_filter):
    """Format: u32 case count; per case u32 channels, in_h, in_w, out_h, out_w, then out_h*out_w*channels bytes."""
    blob = bytearray(struct.pack("<I", len(RESIZE_CASES)))
    for c, oh, ow in RESIZE_CASES:
        src = synthetic_image(23, 31, c)
        img = Image.fromarray(src if c == 3 else src[:, :, 0], "RGB" if c == 3 else "L")
        out = np.asarray(resize(img, ow, oh, resize_filter), dtype=np.uint8)
        blob += struct.pack("<5I", c, 23, 31, oh, ow) + out.tobytes()
    with open(path, "wb") as f:
        f.write(blob)


def histogram(labels, classes):
    counts = collections.Counter(labels)
    return [counts.get(i, 0) for i in range(classes)]


PIPELINE_CHECKS = [  # (dataset, index, sidecar fixture)
    ("imagenet-val1300", 0, "resnet50.json"),
    ("imagenet-val1300", 1299, "squeezenet.json"),
    ("imagenet-val1300", 7, "gray_resize_to.json"),
    ("cifar10-jpeg", 4321, "cifar_resnet20.json"),
    ("cifar10-lossless200", 17, "cifar_resnet20.json"),
    ("mnist-test", 9999, "mnist8.json"),
    ("imagenet-val1300", 3, "mobilenet_noaa.json"),
    ("imagenet-val1300", 1000, "noaa_shorter_crop.json"),
]


def write_stats(assets, path):
    here = os.path.dirname(os.path.abspath(__file__))
    stats = {}
    for name, items in [("imagenet-val1300", imagenet_list(assets)), ("cifar10-jpeg", cifar_jpeg_list(assets)),
                        ("cifar10-lossless200", cifar_raw_list(assets))]:
        labels = [label for _, label in items]
        classes = 1000 if name == "imagenet-val1300" else 10
        stats[name] = {"count": len(items), "histogram": histogram(labels, classes),
                       "first_file": os.path.basename(items[0][0]), "last_file": os.path.basename(items[-1][0]),
                       "first_label": labels[0], "last_label": labels[-1]}
    images, labels = mnist_arrays(assets)
    stats["mnist-test"] = {"count": int(len(labels)), "histogram": histogram(labels.tolist(), 10),
                           "first_label": int(labels[0]), "last_label": int(labels[-1]),
                           "pixel_sum_first": int(images[0].astype(np.int64).sum()),
                           "pixel_sum_all": int(images.astype(np.int64).sum())}
    checks = []
    for dataset, index, sidecar in PIPELINE_CHECKS:
        with open(os.path.join(here, "sidecars", sidecar)) as f:
            pre = json.load(f)["preprocess"]
        img, label = load(assets, dataset, index)
        u8 = prepare(img, pre)
        total, weighted = checksums(u8)
        checks.append({"dataset": dataset, "index": index, "sidecar": sidecar, "label": label,
                       "shape": list(u8.shape), "sum": total, "weighted_sum": weighted})
    stats["pipeline_checks"] = checks
    with open(path, "w") as f:  # one line per entry keeps the file short and diffable
        f.write("{\n" + ",\n".join(" %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in stats.items()) + "\n}\n")


def main(argv):
    if len(argv) == 4 and argv[1] == "fixtures":
        write_resize_fixture(os.path.join(argv[3], "pil_resize_synthetic.bin"), "bilinear")
        write_resize_fixture(os.path.join(argv[3], "noaa_resize_synthetic.bin"), "bilinear-noaa")
        write_stats(argv[2], os.path.join(argv[3], "dataset_stats.json"))
    elif len(argv) == 7 and argv[1] == "tensor":
        cmd_tensor(*argv[2:])
    elif len(argv) == 8 and argv[1] == "sums":
        cmd_sums(*argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

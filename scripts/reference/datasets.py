"""Dataset readers and the sidecar preprocessing, with PIL and numpy only.

Each dataset is a list of (loader, label, name): loader() returns either a PIL image (decoded file) or a numpy
uint8 array (raw pixels: HxWx3 RGB or HxW grey). preprocess() turns it into a CHW float32 array following the
model's sidecar "preprocess" block exactly.
"""

from __future__ import annotations

import csv
import gzip
import os
import struct
from typing import Callable, List, Tuple, Union

import numpy as np
from PIL import Image

Item = Tuple[Callable[[], Union[Image.Image, np.ndarray]], int, str]

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
DATASETS = ["imagenet-val1300", "cifar10-jpeg", "cifar10-lossless200", "mnist-test"]


def assets_dir(override: str = "") -> str:
    if override:
        return override
    if os.environ.get("FLIPGUARD_ASSETS"):
        return os.environ["FLIPGUARD_ASSETS"]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(os.path.dirname(root), "shared", "assets")


def _need(path: str) -> str:
    if not os.path.exists(path):
        raise FileNotFoundError(f"dataset file missing: {path}")
    return path


def _open_image(path: str) -> Callable[[], Image.Image]:
    def load():
        im = Image.open(path)
        im.load()
        return im

    return load


def _imagenet(root: str) -> List[Item]:
    base = os.path.join(root, "imagenet-val1300")
    items = []
    with open(_need(os.path.join(base, "dataset.txt"))) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rel, label = [s.strip() for s in line.split(",")]
                label = int(label)
            except ValueError:
                raise ValueError(f"{base}/dataset.txt line {lineno}: expected 'FILE, LABEL', got {line!r}")
            items.append((_open_image(os.path.join(base, rel)), label, rel))
    return items


def _cifar_jpeg(root: str) -> List[Item]:
    base = os.path.join(root, "cifar10", "test-jpeg")
    items = []
    for label, cls in enumerate(CIFAR10_CLASSES):
        d = _need(os.path.join(base, cls))
        for name in sorted(os.listdir(d)):
            items.append((_open_image(os.path.join(d, name)), label, f"{cls}/{name}"))
    return items


def _cifar_lossless(root: str) -> List[Item]:
    base = os.path.join(root, "cifar10", "test-lossless-200")
    items = []

    def raw(path):
        def load():
            data = np.fromfile(path, dtype=np.uint8)
            if data.size != 32 * 32 * 3:
                raise ValueError(f"{path}: expected 3072 bytes (32x32x3), got {data.size}")
            return data.reshape(32, 32, 3)

        return load

    with open(_need(os.path.join(base, "y_labels.csv"))) as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row:
                continue
            if len(row) != 3:
                raise ValueError(f"{base}/y_labels.csv line {lineno}: expected 'file,10,label', got {row}")
            items.append((raw(os.path.join(base, row[0])), int(row[2]), row[0]))
    return items


def _mnist(root: str) -> List[Item]:
    base = os.path.join(root, "mnist")
    with gzip.open(_need(os.path.join(base, "t10k-images-idx3-ubyte.gz"))) as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{base}/t10k-images-idx3-ubyte.gz: bad magic {magic}")
        images = np.frombuffer(f.read(n * h * w), dtype=np.uint8).reshape(n, h, w)
    with gzip.open(_need(os.path.join(base, "t10k-labels-idx1-ubyte.gz"))) as f:
        magic, m = struct.unpack(">II", f.read(8))
        if magic != 2049 or m != n:
            raise ValueError(f"{base}/t10k-labels-idx1-ubyte.gz: bad magic {magic} or count {m} != {n}")
        labels = np.frombuffer(f.read(m), dtype=np.uint8)
    return [((lambda i=i: images[i]), int(labels[i]), str(i)) for i in range(n)]


def load_dataset(name: str, root: str = "") -> List[Item]:
    root = assets_dir(root)
    readers = {
        "imagenet-val1300": _imagenet,
        "cifar10-jpeg": _cifar_jpeg,
        "cifar10-lossless200": _cifar_lossless,
        "mnist-test": _mnist,
    }
    if name not in readers:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return readers[name](root)


RESIZE_FILTERS = ("bilinear", "bilinear-noaa")


NOAA_BITS = 22  # fractional bits of the "bilinear-noaa" weights


def _noaa_taps(n_in: int, n_out: int):
    """Per output index along one axis: source taps i0, i1 and integer weights w0, w1 (sum 2**NOAA_BITS).
    The half-pixel source coordinate src = max(0, (k + 0.5) * n_in / n_out - 0.5) is the exact fraction
    num / (2 n_out); w1 is its fractional part rounded half up to NOAA_BITS bits."""
    den = 2 * n_out
    num = np.maximum((2 * np.arange(n_out, dtype=np.int64) + 1) * n_in - n_out, 0)
    i0 = np.minimum(num // den, n_in - 1)
    w1 = (((num - i0 * den) << NOAA_BITS) + n_out) // den
    return i0, np.minimum(i0 + 1, n_in - 1), (1 << NOAA_BITS) - w1, w1


def resize_bilinear_noaa(a: np.ndarray, height: int, width: int) -> np.ndarray:
    """The "bilinear-noaa" filter on an HxWxC or HxW uint8 array: half-pixel bilinear without antialiasing, the
    sampling of torch F.interpolate(bilinear, align_corners=False, antialias=False), TF2 tf.image.resize and
    OpenCV INTER_LINEAR. Integer arithmetic (exact, so any implementation gets the same bytes): rows first, then
    columns, one rounding half up to uint8 at the end."""
    grey = a.ndim == 2
    x = np.asarray(a, dtype=np.int64)
    if grey:
        x = x[:, :, None]
    x0, x1, wx0, wx1 = _noaa_taps(x.shape[1], width)
    rows = x[:, x0] * wx0[None, :, None] + x[:, x1] * wx1[None, :, None]
    y0, y1, wy0, wy1 = _noaa_taps(x.shape[0], height)
    v = rows[y0] * wy0[:, None, None] + rows[y1] * wy1[:, None, None]
    out = (v + (1 << (2 * NOAA_BITS - 1))) >> (2 * NOAA_BITS)
    out = out.astype(np.uint8)
    return out[:, :, 0] if grey else out


def _resize(img: Image.Image, size: Tuple[int, int], resize_filter: str) -> Image.Image:
    """Resize to size = (width, height) unless it already has that size."""
    if size == img.size:
        return img
    if resize_filter == "bilinear-noaa":
        return Image.fromarray(resize_bilinear_noaa(np.asarray(img), size[1], size[0]), img.mode)
    return img.resize(size, Image.BILINEAR)  # PIL's BILINEAR is antialiased when shrinking


def preprocess(img: Union[Image.Image, np.ndarray], spec: dict, channels: int, height: int, width: int) -> np.ndarray:
    """Sidecar preprocessing -> CHW float32: resize (resize_filter), center crop, channel order,
    (p*scale - mean)/std."""
    order = spec.get("channel_order", "RGB")
    if order not in ("RGB", "BGR", "GRAY"):
        raise ValueError(f"preprocess.channel_order {order!r}: expected RGB, BGR or GRAY")
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    # GRAY of a colour image is PIL's ITU-R 601-2 luma; grey data stays as it is.
    img = img.convert("L" if order == "GRAY" else "RGB")

    resize_filter = spec.get("resize_filter", "bilinear")
    if resize_filter not in RESIZE_FILTERS:
        raise ValueError(f"preprocess.resize_filter {resize_filter!r}: expected one of {', '.join(RESIZE_FILTERS)}")
    shorter = int(spec.get("resize_shorter", 0))
    to_h, to_w = [int(v) for v in spec.get("resize_to", [0, 0])]
    if shorter and (to_h or to_w):
        raise ValueError("preprocess: resize_shorter and resize_to are both set")
    if shorter:
        w, h = img.size
        # The longer side is truncated, as torchvision's Resize(int) and the C++ preprocessor do.
        if w <= h:
            new = (shorter, int(h * shorter / w))
        else:
            new = (int(w * shorter / h), shorter)
        img = _resize(img, new, resize_filter)
    elif to_h and to_w:
        img = _resize(img, (to_w, to_h), resize_filter)

    crop_h, crop_w = [int(v) for v in spec.get("crop", [0, 0])]
    if crop_h and crop_w:
        w, h = img.size
        if crop_w > w or crop_h > h:
            raise ValueError(f"preprocess: crop {crop_h}x{crop_w} larger than the image {h}x{w}")
        top, left = (h - crop_h) // 2, (w - crop_w) // 2
        img = img.crop((left, top, left + crop_w, top + crop_h))

    a = np.asarray(img, dtype=np.float32)
    if a.ndim == 2:
        a = a[:, :, None]
    if order == "BGR":
        a = a[:, :, ::-1]
    if a.shape != (height, width, channels):
        raise ValueError(f"preprocess: image is {a.shape[0]}x{a.shape[1]}x{a.shape[2]} after resize/crop, "
                         f"model input wants {height}x{width}x{channels}")
    mean = np.asarray(spec.get("mean", [0.0] * channels), dtype=np.float32)
    std = np.asarray(spec.get("std", [1.0] * channels), dtype=np.float32)
    if mean.size != channels or std.size != channels:
        raise ValueError(f"preprocess: mean/std need {channels} values, got {mean.size}/{std.size}")
    a = (a * np.float32(spec.get("scale", 1.0)) - mean) / std
    return np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32)

"""torchvision ImageFolder + PIL as the data oracle for Saol.Data's ImageFolder (tests/Saol.Data.Tests).

usage: oracle.py <out_dir>
Writes <out_dir>/train/<class>/... (real JPEGs made with PIL: several sizes, 4:2:0 and 4:4:4
chroma, grey-scale, nested directories, upper-case extensions, a non-image file), then:
  eval.json / eval.f32   ImageFolder(train, Resize(256) + CenterCrop(224) + ToTensor + Normalize)
  eval_small.f32         the same with Resize(57) + CenterCrop(50)
  crops.json / crops.f32 F.resized_crop(img, i, j, h, w, [224, 224]) (+ hflip) + ToTensor + Normalize
                         for random boxes of every image
  params.json            statistics of RandomResizedCrop.get_params over many draws
"""
import json
import math
import os
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import datasets, transforms
from torchvision.transforms import functional as F

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def picture(width, height, seed):
    """A photo-like image: smooth gradients, a few discs and noise, so resampling has detail to get wrong."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    img = np.zeros((height, width, 3))
    for c in range(3):
        fx, fy = rng.uniform(0.005, 0.08, size=2)
        img[..., c] = 127 + 80 * np.sin(x * fx + c) * np.cos(y * fy - c)
    for _ in range(4):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(3, max(4, min(width, height) / 3))
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.uniform(0, 255, size=3)
    img += rng.normal(0, 12, size=img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


# (relative path, width, height, PIL save options, variant: None, "L" (grey), "CMYK" (Adobe CMYK, as
# in ImageNet's training set) or "extraneous" (stray bytes before EOI: libjpeg warns, PIL decodes))
FILES = [
    ("Dog/b.jpg", 300, 200, {"quality": 90}, None),
    ("Dog/a.JPEG", 200, 300, {"quality": 75}, None),
    ("Dog/x10.jpg", 257, 256, {"quality": 95, "subsampling": 0}, None),
    ("Dog/x9.jpg", 259, 256, {"quality": 85}, None),
    ("Dog/notes.txt", 0, 0, None, None),
    ("cat/sub/c.jpeg", 500, 375, {"quality": 90}, None),
    ("cat/sub-2/d.jpg", 120, 80, {"quality": 90, "subsampling": 0}, None),
    ("cat/a.jpg", 375, 500, {"quality": 80, "subsampling": 1}, None),
    ("cat/sub/nested/e.jpg", 224, 224, {"quality": 90}, "L"),
    ("zebra/z.jpg", 640, 427, {"quality": 90}, None),
    ("zebra/y.jpg", 1000, 60, {"quality": 90}, None),
    ("\u00e9l\u00e9phant/w.jpg", 333, 333, {"quality": 70}, "L"),
    ("zebra/cmyk.jpg", 150, 100, {"quality": 90}, "CMYK"),
    ("cat/warn.jpg", 90, 70, {"quality": 90}, "extraneous"),
]


def centre_fallback(width, height):
    """RandomResizedCrop.get_params' box when no try fits (ratio 3/4 .. 4/3)."""
    in_ratio = width / height
    if in_ratio < 3 / 4:
        w, h = width, int(round(width / (3 / 4)))
    elif in_ratio > 4 / 3:
        w, h = int(round(height * (4 / 3))), height
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


def main(out):
    root = os.path.join(out, "train")
    for k, (rel, w, h, options, variant) in enumerate(FILES):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if options is None:
            with open(path, "w") as f:
                f.write("not an image\n")
            continue
        img = picture(w, h, k)
        if variant in ("L", "CMYK"):
            img = img.convert(variant)
        img.save(path, "JPEG", **options)
        if variant == "extraneous":
            with open(path, "rb") as f:
                data = f.read()
            with open(path, "wb") as f:
                f.write(data[:-2] + b"\x00\x11\x22" + data[-2:])

    normalize = transforms.Normalize(MEAN, STD)
    to_tensor = transforms.ToTensor()
    eval_set = datasets.ImageFolder(root, transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), to_tensor, normalize]))
    tensors = [eval_set[i][0] for i in range(len(eval_set))]
    torch.stack(tensors).numpy().astype("<f4").tofile(os.path.join(out, "eval.f32"))
    # Strong down-scaling (up to 8x: wide antialiasing kernels) and other odd centre offsets.
    small = datasets.ImageFolder(root, transforms.Compose([transforms.Resize(57), transforms.CenterCrop(50), to_tensor, normalize]))
    torch.stack([small[i][0] for i in range(len(small))]).numpy().astype("<f4").tofile(os.path.join(out, "eval_small.f32"))
    with open(os.path.join(out, "eval.json"), "w") as f:
        json.dump({
            "classes": eval_set.classes,
            "class_to_idx": eval_set.class_to_idx,
            "samples": [[os.path.relpath(p, root), c] for p, c in eval_set.samples],
        }, f)

    # Random boxes: small ones are up-scaled, large ones down-scaled (antialiasing), any aspect.
    rng = np.random.default_rng(7)
    boxes, crops = [], []
    for index, (path, _) in enumerate(eval_set.samples):
        img = datasets.folder.pil_loader(path)
        width, height = img.size
        for _ in range(3):
            h = int(rng.integers(1, height + 1))
            w = int(rng.integers(1, width + 1))
            i = int(rng.integers(0, height - h + 1))
            j = int(rng.integers(0, width - w + 1))
            flip = bool(rng.integers(0, 2))
            out_img = F.resized_crop(img, i, j, h, w, [224, 224], transforms.InterpolationMode.BILINEAR)
            if flip:
                out_img = F.hflip(out_img)
            crops.append(normalize(to_tensor(out_img)))
            boxes.append({"index": index, "top": i, "left": j, "height": h, "width": w, "flip": flip})
    torch.stack(crops).numpy().astype("<f4").tofile(os.path.join(out, "crops.f32"))
    with open(os.path.join(out, "crops.json"), "w") as f:
        json.dump(boxes, f)

    # The distribution of torchvision's crop parameters, for a statistical comparison.
    torch.manual_seed(0)
    stats = []
    for width, height in [(500, 375), (375, 500), (120, 80), (1000, 60)]:
        img = Image.new("RGB", (width, height))
        draws = np.array([transforms.RandomResizedCrop.get_params(img, [0.08, 1.0], [3.0 / 4.0, 4.0 / 3.0]) for _ in range(20000)], dtype=np.float64)
        stats.append({
            "width": width, "height": height, "n": len(draws),
            "mean": draws.mean(axis=0).tolist(), "std": draws.std(axis=0).tolist(),
            "area_mean": float((draws[:, 2] * draws[:, 3]).mean() / (width * height)),
            "area_std": float((draws[:, 2] * draws[:, 3] / (width * height)).std()),
            # Share of draws where all ten tries failed and the centre crop was taken.
            "fallback": float(np.all(draws == np.array(centre_fallback(width, height)), axis=1).mean()),
        })
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump(stats, f)


if __name__ == "__main__":
    main(sys.argv[1])

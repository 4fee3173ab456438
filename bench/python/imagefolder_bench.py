"""Peer of `make bench-imagefolder`: torchvision 0.14 ImageFolder + PIL on the same files.

usage: imagefolder_bench.py make <root> <images>      writes <images> ImageNet-like JPEGs (500x375, q90, 4:2:0) in 4 classes
       imagefolder_bench.py run <root> <passes>       prints "torchvision <train|eval> <images/s>" for one process
"""
import sys
import time

import numpy as np
import torch
from PIL import Image
from torchvision import datasets, transforms

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def make(root, count):
    import os
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:375, 0:500].astype(np.float64)
    for k in range(count):
        d = os.path.join(root, f"class{k % 4}")
        os.makedirs(d, exist_ok=True)
        fx, fy = rng.uniform(0.01, 0.05, size=2)
        img = np.stack([127 + 90 * np.sin(x * fx + c) * np.cos(y * fy - c) for c in range(3)], axis=-1)
        img += rng.normal(0, 20, size=img.shape)
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(d, f"{k:05d}.JPEG"), "JPEG", quality=90)


def run(root, passes):
    torch.set_num_threads(1)
    normalize = transforms.Normalize(MEAN, STD)
    pipelines = {
        "train": transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize]),
        "eval": transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), normalize]),
    }
    for name, pipeline in pipelines.items():
        dataset = datasets.ImageFolder(root, pipeline)
        for i in range(len(dataset)):  # one untimed warm-up pass, as on the C# side
            dataset[i]
        start = time.perf_counter()
        for _ in range(passes):
            for i in range(len(dataset)):
                dataset[i]
        print(f"torchvision {name} {passes * len(dataset) / (time.perf_counter() - start):.1f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        run(sys.argv[2], int(sys.argv[3]))

"""PyTorch peer of `make bench-binding`: one ResNet-50 training step (forward, backward, SGD).

Usage: binding_resnet50.py --batch 16 --image 224 --threads 2 --warmup 2 --steps 5 [--interactive]
Prints one JSON line: {"images_per_second": ..., "median_step_seconds": ..., "step_seconds": [...]}.
With --interactive it prints "ready" after the warm-up, then runs one timed step per "step" line
on stdin and answers with its duration in seconds, until "quit": the C# side alternates its own
steps with these, so both see the same load on a shared machine.
Same libtorch, same model layout (torchvision), same optimizer settings as the C# side.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--image", type=int, default=224)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--interactive", action="store_true")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet50()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(a.batch, 3, a.image, a.image)
    y = torch.randint(0, 1000, (a.batch,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    if a.interactive:
        print("ready", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "quit":
                return
            if command != "step":
                raise SystemExit(f"unknown command {command!r}")
            start = time.perf_counter()
            step()
            print(time.perf_counter() - start, flush=True)
        return
    times = []
    for _ in range(a.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({"images_per_second": a.batch / median, "median_step_seconds": median, "step_seconds": times}))


if __name__ == "__main__":
    main()

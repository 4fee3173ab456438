"""PyTorch peer of `make bench-binding`: one ResNet-50 training step (forward, backward, SGD).

Usage: binding_resnet50.py --batch 16 --image 224 --threads 2 --warmup 2 --steps 5 [--interactive]
Prints one JSON line: {"images_per_second": ..., "median_step_seconds": ..., "step_seconds": [...]}.
With --interactive it prints "ready" after the warm-up, then runs one timed step per "step" line
on stdin and answers with its wall-clock and CPU seconds and the loss, until "quit": the C# side alternates its own
steps with these, so both see the same load on a shared machine.
With --weights FILE (a safetensors file the C# side wrote: the model's state dict in torchvision
names plus input.x and input.y) both sides start from the same weights and data, so they do the
same arithmetic (including any denormal slow paths).
Same libtorch, same model layout (torchvision), same optimizer settings as the C# side.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision

# The safetensors reader the binding's oracle tests use (torch 1.13 has none built in).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "python", "torch"))
import safetensors_io  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--image", type=int, default=224)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--interactive", action="store_true")
    p.add_argument("--weights")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet50()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(a.batch, 3, a.image, a.image)
    y = torch.randint(0, 1000, (a.batch,))
    if a.weights:
        tensors, _ = safetensors_io.load(a.weights)
        x, y = tensors.pop("input.x"), tensors.pop("input.y")
        model.load_state_dict(tensors, strict=True)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

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
            start, cpu = time.perf_counter(), time.process_time()
            loss = step()
            print(time.perf_counter() - start, time.process_time() - cpu, loss, flush=True)
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

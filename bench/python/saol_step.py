"""PyTorch peer of `make bench-saol`: the training-step time of ResNet-50 (224x224, K=1000) with the
GAP-FC head and with SAOL, using the independent reference of tests/python/saol.

usage: /usr/bin/python3 saol_step.py --batch 8 --steps 3 --warmup 1 --size 224 --threads 2
prints one line per head: "<head> <seconds per step>"
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "python", "saol"))
import saol_ref  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(3)
    x = torch.randn(args.batch, 3, args.size, args.size)
    y = F.one_hot(torch.randint(0, 1000, (args.batch,)), 1000).float()
    perm = torch.randperm(args.batch)
    side = args.size // 2
    box = (args.size // 4, args.size // 4 + side, args.size // 4, args.size // 4 + side)
    for head in ("gapfc", "saol"):
        model = saol_ref.build("resnet50", head, 1000, "")
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True)
        elapsed = 0.0
        for i in range(args.warmup + args.steps):
            start = time.perf_counter()
            opt.zero_grad()
            if head == "saol":
                total, _, _ = saol_ref.saol_losses(model, x, y, perm, box)
            else:
                mixed = x.clone()
                mixed[:, :, box[0]:box[1], box[2]:box[3]] = x[perm][:, :, box[0]:box[1], box[2]:box[3]]
                lam = 1.0 - side * side / float(args.size * args.size)
                target = lam * y + (1 - lam) * y[perm]
                total = -(target * F.log_softmax(model(mixed)["gap_logits"], dim=1)).sum(dim=1).mean()
            total.backward()
            opt.step()
            if i >= args.warmup:
                elapsed += time.perf_counter() - start
        print(f"{head} {elapsed / args.steps:.6f}", flush=True)


if __name__ == "__main__":
    main()

"""Reference SGD trajectories for tests/Saol.Torch.Tests/SgdOracleTests.cs.

Usage: sgd_oracle.py INPUTS OUTPUTS THREADS

INPUTS holds init/<param> (a 2-layer MLP), x and y. For each variant this trains 20 steps of
torch.optim.SGD on cross_entropy(mlp(x), y), halving every group's lr after step 10 (as an LR
schedule would), and writes <variant>/loss (per step), <variant>/final/<param> and
<variant>/momentum/<i> (the optimizer state, numbered as in its state_dict).
"""
import sys

import torch
import torch.nn.functional as F

import safetensors_io as st

NAMES = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
STEPS = 20


def groups_for(variant, p):
    if variant == "groups":
        return [{"params": [p["fc1.weight"], p["fc2.weight"]], "weight_decay": 1e-2},
                {"params": [p["fc1.bias"], p["fc2.bias"]], "weight_decay": 0.0}]
    return [{"params": [p[n] for n in NAMES]}]


VARIANTS = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.1, momentum=0.9),
    "nesterov": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
    "dampening_wd": dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3),
    "groups": dict(lr=0.1, momentum=0.9, nesterov=True),
}


def main():
    inputs_path, outputs_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    tensors, _ = st.load(inputs_path)
    x, y = tensors["x"], tensors["y"]
    out = {}
    for variant, options in VARIANTS.items():
        p = {n: tensors["init/" + n].clone().requires_grad_(True) for n in NAMES}
        opt = torch.optim.SGD(groups_for(variant, p), **options)
        losses = []
        for step in range(STEPS):
            if step == 10:
                for g in opt.param_groups:
                    g["lr"] *= 0.5
            opt.zero_grad()
            h = F.relu(F.linear(x, p["fc1.weight"], p["fc1.bias"]))
            loss = F.cross_entropy(F.linear(h, p["fc2.weight"], p["fc2.bias"]), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        out[f"{variant}/loss"] = torch.tensor(losses, dtype=torch.float64)
        for n in NAMES:
            out[f"{variant}/final/{n}"] = p[n].detach()
        for i, state in opt.state_dict()["state"].items():
            if state.get("momentum_buffer") is not None:
                out[f"{variant}/momentum/{i}"] = state["momentum_buffer"]
    st.save(out, outputs_path)


if __name__ == "__main__":
    main()

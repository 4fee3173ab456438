"""Numerical oracle for tests/Saol.Models.Tests: one process runs a list of jobs.

usage: /usr/bin/python3 oracle.py jobs.json
jobs.json: [{"kind": "forward" | "losses" | "torchvision", "weights": path, "input": path, "out": path, "train": bool}]

Every model file carries its arch/head/classes/options in the safetensors metadata.
forward:     input {"x"} -> out {"y_hat","A","Y","M_hat","gap_logits"}
losses:      input {"x","targets","perm","box"} (box = [y1,y2,x1,x2]) -> out {"L_SL","L_SS1","L_SS2","L_SD",
             "total","weights" ...} + "grad.<parameter>" for every parameter, + the mixed forward's outputs
torchvision: input {"x"} -> out {"logits"} from torchvision.models.<arch> loaded with strict=True
torchvision_shapes: {"arch", "classes", "out"} -> out: JSON {state-dict name: shape} of torchvision.models.<arch>
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# One safetensors reader/writer for every oracle: the strict one beside the binding's oracles.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torch"))
import safetensors_io  # noqa: E402
import saol_ref  # noqa: E402


def load_model(path, train):
    tensors, meta = safetensors_io.load(path)
    model = saol_ref.build(meta["arch"], meta["head"], int(meta["classes"]), meta.get("options", ""))
    model.load_state_dict(tensors, strict=True)
    model.train(train)
    return model, meta


def run(job):
    torch.set_num_threads(int(os.environ.get("SAOL_NUM_THREADS", "2")))
    kind = job["kind"]
    if kind == "torchvision_shapes":
        import torchvision
        net = getattr(torchvision.models, job["arch"])(num_classes=int(job["classes"]))
        with open(job["out"], "w") as f:
            json.dump({k: list(v.shape) for k, v in net.state_dict().items()}, f)
        return
    inputs, _ = safetensors_io.load(job["input"])
    if kind == "forward":
        model, _ = load_model(job["weights"], job.get("train", False))
        with torch.no_grad():
            out = model(inputs["x"])
        safetensors_io.save(out, job["out"])
    elif kind == "losses":
        model, _ = load_model(job["weights"], True)
        box = [int(v) for v in inputs["box"].tolist()]
        weights = tuple(float(v) for v in inputs["weights"].tolist()) if "weights" in inputs else (1.0, 1.0, 1.0, 1.0)
        total, parts, out = saol_ref.saol_losses(model, inputs["x"], inputs["targets"], inputs["perm"].long(), box, weights)
        model.zero_grad()
        total.backward()
        result = {k: v.detach().reshape(1) for k, v in parts.items()}
        result.update({"out." + k: v.detach() for k, v in out.items()})
        for name, p in model.named_parameters():
            if p.grad is not None:
                result["grad." + name] = p.grad
        safetensors_io.save(result, job["out"])
    elif kind == "torchvision":
        import torchvision
        tensors, meta = safetensors_io.load(job["weights"])
        net = getattr(torchvision.models, meta["arch"])(num_classes=int(meta["classes"]))
        net.load_state_dict(tensors, strict=True)
        net.eval()
        with torch.no_grad():
            logits = net(inputs["x"])
        safetensors_io.save({"logits": logits}, job["out"])
    else:
        raise ValueError(f"unknown job kind {kind}")


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for job in jobs:
        run(job)
    print(f"oracle: {len(jobs)} jobs done")


if __name__ == "__main__":
    main()

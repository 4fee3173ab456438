"""Reference values for tests/Saol.Torch.Tests/FunctionalOracleTests.cs.

Usage: functional_oracle.py INPUTS OUTPUTS THREADS

INPUTS (written by the C# test) holds "<case>/<input>" tensors; metadata "<case>" lists the
inputs that require grad. For every case this computes the outputs with torch.nn.functional and
the gradients of L = sum_i sum(out_i * sin(arange(numel)).reshape(out_i.shape)) with respect to
those inputs, and writes "<case>/out<i>" and "<case>/grad/<input>" to OUTPUTS.
"""
import sys

import torch
import torch.nn.functional as F

import safetensors_io as st


def weight_for(out):
    n = out.numel()
    return torch.arange(n, dtype=torch.float64).sin().to(out.dtype).reshape(out.shape)


def bn_train(i):
    rm, rv = i["rm"].clone(), i["rv"].clone()
    out = F.batch_norm(i["x"], rm, rv, i["w"], i["b"], training=True, momentum=0.1, eps=1e-5)
    return [out, rm, rv]


def convnet(i):
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, stride=1, padding=1, bias=False),
        torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(inplace=True),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1, groups=2),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(16, 5),
    )
    state = {k[len("p."):]: v for k, v in i.items() if k.startswith("p.")}
    net.load_state_dict(state)
    logits = net(i["x"])
    loss = F.cross_entropy(logits, i["y"])
    loss.backward()
    grads = [p.grad for _, p in net.named_parameters()]
    return [logits.detach(), loss.detach()] + grads + [net.state_dict()["1.running_mean"], net.state_dict()["1.running_var"]]


CASES = {
    "conv2d_groups": lambda i: [F.conv2d(i["x"], i["w"], i["b"], stride=2, padding=1, dilation=1, groups=2)],
    "conv2d_dilated": lambda i: [F.conv2d(i["x"], i["w"], None, stride=1, padding=2, dilation=2, groups=1)],
    "conv2d_depthwise": lambda i: [F.conv2d(i["x"], i["w"], i["b"], stride=1, padding=1, groups=4)],
    "batch_norm_train": bn_train,
    "batch_norm_eval": lambda i: [F.batch_norm(i["x"], i["rm"], i["rv"], i["w"], i["b"], training=False, eps=1e-5)],
    "relu": lambda i: [F.relu(i["x"])],
    "sigmoid": lambda i: [torch.sigmoid(i["x"])],
    "max_pool2d": lambda i: [F.max_pool2d(i["x"], 3, stride=2, padding=1)],
    "max_pool2d_ceil": lambda i: [F.max_pool2d(i["x"], 2, stride=2, ceil_mode=True)],
    "avg_pool2d": lambda i: [F.avg_pool2d(i["x"], 3, stride=2, padding=1, count_include_pad=False)],
    "adaptive_avg_pool2d": lambda i: [F.adaptive_avg_pool2d(i["x"], (3, 2))],
    "linear": lambda i: [F.linear(i["x"], i["w"], i["b"])],
    "dropout": lambda i: [F.dropout(i["x"], p=0.3, training=True)],
    "dropout_eval": lambda i: [F.dropout(i["x"], p=0.3, training=False)],
    "interpolate_size": lambda i: [F.interpolate(i["x"], size=(7, 5), mode="bilinear", align_corners=False)],
    "interpolate_scale_aligned": lambda i: [F.interpolate(i["x"], scale_factor=2.0, mode="bilinear", align_corners=True)],
    "interpolate_scale": lambda i: [F.interpolate(i["x"], scale_factor=1.5, mode="bilinear", align_corners=False)],
    "softmax": lambda i: [F.softmax(i["x"], dim=1)],
    "log_softmax": lambda i: [F.log_softmax(i["x"], dim=-1)],
    "cross_entropy_indices": lambda i: [F.cross_entropy(i["x"], i["y"], ignore_index=2)],
    "cross_entropy_smoothing": lambda i: [F.cross_entropy(i["x"], i["y"], label_smoothing=0.1, reduction="sum")],
    "cross_entropy_soft": lambda i: [F.cross_entropy(i["x"], i["p"])],
    "cross_entropy_spatial": lambda i: [F.cross_entropy(i["x"], i["y"], reduction="none")],
    "nll_loss": lambda i: [F.nll_loss(i["x"], i["y"])],
    "nll_loss_weighted": lambda i: [F.nll_loss(i["x"], i["y"], weight=i["cw"])],
    "binary_cross_entropy": lambda i: [F.binary_cross_entropy(i["x"], i["t"])],
    "binary_cross_entropy_with_logits": lambda i: [F.binary_cross_entropy_with_logits(i["x"], i["t"], pos_weight=i["pw"])],
    "kl_div_batchmean": lambda i: [F.kl_div(i["x"], i["t"], reduction="batchmean")],
    "kl_div_log_target": lambda i: [F.kl_div(i["x"], i["t"], reduction="sum", log_target=True)],
    "kl_div_none": lambda i: [F.kl_div(i["x"], i["t"], reduction="none")],
    "matmul": lambda i: [torch.matmul(i["a"], i["b"])],
    "reductions": lambda i: [i["x"].sum(dim=1), i["x"].mean(dim=(0, 2), keepdim=True), i["x"].amax(dim=2), i["x"].logsumexp(dim=1), i["x"].norm()],
    "gather_index_select": lambda i: [i["x"].gather(1, i["idx"]), i["x"].index_select(0, i["rows"])],
    "views": lambda i: [i["x"].permute(2, 0, 1).reshape(4, -1), i["x"].narrow(1, 1, 2) * 2, torch.cat([i["x"], i["x"] * 3], 1), torch.stack([i["x"], -i["x"]], 0)],
    "convnet": convnet,
}


def main():
    inputs_path, outputs_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    tensors, metadata = st.load(inputs_path)
    results = {}
    for case, fn in CASES.items():
        prefix = case + "/"
        inputs = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        if not inputs:
            continue
        grad_names = [n for n in metadata.get(case, "").split(",") if n]
        for n in grad_names:
            inputs[n].requires_grad_(True)
        torch.manual_seed(1234)
        outputs = fn(inputs)
        loss = None
        for out in outputs:
            if out.requires_grad:
                term = (out * weight_for(out)).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
        for k, out in enumerate(outputs):
            results[f"{case}/out{k}"] = out.detach()
        for n in grad_names:
            results[f"{case}/grad/{n}"] = inputs[n].grad
    st.save(results, outputs_path)


if __name__ == "__main__":
    main()

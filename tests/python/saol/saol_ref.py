"""Independent PyTorch reference of the SAOL model and losses (Kim, Baek, Kim, CVPR 2020).

Written from the formulas in /work/shared/DESIGN.md section 2, not from the C# code: the C# tests
load the same weights here and compare every output, loss and gradient. Backbones: torchvision's
ResNets (ImageNet), and CutMix-PyTorch style CIFAR ResNets and Wide-ResNets written here.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

IMAGENET_ARCHS = {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"}
CIFAR_RESNETS = {"resnet20": 20, "resnet56": 56, "resnet110": 110}
WIDE_RESNETS = {"wrn16-4": (16, 4), "wrn28-10": (28, 10), "wrn40-2": (40, 2)}


def parse_options(text):
    options = {}
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        key, value = part.split("=", 1)
        options[key.strip()] = value.strip()
    return options


class CifarBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class CifarResNet(nn.Module):
    def __init__(self, depth, classes):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        for i, (cout, stride) in enumerate([(16, 1), (32, 2), (64, 2)]):
            blocks = []
            for j in range(n):
                blocks.append(CifarBlock(cin, cout, stride if j == 0 else 1))
                cin = cout
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(64, classes)
        self.channels = [16, 32, 64]

    def stages(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        feats = []
        for layer in (self.layer1, self.layer2, self.layer3):
            x = layer(x)
            feats.append(x)
        return feats


class WideBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.equal = cin == cout
        self.convShortcut = None if self.equal else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(self, x):
        o = F.relu(self.bn1(x))
        y = self.conv1(o)
        y = self.conv2(F.relu(self.bn2(y)))
        return y + (x if self.equal else self.convShortcut(o))


class WideStage(nn.Module):
    def __init__(self, n, cin, cout, stride):
        super().__init__()
        self.layer = nn.Sequential(*[WideBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1) for i in range(n)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    def __init__(self, depth, k, classes):
        super().__init__()
        n = (depth - 4) // 6
        widths = [16, 16 * k, 32 * k, 64 * k]
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.block1 = WideStage(n, widths[0], widths[1], 1)
        self.block2 = WideStage(n, widths[1], widths[2], 2)
        self.block3 = WideStage(n, widths[2], widths[3], 2)
        self.bn1 = nn.BatchNorm2d(widths[3])
        self.fc = nn.Linear(widths[3], classes)
        self.channels = widths[1:]

    def stages(self, x):
        x = self.conv1(x)
        f1 = self.block1(x)
        f2 = self.block2(f1)
        f3 = F.relu(self.bn1(self.block3(f2)))
        return [f1, f2, f3]


class TorchvisionBackbone(nn.Module):
    """torchvision's ResNet with its stage outputs exposed (same parameter names)."""

    def __init__(self, arch, classes):
        super().__init__()
        net = getattr(torchvision.models, arch)(num_classes=classes)
        for name, child in net.named_children():
            setattr(self, name, child)
        expansion = 4 if arch in ("resnet50", "resnet101", "resnet152") else 1
        self.channels = [64 * expansion, 128 * expansion, 256 * expansion, 512 * expansion]

    def stages(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        feats = []
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = layer(x)
            feats.append(x)
        return feats


def make_backbone(arch, classes):
    if arch in IMAGENET_ARCHS:
        return TorchvisionBackbone(arch, classes)
    if arch in CIFAR_RESNETS:
        return CifarResNet(CIFAR_RESNETS[arch], classes)
    if arch in WIDE_RESNETS:
        depth, k = WIDE_RESNETS[arch]
        return WideResNet(depth, k, classes)
    raise ValueError(f"unknown arch {arch}")


class Separable(nn.Module):
    def __init__(self, cin, cout, bias):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


def saol_conv(cin, cout, bias, separable):
    return Separable(cin, cout, bias) if separable else nn.Conv2d(cin, cout, 3, 1, 1, bias=bias)


class MapBranch(nn.Module):
    """conv -> BN -> ReLU -> conv(->1): the attention branch, and the mask branch of L_SS1."""

    def __init__(self, cin, mid, separable):
        super().__init__()
        self.conv1 = saol_conv(cin, mid, False, separable)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, 1, 1)

    def forward(self, x):
        return self.conv2(F.relu(self.bn1(self.conv1(x))))


class SaolHead(nn.Module):
    def __init__(self, channels, classes, blocks, separable, mid):
        super().__init__()
        self.blocks = blocks
        self.attention = MapBranch(channels[-1], mid, separable)
        self.mask = MapBranch(channels[-1], mid, separable)
        self.logits = nn.ModuleList([saol_conv(channels[b - 1], classes, True, separable) for b in blocks])
        self.fuse = nn.Conv2d(classes * len(blocks), classes, 1)

    def forward(self, feats):
        last = feats[-1]
        b, _, ho, wo = last.shape
        a = self.attention(last).view(b, -1).softmax(dim=1).view(b, 1, ho, wo)
        maps = []
        for conv, block in zip(self.logits, self.blocks):
            x = feats[block - 1]
            if x.shape[-2:] != (ho, wo):
                x = F.interpolate(x, size=(ho, wo), mode="bilinear", align_corners=False)
            maps.append(conv(x))
        y = self.fuse(torch.cat(maps, dim=1)).softmax(dim=1)
        y_hat = (a * y).sum(dim=(2, 3))
        m_logits = self.mask(last)
        return a, y, y_hat, m_logits


def build(arch, head, classes, options_text=""):
    """A plain nn.Module with torchvision/our parameter names; forward returns a dict of outputs."""
    backbone = make_backbone(arch, classes)
    opts = parse_options(options_text)
    model = Model(backbone, head, classes, opts, arch in IMAGENET_ARCHS)
    return model


class Model(nn.Module):
    def __init__(self, backbone, head, classes, opts, imagenet):
        super().__init__()
        self._backbone_type = type(backbone)
        self._channels = backbone.channels
        for name, child in backbone.named_children():
            self.add_module(name, child)
        self._stage_fn = backbone.__class__.stages
        stages = len(backbone.channels)
        self.head = head
        if head == "saol":
            default_blocks = list(range(max(1, stages - 2), stages + 1))
            blocks = [int(v) for v in opts["blocks"].split(",")] if "blocks" in opts else default_blocks
            separable = opts.get("separable", "true" if imagenet else "false") == "true"
            mid = int(opts.get("attention_channels", min(backbone.channels[-1], 512)))
            self.saol = SaolHead(backbone.channels, classes, blocks, separable, mid)
        elif head != "gapfc":
            raise ValueError(f"unknown head {head}")

    def forward(self, x):
        feats = self._stage_fn(self, x)
        gap_logits = self.fc(torch.flatten(F.adaptive_avg_pool2d(feats[-1], 1), 1))
        out = {"gap_logits": gap_logits}
        if self.head == "saol":
            a, y, y_hat, m_logits = self.saol(feats)
            out.update({"A": a, "Y": y, "y_hat": y_hat, "M_hat": torch.sigmoid(m_logits), "M_logits": m_logits})
        return out


def cutmix_mask(h, w, box):
    """box = (y1, y2, x1, x2): rows y1:y2 and columns x1:x2 hold the partner's patch."""
    m = torch.zeros(1, 1, h, w)
    y1, y2, x1, x2 = box
    m[:, :, y1:y2, x1:x2] = 1.0
    return m


def saol_losses(model, x, y_soft_a, perm, box, weights=(1.0, 1.0, 1.0, 1.0), beta=0.5):
    """The four SAOL losses on a batch mixed with a fixed CutMix box and permutation.

    x: clean images [B,3,H,W]; y_soft_a: one-hot/soft targets of the clean images [B,K].
    Returns (total, dict of parts, outputs of the mixed forward).
    """
    b, _, h, w = x.shape
    y1, y2, x1, x2 = box
    mixed = x.clone()
    mixed[:, :, y1:y2, x1:x2] = x[perm][:, :, y1:y2, x1:x2]
    lam = 1.0 - (y2 - y1) * (x2 - x1) / float(h * w)
    target = lam * y_soft_a + (1.0 - lam) * y_soft_a[perm]

    # The clean forward provides the source side of L_SS2 and carries no gradient.
    with torch.no_grad():
        clean = model(x)
    out = model(mixed)

    l_sl = -(target * torch.log(out["y_hat"])).sum(dim=1).mean()

    ho, wo = out["A"].shape[-2:]
    mask = F.adaptive_avg_pool2d(cutmix_mask(h, w, box), (ho, wo)).expand(b, 1, ho, wo)
    # BCE(M_hat, M) in its stable form on the logits (sigmoid saturates to exactly 1 in float32).
    l_ss1 = F.binary_cross_entropy_with_logits(out["M_logits"], mask)

    y_src = clean["Y"][perm]
    kl = (y_src * (torch.log(y_src) - torch.log(out["Y"]))).sum(dim=1, keepdim=True)
    total_mask = mask.sum()
    l_ss2 = (kl * mask).sum() / total_mask if total_mask > 0 else torch.zeros(())

    p_saol = out["y_hat"].detach()
    log_q = F.log_softmax(out["gap_logits"], dim=1)
    l_sd = (p_saol * (torch.log(p_saol) - log_q)).sum(dim=1).mean() + beta * (-(target * log_q).sum(dim=1).mean())

    w_sl, w_ss1, w_ss2, w_sd = weights
    total = w_sl * l_sl + w_ss1 * l_ss1 + w_ss2 * l_ss2 + w_sd * l_sd
    parts = {"L_SL": l_sl, "L_SS1": l_ss1, "L_SS2": l_ss2, "L_SD": l_sd, "total": total}
    return total, parts, out

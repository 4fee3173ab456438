"""Oracle for the all-reduce wire codec: float32 values in, PyTorch's bfloat16 and float16 bits out.

usage: wire_oracle.py <in.f32> <out.bf16> <out.f16>  (raw little-endian arrays)
"""
import sys

import numpy as np
import torch

values = torch.from_numpy(np.fromfile(sys.argv[1], dtype="<f4"))
values.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tofile(sys.argv[2])
values.to(torch.float16).view(torch.int16).numpy().astype("<i2").tofile(sys.argv[3])

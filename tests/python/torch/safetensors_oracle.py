"""Python side of tests/Saol.Torch.Tests/SafeTensorsTests.cs.

Usage: safetensors_oracle.py INPUTS OUTPUTS

Reads the file our C# writer produced with an independent reader (which checks the header,
dtypes, shapes and that the offsets cover the data exactly), then writes with its own writer:
echo/<name> (the tensor as read), sum/<name> (its float64 sum) and the metadata it read, plus
py/<name> tensors created here, so the C# reader is checked on a file Python wrote.
"""
import sys

import torch

import safetensors_io as st


def main():
    tensors, metadata = st.load(sys.argv[1])
    out = {}
    for name, t in tensors.items():
        out["echo/" + name] = t
        out["sum/" + name] = t.to(torch.float64).sum().reshape(1)
    g = torch.Generator().manual_seed(5)
    out["py/f32"] = torch.randn(3, 4, generator=g)
    out["py/f16"] = torch.randn(5, generator=g).half()
    out["py/bf16"] = torch.randn(2, 3, generator=g).bfloat16()
    out["py/i64"] = torch.arange(-3, 9).reshape(3, 4)
    out["py/u8"] = torch.arange(0, 250, 10).to(torch.uint8)
    out["py/bool"] = torch.tensor([True, False, True])
    out["py/scalar"] = torch.tensor(2.5, dtype=torch.float64)
    out["py/empty"] = torch.zeros(0, 3)
    metadata = dict(metadata)
    metadata["written_by"] = "python"
    st.save(out, sys.argv[2], metadata)


if __name__ == "__main__":
    main()

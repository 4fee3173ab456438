"""gloo's all-reduce (torch.distributed, python3-torch) on loopback: the peer of `make bench-allreduce`.

usage: allreduce_gloo.py <ranks> <elements> <iterations>
Starts <ranks> processes (init_method tcp://127.0.0.1:<free port>, backend gloo); each all-reduces
(sum) a float32 tensor of <elements> values <iterations> times after one warm-up, with a barrier
before each. Prints one JSON line: {"ranks": N, "times_ms": [per iteration, the slowest rank's time]}.
"""
import json
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def run(rank, world, port, elements, iterations, queue):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    generator = torch.Generator().manual_seed(1000 + rank)
    pristine = torch.rand(elements, generator=generator) * 2 - 1
    buffer = pristine.clone()
    times = []
    for k in range(iterations + 1):
        buffer.copy_(pristine)
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(buffer, op=dist.ReduceOp.SUM)
        elapsed = (time.perf_counter() - start) * 1000.0
        if k > 0:
            times.append(elapsed)
    slowest = torch.tensor(times, dtype=torch.float64)
    dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
    if rank == 0:
        queue.put(slowest.tolist())
    dist.destroy_process_group()


def main():
    world, elements, iterations = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=run, args=(r, world, port, elements, iterations, queue)) for r in range(world)]
    for p in procs:
        p.start()
    times = queue.get(timeout=600)
    for p in procs:
        p.join(timeout=120)
        if p.exitcode != 0:
            raise SystemExit(f"gloo rank exited with {p.exitcode}")
    print(json.dumps({"ranks": world, "times_ms": times}))


if __name__ == "__main__":
    main()

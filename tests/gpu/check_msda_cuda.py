#!/usr/bin/env python3
"""Checks r2bench's MSDA CUDA kernel (model_zoo/msdeform_attn_cuda.cu) on a GPU machine.

Builds the kernel as a PyTorch extension (torch.utils.cpp_extension, nvcc), compares it with the
grid_sample formulation of Deformable DETR's ms_deform_attn_core_pytorch in float32 and float64
(random shapes, samples inside and outside the image), and times both on ReferFormer's encoder
shapes (5 frames at 360x640, strides 8/16/32/64, every pixel a query). Needs a CUDA PyTorch.

    python3 tests/gpu/check_msda_cuda.py
"""
import os
import time

import torch
import torch.nn.functional as F
from torch.utils.cpp_extension import load

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def reference(value, shapes, loc, attn):
    N, S, M, D = value.shape
    _, Lq, _, L, P, _ = loc.shape
    values = value.split([int(h) * int(w) for h, w in shapes], dim=1)
    grids = 2 * loc - 1
    sampled = []
    for l, (h, w) in enumerate(shapes):
        v = values[l].flatten(2).transpose(1, 2).reshape(N * M, D, int(h), int(w))
        g = grids[:, :, :, l].transpose(1, 2).flatten(0, 1)
        sampled.append(F.grid_sample(v, g, mode="bilinear", padding_mode="zeros", align_corners=False))
    w = attn.transpose(1, 2).reshape(N * M, 1, Lq, L * P)
    return (torch.stack(sampled, -2).flatten(-2) * w).sum(-1).view(N, M * D, Lq).transpose(1, 2).contiguous()


def inputs(shapes, N, M, D, Lq, P, dtype, spread=1.2):
    shapes = torch.tensor(shapes, dtype=torch.int64, device="cuda")
    starts = torch.cat([shapes.new_zeros(1), (shapes[:, 0] * shapes[:, 1]).cumsum(0)[:-1]])
    S = int((shapes[:, 0] * shapes[:, 1]).sum())
    L = shapes.shape[0]
    value = torch.randn(N, S, M, D, device="cuda", dtype=dtype)
    loc = torch.rand(N, Lq, M, L, P, 2, device="cuda", dtype=dtype) * spread - (spread - 1) / 2
    attn = torch.rand(N, Lq, M, L, P, device="cuda", dtype=dtype).flatten(-2).softmax(-1).view(N, Lq, M, L, P)
    return value, shapes, starts, loc, attn


def main():
    ext = load(name="r2bench_msda_cuda", sources=[os.path.join(ROOT, "tests/gpu/msda_binding.cpp"),
                                                  os.path.join(ROOT, "model_zoo/msdeform_attn_cuda.cu")],
               extra_include_paths=[ROOT], extra_cflags=["-O2"], extra_cuda_cflags=["-O2"], verbose=False)
    torch.manual_seed(0)
    worst = 0.0
    for dtype, tol in [(torch.float32, 1e-5), (torch.float64, 1e-12)]:
        for shapes, N, M, D, Lq, P in [([[6, 8], [3, 4], [2, 2]], 2, 2, 4, 5, 3), ([[45, 80], [23, 40], [12, 20], [6, 10]], 1, 8, 32, 300, 4),
                                       ([[7, 5]], 3, 1, 3, 11, 1), ([[1, 1], [2, 3]], 1, 4, 8, 9, 2)]:
            value, sh, st, loc, attn = inputs(shapes, N, M, D, Lq, P, dtype)
            a = ext.forward(value, sh, st, loc, attn)
            b = reference(value, sh, loc, attn)
            err = (a - b).abs().max().item()
            worst = max(worst, err) if dtype == torch.float32 else worst
            status = "ok" if err <= tol else "MISMATCH"
            print(f"{str(dtype):14} shapes={shapes} N={N} M={M} D={D} Lq={Lq} P={P}: max |cuda - reference| = {err:.2e} {status}")
            assert err <= tol
    # Timing on ReferFormer's encoder shapes.
    shapes = [[45, 80], [23, 40], [12, 20], [6, 10]]
    S = sum(h * w for h, w in shapes)
    value, sh, st, loc, attn = inputs(shapes, 5, 8, 32, S, 4, torch.float32, spread=1.0)
    for name, f in [("reference (grid_sample)", lambda: reference(value, sh, loc, attn)),
                    ("r2bench CUDA kernel", lambda: ext.forward(value, sh, st, loc, attn))]:
        for _ in range(3):
            f()
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(20):
            f()
        torch.cuda.synchronize()
        print(f"{name:24}: {(time.perf_counter() - t) / 20 * 1e3:8.3f} ms per call on {torch.cuda.get_device_name()}")
    print("CUDA kernel matches the reference")


if __name__ == "__main__":
    main()

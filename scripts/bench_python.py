#!/usr/bin/python3
"""Per-frame J + F on 480×854 masks: r2bench.frame_metrics against davis2017-evaluation's own
db_eval_iou + db_eval_boundary, on the same masks in the same process, one thread each
(OMP/OpenBLAS 1 thread, cv2.setNumThreads(1); r2bench scores one H×W frame per call, which runs on
the calling thread). Also the numbers themselves: they must be equal.

Run by `r2bench bench python --davis-repo PATH` (which sets PYTHONPATH to the build's module);
prints one JSON line. Needs Debian's python3-numpy, python3-skimage and python3-opencv and a local
checkout of davisvideochallenge/davis2017-evaluation (nothing is downloaded).
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def masks(frames, seed=0, h=480, w=854):
    """Ground truth: 1-3 ellipses; prediction: the same a little shifted and rescaled, a few noisy."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w]
    out = []
    for t in range(frames):
        gt = np.zeros((h, w), bool)
        pred = np.zeros((h, w), bool)
        for _ in range(1 + rng.randint(3)):
            cy, cx, ry, rx = rng.uniform(100, 380), rng.uniform(150, 700), rng.uniform(30, 120), rng.uniform(40, 160)
            gt |= ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1
            s = rng.uniform(0.9, 1.1)
            pred |= ((y - cy - rng.uniform(-6, 6)) / (ry * s)) ** 2 + ((x - cx - rng.uniform(-6, 6)) / (rx * s)) ** 2 <= 1
        if t % 4 == 3:
            pred ^= rng.random_sample((h, w)) < 0.02
        out.append((gt.astype(np.uint8), pred.astype(np.uint8)))
    return out


def best_seconds(repeats, work):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davis-repo", required=True)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import cv2
    cv2.setNumThreads(1)
    sys.path.insert(0, args.davis_repo)
    from davis2017.metrics import db_eval_boundary, db_eval_iou

    import r2bench

    cases = masks(args.frames)
    gt = np.stack([g for g, _ in cases])
    pred = np.stack([p for _, p in cases])
    davis, mine = [], []

    def run_davis():
        davis[:] = [(float(db_eval_iou(g, p)), float(db_eval_boundary(g, p))) for g, p in cases]

    def run_r2bench():
        mine[:] = [tuple(r2bench.frame_metrics(g, p)) for g, p in cases]

    # Interleaved, so that both see the same load on a shared machine; the best run of each counts.
    davis_s = r2_s = stack_s = float("inf")
    for _ in range(args.repeats):
        davis_s = min(davis_s, best_seconds(1, run_davis))
        r2_s = min(r2_s, best_seconds(3, run_r2bench))
        # Stacks (T×H×W) are scored in parallel over frames: the throughput on every core, for reference.
        stack_s = min(stack_s, best_seconds(3, lambda: r2bench.frame_metrics(gt, pred)))
    mismatches = sum(a != b for a, b in zip(davis, mine))
    print(json.dumps({"frames": len(cases), "height": 480, "width": 854, "davis_seconds": davis_s, "r2bench_seconds": r2_s,
                      "r2bench_stack_seconds": stack_s, "threads": os.cpu_count(), "mismatches": mismatches,
                      "module": r2bench.__file__}))


if __name__ == "__main__":
    main()

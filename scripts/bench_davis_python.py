#!/usr/bin/python3
"""Times davis2017-evaluation's own J and F functions on masks listed by `r2bench bench eval`.

Used by `r2bench bench eval --davis-repo PATH` as the baseline for the metric arithmetic: the
masks are decoded before the clock starts; only db_eval_iou + db_eval_boundary are timed, on one
core (OMP/OpenBLAS threads 1, cv2.setNumThreads(1)). Prints {"frames": N, "seconds": S}.
Needs Debian's python3-numpy, python3-skimage, python3-opencv, python3-pil and a local checkout
of davisvideochallenge/davis2017-evaluation (nothing is downloaded).
"""
import argparse
import json
import sys
import time

import cv2
import numpy as np
from PIL import Image


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--davis-repo", required=True)
    parser.add_argument("--list", required=True, help="lines: GT_PNG OBJ_ID PRED_PNG")
    args = parser.parse_args()
    sys.path.insert(0, args.davis_repo)
    from davis2017.metrics import db_eval_boundary, db_eval_iou

    cv2.setNumThreads(1)
    cases = []
    with open(args.list) as f:
        for line in f:
            gt_png, obj_id, pred_png = line.split()
            gt = np.array(Image.open(gt_png)) == int(obj_id)
            pred = np.array(Image.open(pred_png)) > 0
            cases.append((gt.astype(np.uint8), pred.astype(np.uint8)))
    start = time.perf_counter()
    total = 0.0
    for gt, pred in cases:
        total += db_eval_iou(gt, pred) + db_eval_boundary(gt, pred)
    seconds = time.perf_counter() - start
    print(json.dumps({"frames": len(cases), "seconds": seconds, "checksum": total}))


if __name__ == "__main__":
    main()

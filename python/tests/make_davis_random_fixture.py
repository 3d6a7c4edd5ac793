#!/usr/bin/python3
"""Regenerates davis_random.json: J and F that davis2017-evaluation's own db_eval_iou and
db_eval_boundary give on the random mask pairs of random_masks.py (test_frame_metrics.py checks
r2bench.frame_metrics against them, to the last bit).

    git clone https://github.com/davisvideochallenge/davis2017-evaluation /tmp/davis  # any local checkout
    /usr/bin/python3 python/tests/make_davis_random_fixture.py --davis-repo /tmp/davis

Needs Debian's python3-numpy, python3-skimage and python3-opencv. Nothing of the reference code is
copied here: it is imported from the checkout.
"""
import argparse
import json
import os
import sys

from random_masks import CASES, mask_pair


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davis-repo", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.davis_repo)
    from davis2017.metrics import db_eval_boundary, db_eval_iou

    cases = []
    for seed in range(CASES):
        gt, pred = mask_pair(seed)
        cases.append({"seed": seed, "shape": list(gt.shape), "gt_pixels": int(gt.sum()), "pred_pixels": int(pred.sum()),
                      "J": float(db_eval_iou(gt, pred)), "F": float(db_eval_boundary(gt, pred))})
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "davis_random.json")
    with open(out, "w") as f:
        json.dump({"source": "davis2017-evaluation davis2017/metrics.py db_eval_iou, db_eval_boundary (bound_th 0.008)",
                   "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {out} ({len(cases)} cases)")


if __name__ == "__main__":
    main()

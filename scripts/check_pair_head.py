#!/usr/bin/python3
"""Refuses R2-VOS weights whose pair head never learned.

Reads a `train_log.jsonl` of `r2bench train` and compares the pair classifier's BCE
(`loss_cycle_cls`) over the last 50 steps with ln 2 = 0.6931, the loss of a constant logit: a
head that cannot tell fitting from unfitting pairs sits exactly there (the bundled r2vos_tiny of
2026-11 did for all its 600 steps). Exit 0 when the BCE ended at least MARGIN below ln 2, else 1.
    scripts/check_pair_head.py RUN/train_log.jsonl [MARGIN (default 0.05)]
"""
import json
import math
import sys


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    path, margin = sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else 0.05
    bce = []
    with open(path, encoding="utf-8") as log:
        for number, line in enumerate(log, 1):
            try:
                entry = json.loads(line)
            except ValueError as e:
                sys.exit(f"{path}: line {number}: not JSON ({e})")
            if "loss_cycle_cls" in entry.get("terms", {}):
                bce.append(entry["terms"]["loss_cycle_cls"])
    if not bce:
        sys.exit(f"{path}: no pair-classifier loss (loss_cycle_cls): not an R2-VOS training log")
    window = bce[-50:]
    first, last = sum(bce[:50]) / len(bce[:50]), sum(window) / len(window)
    limit = math.log(2) - margin
    verdict = "learned" if last <= limit else "DID NOT LEARN"
    print(f"pair head: BCE {first:.4f} over the first {len(bce[:50])} steps, {last:.4f} over the last {len(window)} "
          f"(ln 2 = {math.log(2):.4f}, limit {limit:.4f}): {verdict}")
    sys.exit(0 if last <= limit else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# scripts/check_pair_head.py (train_tiny.sh's gate): a log whose pair BCE stays at ln 2 is refused,
# one that ends 0.05 below it passes, a log without the pair term or with a broken line fails naming it.
set -euo pipefail
check=$1/scripts/check_pair_head.py
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
log() {  # file, BCE of steps 1..100 as a python expression of s
  python3 -c "
import json, sys
for s in range(1, 101):
    print(json.dumps({'step': s, 'loss': 10.0, 'terms': {'loss_cycle_cls': $2}}))
" > "$1"
}
log "$dir/dead.jsonl" "0.6931 + 1e-4 * (s % 3)"
log "$dir/learned.jsonl" "0.6931 - 0.003 * s"
log "$dir/barely.jsonl" "0.6931 - 0.04"
if python3 "$check" "$dir/dead.jsonl"; then echo "FAIL: a dead head passed"; exit 1; fi
python3 "$check" "$dir/learned.jsonl" | grep -q "learned" || { echo "FAIL: a learned head was refused"; exit 1; }
if python3 "$check" "$dir/barely.jsonl"; then echo "FAIL: 0.04 below ln 2 passed the 0.05 margin"; exit 1; fi
python3 "$check" "$dir/barely.jsonl" 0.03 > /dev/null || { echo "FAIL: --margin 0.03 refused 0.04 below"; exit 1; }
echo '{"step": 1, "loss": 3, "terms": {"loss_ce": 1}}' > "$dir/referformer.jsonl"
out=$(python3 "$check" "$dir/referformer.jsonl" 2>&1) && { echo "FAIL: a log without the pair term passed"; exit 1; }
grep -q "not an R2-VOS training log" <<< "$out" || { echo "FAIL: unclear message: $out"; exit 1; }
echo 'not json' > "$dir/broken.jsonl"
out=$(python3 "$check" "$dir/broken.jsonl" 2>&1) && { echo "FAIL: a broken log passed"; exit 1; }
grep -q "broken.jsonl: line 1" <<< "$out" || { echo "FAIL: unclear message: $out"; exit 1; }
echo "check_pair_head: all cases as expected"

#!/usr/bin/env bash
# The main job end to end on generated data: install, build, make masks, evaluate, print.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
r2bench=build/r2bench
demo=build/demo
rm -rf "$demo"

echo "== 1. generate a small ground-truth tree, a submission and its R² pairs"
"$r2bench" bench eval --videos 3 --frames 6 --repeats 1 --keep "$demo/masks" --quiet > /dev/null
echo "   $demo/masks/smooth/{gt,pred,r2_pairs.json}"

echo "== 2. evaluate: J, F, J&F (ground truth), R (negatives), J&F&R"
"$r2bench" eval --pred "$demo/masks/smooth/pred" --gt "$demo/masks/smooth/gt" \
  --pairs "$demo/masks/smooth/r2_pairs.json" --out "$demo/eval"

echo "== 3. per-video scores ($demo/eval/per_video.csv)"
column -s, -t < "$demo/eval/per_video.csv" 2>/dev/null || cat "$demo/eval/per_video.csv"

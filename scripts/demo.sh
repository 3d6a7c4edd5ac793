#!/usr/bin/env bash
# The main job end to end on the embedded synthetic data: install and build, generate a small
# Ref-YouTube-VOS-style data set, build its R² pairs, run a model, evaluate, print the table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
r2bench=build/r2bench
demo=build/demo
rm -rf "$demo"

echo "== 1. synthetic Ref-YouTube-VOS data set (40 videos, 320x240)      -> $demo/synth"
"$r2bench" synth --preset small --seed 0 --out "$demo/synth"

echo "== 2. R²-Youtube-VOS pairs: one unrelated negative video per video -> $demo/r2"
"$r2bench" build-dataset --source "$demo/synth" --seed 0 --out "$demo/r2"
"$r2bench" verify-dataset "$demo/r2" --source "$demo/synth"

echo "== 3. run a model (the noisy oracle: perturbed ground truth, some hallucinations)"
"$r2bench" run --model noisy-oracle --source "$demo/synth" --pairs "$demo/r2/r2_pairs.json" --out "$demo/run"

echo "== 4. evaluate: J, F, J&F on positives, R on negatives, J&F&R"
"$r2bench" eval --pred "$demo/run" --source "$demo/synth" --pairs "$demo/r2/r2_pairs.json" --out "$demo/eval" --report

echo "== 5. the five worst videos by J&F ($demo/eval/per_video.csv)"
# Plain bash (no `column`: it is not on a minimal system). Video names hold no commas.
{ head -1 "$demo/eval/per_video.csv"; tail -n +2 "$demo/eval/per_video.csv" | sort -t, -k5 -g | head -5; } |
  while IFS=, read -r video expressions j f jf positive negative r; do
    printf '%-10s %11s %9s %9s %9s %15s %15s %9s\n' "$video" "$expressions" "$j" "$f" "$jf" "$positive" "$negative" "$r"
  done

echo "== 6. open $demo/eval/report.html in a browser (tables, plots, thumbnails)"

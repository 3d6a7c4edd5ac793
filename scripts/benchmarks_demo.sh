#!/usr/bin/env bash
# The main job end to end on the two other benchmark layouts of the paper, each scored by its own
# protocol: a synthetic Ref-DAVIS17 tree (J and F by davis2017-evaluation's unsupervised task, per
# annotator, mean of the 4) and a synthetic MeViS tree (COCO RLE masks, multi-object expressions,
# J and F as tools/eval_mevis.py). For each: synth -> build-dataset -> verify-dataset -> run the
# noisy oracle and the tiny MTTR -> eval (+ report) -> leaderboard. About a minute on 2 cores.
#   scripts/benchmarks_demo.sh [OUT_DIR (default build/benchmarks-demo)] [--no-setup]
# Needs a build with libtorch (build/r2bench run --model mttr_tiny); without it only the oracle runs.
set -euo pipefail
out=${1:-}
[[ -n "$out" && "$out" != --* ]] && out=$(realpath -m "$out") || out=""
cd "$(dirname "$0")/.."
out=${out:-build/benchmarks-demo}
[[ " $* " == *" --no-setup "* ]] || bash scripts/setup.sh
r2bench=${R2BENCH:-build/r2bench}
models=(noisy-oracle)
# Captured first: `grep -q` would close the pipe early, and pipefail would count the SIGPIPE as a failure.
listed=$("$r2bench" models 2>/dev/null || true)
[[ "$listed" == *mttr_tiny*found* ]] && models+=(mttr_tiny)

for format in ref-davis mevis; do
  d="$out/$format"
  split=valid
  [[ $format == mevis ]] && split=valid_u  # MeViS' validation split with public ground truth
  echo "== $format: 1. synthetic tree (8 videos of 4 frames)                    -> $d/synth"
  "$r2bench" synth --format "$format" --preset small --videos 8 --frames 4 --seed 0 --out "$d/synth" --force
  echo "== $format: 2. R² pairs (the format is detected and recorded)            -> $d/r2"
  "$r2bench" build-dataset --source "$d/synth" --split "$split" --seed 0 --out "$d/r2" --force
  "$r2bench" verify-dataset "$d/r2" --source "$d/synth"
  for model in "${models[@]}"; do
    echo "== $format: 3. run $model                                              -> $d/runs/$model"
    "$r2bench" run --model "$model" --source "$d/synth" --pairs "$d/r2/r2_pairs.json" --out "$d/runs/$model" --force
    echo "== $format: 4. eval $model (format and split read from r2_pairs.json)"
    "$r2bench" eval --pred "$d/runs/$model" --source "$d/synth" --pairs "$d/r2/r2_pairs.json" --out "$d/eval/$model" \
      --report --force
  done
  echo "== $format: 5. leaderboard                                               -> $d/leaderboard"
  "$r2bench" leaderboard "$d/runs" --source "$d/synth" --pairs "$d/r2/r2_pairs.json" --out "$d/leaderboard" --force
done
echo "== open $out/<format>/eval/<run>/report.html and $out/<format>/leaderboard/leaderboard.html in a browser"

#!/usr/bin/env bash
# "Table 2 in kind": the four bundled tiny models (R2-VOS with the official and the grounded pair
# head, ReferFormer, MTTR) on a held-out
# synthetic R²-Youtube-VOS set: the ytvos-valid preset (202 videos, 834 expressions, 640x360) with
# its own seed 2023 (training used seed 1000), its R² pairs built with --seed 0. Prints J, F, J&F,
# R, J&F&R and the alignment AUROC of each model beside the paper's Table 2 and checks the shape the
# paper reports (scripts/table2_table.py: exit 1 when it does not hold), and writes a leaderboard.
#   scripts/table2_tiny.sh [OUT_DIR (default build/table2)] [FRAMES (default: the preset's ~30)] [VIDEOS (default 202)]
# FRAMES shortens every video (e.g. 10) to fit a CPU budget: the tiny ReferFormer-style models
# encode every clip again for every sentence: referformer_tiny ran 1524 s on the 10-frame set on one
# thread, and the full preset is about three times as long.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/table2}
frames=${2:-}
videos=${3:-}
r2bench=build/r2bench
[[ -x $r2bench && -x build/r2bench-models ]] || { bash scripts/setup.sh; cmake --build build -j "$(nproc)"; }
mkdir -p "$out"
if [[ ! -f "$out/r2/r2_pairs.json" ]]; then
  "$r2bench" synth --preset ytvos-valid --seed 2023 ${frames:+--frames "$frames"} ${videos:+--videos "$videos"} --out "$out/synth" --force
  "$r2bench" build-dataset --source "$out/synth" --seed 0 --out "$out/r2" --force
fi
P=(--source "$out/synth" --pairs "$out/r2/r2_pairs.json")
for m in r2vos_tiny r2vos_tiny_grounded referformer_tiny mttr_tiny; do
  if [[ ! -f "$out/runs/$m/run.json" ]]; then
    resume=()
    [[ -d "$out/runs/.$m.r2bench-partial" ]] && resume=(--resume)
    "$r2bench" run --model "$m" "${P[@]}" --out "$out/runs/$m" "${resume[@]}"
  fi
  "$r2bench" eval --pred "$out/runs/$m" "${P[@]}" --out "$out/eval/$m" --report --force > "$out/eval-$m.txt"
done
# The leaderboard's table (J&F&R, J&F, J, F, R), then each model's alignment line (AUROC of A).
"$r2bench" leaderboard "$out/runs" "${P[@]}" --out "$out/leaderboard" --force
for m in r2vos_tiny r2vos_tiny_grounded referformer_tiny mttr_tiny; do grep -h "alignment A" "$out/eval-$m.txt" || true; done
python3 scripts/table2_table.py "$out/eval"

#!/usr/bin/env bash
# The main job end to end on the embedded synthetic data: install and build, generate a small
# Ref-YouTube-VOS-style data set, build its R² pairs, run the noisy oracle and the four trained tiny
# neural models (R2-VOS with the official and with the grounded pair head, ReferFormer, MTTR; weights
# bundled in model_zoo/tiny_weights, made by scripts/train_tiny.sh), evaluate each, and rank the five
# on a leaderboard. A few minutes on 2 cores.
#   scripts/demo.sh [OUT_DIR (default build/demo)]
# Rerunning it replaces each step's own output (every command replaces an --out it wrote before);
# nothing else in OUT_DIR is deleted.
set -euo pipefail
demo=${1:-}
[[ -n "$demo" ]] && demo=$(realpath -m "$demo")
cd "$(dirname "$0")/.."
demo=${demo:-build/demo}
bash scripts/setup.sh
r2bench=build/r2bench

# 10 videos of 4 frames: the tiny neural models re-run their (text-conditioned) encoder for every
# sentence, as ReferFormer does, so this keeps all the runs within a few minutes.
echo "== 1. synthetic Ref-YouTube-VOS data set (10 videos of 4 frames, 320x240) -> $demo/synth"
"$r2bench" synth --preset small --videos 10 --frames 4 --seed 0 --out "$demo/synth"

echo "== 2. R²-Youtube-VOS pairs: one unrelated negative video per video       -> $demo/r2"
"$r2bench" build-dataset --source "$demo/synth" --seed 0 --out "$demo/r2"
"$r2bench" verify-dataset "$demo/r2" --source "$demo/synth"

# Each run goes to $demo/runs/<name>: the leaderboard scores that folder, one row per run.
run() { "$r2bench" run --source "$demo/synth" --pairs "$demo/r2/r2_pairs.json" "$@"; }
echo "== 3. run the noisy oracle (perturbed ground truth, some hallucinations)  -> $demo/runs/noisy-oracle"
run --model noisy-oracle --out "$demo/runs/noisy-oracle"
echo "== 4. run the trained tiny models r2vos_tiny, r2vos_tiny_grounded, referformer_tiny and mttr_tiny (bundled weights, no downloads)"
# r2vos_tiny has the official pair head, which never learned at this scale (its rejections are coin
# flips); r2vos_tiny_grounded is the same model with the pair head that does (README: "R2-VOS-tiny's
# pair head"). --force: a fresh run each time, also over an earlier demo run that was interrupted.
run --model r2vos_tiny --out "$demo/runs/r2vos_tiny" --force
run --model r2vos_tiny_grounded --out "$demo/runs/r2vos_tiny_grounded" --force
run --model referformer_tiny --out "$demo/runs/referformer_tiny" --force
run --model mttr_tiny --out "$demo/runs/mttr_tiny" --force

echo "== 5. evaluate each run: J, F, J&F on positives, R on negatives, J&F&R"
for name in noisy-oracle r2vos_tiny r2vos_tiny_grounded referformer_tiny mttr_tiny; do
  echo "-- $name"
  "$r2bench" eval --pred "$demo/runs/$name" --source "$demo/synth" --pairs "$demo/r2/r2_pairs.json" \
    --out "$demo/eval/$name" --report
done

echo "== 6. the five worst videos of the noisy oracle by J&F ($demo/eval/noisy-oracle/per_video.csv)"
# Plain bash (no `column`: it is not on a minimal system). Video names hold no commas.
csv="$demo/eval/noisy-oracle/per_video.csv"
{ head -1 "$csv"; tail -n +2 "$csv" | sort -t, -k5 -g | head -5; } |
  while IFS=, read -r video expressions j f jf positive negative r; do
    printf '%-10s %11s %9s %9s %9s %15s %15s %9s\n' "$video" "$expressions" "$j" "$f" "$jf" "$positive" "$negative" "$r"
  done

echo "== 7. leaderboard of the five runs                                       -> $demo/leaderboard"
"$r2bench" leaderboard "$demo/runs" --source "$demo/synth" --pairs "$demo/r2/r2_pairs.json" --out "$demo/leaderboard"

echo "== 8. what changed from r2vos_tiny_grounded to referformer_tiny (deltas, bootstrap intervals, flips) -> $demo/compare"
"$r2bench" compare "$demo/eval/r2vos_tiny_grounded" "$demo/eval/referformer_tiny" --out "$demo/compare"

echo "== 9. the evaluation server on the demo's R² set; the five runs submitted through its JSON API -> $demo/server"
# A server left by an earlier demo run is stopped, and its data folder replaced.
if [[ -f "$demo/server.pid" ]] && kill -0 "$(cat "$demo/server.pid")" 2>/dev/null; then
  kill "$(cat "$demo/server.pid")"; sleep 1
fi
rm -rf "$demo/server"
token=$("$r2bench" serve --data "$demo/server" --add-team demo-lab | tail -1)
nohup "$r2bench" serve --source "$demo/synth" --pairs "$demo/r2/r2_pairs.json" --data "$demo/server" --port 0 \
  --per-day 10 > "$demo/server.log" 2>&1 &
echo $! > "$demo/server.pid"
for _ in $(seq 600); do [[ -s "$demo/server/address" ]] && break; sleep 0.1; done
address=$(cat "$demo/server/address")
mkdir -p "$demo/zips"
for name in noisy-oracle r2vos_tiny r2vos_tiny_grounded referformer_tiny mttr_tiny; do
  /usr/bin/python3 -c 'import os, sys, zipfile
folder, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w") as z:
    for root, _, files in os.walk(folder):
        for f in sorted(files):
            if not f.startswith("."): z.write(os.path.join(root, f), os.path.relpath(os.path.join(root, f), folder))' \
    "$demo/runs/$name" "$demo/zips/$name.zip"
  curl -sS -H "Authorization: Bearer $token" -F "method=$name" -F "zip=@$demo/zips/$name.zip" "$address/api/submissions"
done
for _ in $(seq 600); do  # bounded: 5 minutes
  curl -sS "$address/api/health" | grep -q '"queue": 0' && break; sleep 0.5
done
curl -sS "$address/leaderboard.md"
echo "== 10. the board is at $address/ (server pid $(cat "$demo/server.pid"), log $demo/server.log; stop it with kill $(cat "$demo/server.pid"))"
echo "== 11. open $demo/eval/<run>/report.html, $demo/leaderboard/leaderboard.html and $demo/compare/compare.html in a browser"

#!/usr/bin/env bash
# Submits `r2bench run` as a Slurm array (one shard per task) and a merge + eval + report job
# that starts when every shard succeeded (afterok). Prints the two job ids.
#
#   scripts/slurm/submit.sh --model r2vos_r50 --source data/ytvos --pairs r2/r2_pairs.json \
#     --out runs/r2vos --shards 8 [--r2bench build/r2bench] [--gpus 1] [--cpus 4] \
#     [-- more run options, e.g. --weights-dir models or --synthetic-weights]
#
# Shards go to OUT.shards/shard_i, the merged submission to OUT, eval and report.html to OUT.eval.
# Other sbatch options (partition, account, time) come from the usual SBATCH_* variables.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
r2bench="$here/../../build/r2bench"
model="" source="" pairs="" out="" shards="" gpus=0 cpus=""
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while (($#)); do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --source) source="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --r2bench) r2bench="$2"; shift 2 ;;
    --gpus) gpus="$2"; shift 2 ;;
    --cpus) cpus="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) echo "submit.sh: unknown option $1" >&2; usage ;;
  esac
done
[[ -n "$model" && -n "$source" && -n "$pairs" && -n "$out" && -n "$shards" ]] || usage
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards must be a positive number" >&2; exit 2; }
[[ -x "$r2bench" ]] || { echo "submit.sh: no r2bench at $r2bench (build it with scripts/setup.sh or pass --r2bench)" >&2; exit 2; }

# The jobs run elsewhere and later: give them absolute paths.
absolute() { realpath -m "$1"; }
R2BENCH="$(absolute "$r2bench")" SOURCE="$(absolute "$source")" PAIRS="$(absolute "$pairs")" OUT="$(absolute "$out")"
export R2BENCH SOURCE PAIRS OUT MODEL="$model" SHARDS="$shards" SHARD_ROOT="$OUT.shards" EVAL_OUT="$OUT.eval" RUN_ARGS="$*"
mkdir -p "$SHARD_ROOT"

resources=()
((gpus > 0)) && resources+=(--gres="gpu:$gpus")
[[ -n "$cpus" ]] && resources+=(--cpus-per-task="$cpus")
array_job="$(sbatch --parsable --export=ALL --chdir="$SHARD_ROOT" --array="0-$((shards - 1))" "${resources[@]}" "$here/run_shard.sbatch")"
array_job="${array_job%%;*}"  # --parsable prints "id" or "id;cluster"
merge_job="$(sbatch --parsable --export=ALL --chdir="$SHARD_ROOT" --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
  ${cpus:+--cpus-per-task="$cpus"} "$here/merge_eval.sbatch")"
merge_job="${merge_job%%;*}"
echo "submitted array job $array_job ($shards shards of $model) and merge job $merge_job (afterok); logs in $SHARD_ROOT"
echo "array=$array_job merge=$merge_job"

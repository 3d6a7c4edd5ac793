#!/usr/bin/env bash
# Tests scripts/slurm/ on a real one-node Slurm cluster started on this machine: installs Debian's
# slurm-wlm and munge when missing, writes a one-node slurm.conf under a temporary folder, starts
# munged, slurmctld and slurmd (as root, in the background, no systemd or cgroups needed), submits
# the array job (r2vos_tiny, synthetic weights, the tiny synth preset, 3 shards) and the dependent
# merge + eval + report job, waits for it, and checks that the merged submission equals a
# single-process `r2bench run` byte for byte. The daemons are stopped and the folder removed on
# exit, success or not. Needs root (or sudo) for the daemons.
#   scripts/slurm_local_test.sh [--keep]   (--keep: leave the temporary folder for inspection)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
r2bench="$repo/build/r2bench"
[[ -x "$r2bench" ]] || { echo "slurm_local_test: build r2bench first (scripts/setup.sh)" >&2; exit 2; }
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1
sudo=""
[[ "$(id -u)" -ne 0 ]] && sudo="sudo"

missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "slurm_local_test: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

tmp="$(mktemp -d /tmp/r2bench-slurm.XXXXXX)"
chmod 755 "$tmp"
pids=()
cleanup() {
  local status=$?
  # Stop what this script started, by pid, slurmd first (it reports to slurmctld), munged last.
  for ((i = ${#pids[@]} - 1; i >= 0; --i)); do $sudo kill "${pids[i]}" 2>/dev/null || true; done
  if [[ -f "$tmp/munged.pid" ]]; then
    pids+=("$(cat "$tmp/munged.pid")")
    $sudo kill "${pids[-1]}" 2>/dev/null || true
  fi
  # Wait for them to exit (they write their state on the way out) before the folder goes.
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  if ((status != 0)); then
    echo "slurm_local_test: FAILED; the daemons' logs:" >&2
    tail -n 20 "$tmp"/*.log "$tmp"/work/*.shards/*.out >&2 2>/dev/null || true
  fi
  if ((keep)); then echo "slurm_local_test: kept $tmp"; else $sudo rm -rf "$tmp"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# munge: a private key, socket and pid file, so an existing munged (if any) is left alone.
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/work"
$sudo dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
$sudo chmod 400 "$tmp/munge/munge.key"
$sudo munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/munge.seed"

# One node: its name is localhost, CPUs and memory as slurmd detects them.
hardware="$(slurmd -C | head -1 | sed -E 's/^NodeName=[^ ]+ //; s/ UpTime=.*//')"
controller="$(hostname -s)"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=r2bench-local
SlurmctldHost=$controller(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
$sudo slurmctld -D -f "$SLURM_CONF" >"$tmp/slurmctld.stdout" 2>&1 &
pids+=($!)
$sudo slurmd -D -N localhost -f "$SLURM_CONF" >"$tmp/slurmd.stdout" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  sinfo -h -N -o '%t' 2>/dev/null | grep -Eq '^(idle|mix|alloc)' && break
  sleep 1
done
sinfo -h -N -o '%t' | grep -Eq '^(idle|mix|alloc)' || { echo "slurm_local_test: the node did not come up" >&2; sinfo -N >&2; exit 1; }
echo "slurm_local_test: one-node cluster up ($(sinfo -h -N -o '%N %c CPUs %m MB %t'))"

# The data: the tiny synth preset, its R² pairs, and the single-process run to compare with.
cd "$tmp/work"
"$r2bench" --quiet synth --preset tiny --seed 0 --out synth
"$r2bench" --quiet build-dataset --source synth --seed 0 --out r2
# One libtorch thread, as each array task below (--cpus 1): the float scores in scores.json are
# summed in an order that depends on libtorch's thread count (the masks do not).
"$r2bench" --quiet --threads 1 run --model r2vos_tiny --synthetic-weights --source synth --pairs r2/r2_pairs.json --out single

start=$SECONDS
ids="$("$repo/scripts/slurm/submit.sh" --r2bench "$r2bench" --model r2vos_tiny --source synth --pairs r2/r2_pairs.json \
  --out merged --shards 3 --cpus 1 -- --synthetic-weights | tail -1)"
merge_job="${ids##*merge=}"
echo "slurm_local_test: submitted ($ids)"
state=""
for _ in $(seq 600); do
  state="$(scontrol show job "$merge_job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')"
  case "$state" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
  sleep 1
done
echo "slurm_local_test: merge job $merge_job $state after $((SECONDS - start)) s"
[[ "$state" == COMPLETED ]] || exit 1
tail -n 1 merged.shards/r2bench-merge-"$merge_job".out
diff -r -x run.json single merged
[[ -f merged.eval/report.html ]] || { echo "slurm_local_test: no report.html" >&2; exit 1; }
echo "slurm_local_test: PASS: the merged 3-shard Slurm submission equals the single-process run byte for byte"

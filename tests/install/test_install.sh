#!/usr/bin/env bash
# The install stands alone (ctest -R install):
#   1. `cmake --install` into a temporary prefix; a small CMake project (tests/install/consumer)
#      finds it with find_package(r2bench CONFIG), builds against every installed header, and runs.
#   2. The prefix is copied elsewhere and the original removed; with the checkout and the build
#      tree hidden (an empty tmpfs mounted over them in a private mount namespace), the installed
#      r2bench runs synth, build-dataset, run (mttr_tiny when r2bench-models was built, else the
#      noisy oracle), eval and report from another folder, and nothing it writes names the checkout.
# Usage: tests/install/test_install.sh BUILD_DIR [SOURCE_DIR]
set -euo pipefail
build=$(realpath "$1")
source=$(realpath "${2:-$(dirname "$0")/../..}")
tmp=$(mktemp -d /tmp/r2bench-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_install: FAIL: $*" >&2; exit 1; }

echo "== install into $tmp/prefix"
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
for f in bin/r2bench include/r2bench/metrics/evaluation.h lib/cmake/r2bench/r2benchConfig.cmake \
         share/r2bench/category_synonyms.json share/r2bench/tiny_weights/mttr_tiny.safetensors; do
  [[ -e "$tmp/prefix/$f" ]] || fail "the install has no $f"
done
with_models=0
[[ -x "$tmp/prefix/bin/r2bench-models" ]] && with_models=1

echo "== a consumer project: find_package(r2bench CONFIG), r2bench::metrics"
cmake -S "$source/tests/install/consumer" -B "$tmp/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/consumer.log" || { cat "$tmp/consumer.log"; fail "consumer configure"; }
grep "consumer:" "$tmp/consumer.log"
cmake --build "$tmp/consumer" --parallel "${R2BENCH_TEST_JOBS:-2}" > "$tmp/consumer_build.log" ||
  { tail -40 "$tmp/consumer_build.log"; fail "consumer build"; }
out=$("$tmp/consumer/consumer") || fail "consumer exited $?: $out"
echo "$out"
[[ "$out" == "J=0.333333 R=0.7500 png_foreground=2 tiny_videos="* ]] || fail "consumer printed: $out"
if ((with_models)); then "$tmp/consumer/models_consumer" || fail "models_consumer"; fi

echo "== copy the prefix to $tmp/moved, remove the original, hide $source and $build"
cp -a "$tmp/prefix" "$tmp/moved"
rm -rf "$tmp/prefix" "$tmp/consumer"
mkdir "$tmp/elsewhere"
model=noisy-oracle
((with_models)) && model=mttr_tiny
hidden="mount -t tmpfs none '$source'"
[[ "$build" != "$source"/* ]] && hidden+=" && mount -t tmpfs none '$build'"
commands="
  cd '$tmp/elsewhere'
  r2bench='$tmp/moved/bin/r2bench'
  \"\$r2bench\" --help > help.txt
  \"\$r2bench\" synth --preset tiny --seed 1 --out synth --quiet
  \"\$r2bench\" build-dataset --source synth --seed 1 --out r2 --quiet
  \"\$r2bench\" run --model $model --source synth --pairs r2/r2_pairs.json --out run --quiet
  \"\$r2bench\" eval --pred run --source synth --pairs r2/r2_pairs.json --out eval --quiet
  \"\$r2bench\" report eval
  if [[ $model == mttr_tiny ]]; then \"\$r2bench\" models > models.txt; \"\$r2bench\" models --check > models_check.txt; fi
"
# A private mount namespace hides the checkout. Where one cannot be made (a chroot, some
# containers: "unshare failed: Operation not permitted"), the commands run with the checkout in
# place; the checks below still fail if any output names it or the weights came from elsewhere.
if unshare --mount --map-root-user --fork true 2>/dev/null; then
  unshare --mount --map-root-user --fork bash -euo pipefail -c "
    $hidden
    [[ -z \"\$(ls -A '$source')\" ]] || { echo 'the checkout is still visible'; exit 1; }
    $commands" || fail "the moved install did not run with the checkout hidden"
else
  echo "test_install: no mount namespace here (unshare not permitted): the checkout stays visible; outputs are checked for it"
  bash -euo pipefail -c "$commands" || fail "the moved install did not run"
fi
e="$tmp/elsewhere"
for f in synth/meta_expressions/valid/meta_expressions.json r2/r2_pairs.json eval/summary.json eval/report.html; do
  [[ -s "$e/$f" ]] || fail "no $f"
done
if grep -rlF "$source" "$e" --include='*.json' --include='*.html' --include='*.csv' --include='*.txt'; then
  fail "these outputs name the checkout $source"
fi
[[ -n "$(find "$e/run" -name '*.png' -print -quit)" ]] || fail "run wrote no masks"
if [[ $model == mttr_tiny ]]; then
  [[ -s "$e/run/run.json" ]] || fail "no run/run.json"  # neural runs only
  grep -q "\"$tmp/moved/share/r2bench/tiny_weights/mttr_tiny.safetensors\"" "$e/run/run.json" ||
    fail "run.json does not record the moved prefix's bundled weights: $(grep -o '"weights[^,]*' "$e/run/run.json")"
  # The listing comes from the installed catalog (no libtorch), --check from r2bench-models.
  [[ -s "$tmp/moved/share/r2bench/model_catalog.json" ]] || fail "no share/r2bench/model_catalog.json installed"
  grep -q "mttr_tiny .*found: [0-9]* tensors in $tmp/moved/share/r2bench/tiny_weights/mttr_tiny.safetensors" "$e/models.txt" ||
    fail "models did not find the bundled weights: $(cat "$e/models.txt")"
  grep -q "mttr_tiny .*found: [0-9]* tensors loaded" "$e/models_check.txt" ||
    fail "models --check did not load the bundled weights: $(cat "$e/models_check.txt")"
fi
echo "test_install: OK ($model, libtorch commands: $with_models)"

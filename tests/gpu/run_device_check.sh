#!/bin/bash
# The GPU machine check of the models (tests/gpu): copy /usr/include/fmt and /usr/include/nlohmann
# into .gpu_headers/ first (the GPU image has no Debian -dev packages). Then: configure (find_package(Torch); on failure the manual link mode), build,
# (on a compile failure retry with C++20), then run check_models_cuda. Output under $OUT.
cd "$(dirname "$0")/../.." || exit 1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
export TORCH_CUDA_ARCH_LIST=9.0
START=$(date +%s)
el() { echo "[$(( $(date +%s) - START )) s] $*"; }
P=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
R=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')
A=$(python3 -c 'import torch;print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
python3 -c 'import torch;print("python torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
nvcc --version | tail -1; cmake --version | head -1; c++ --version | head -1
B=/tmp/b
if ! cmake -S tests/gpu -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$P" > "$OUT/configure.txt" 2>&1; then
  el "find_package(Torch) configure failed:"; grep -v '^--' "$OUT/configure.txt" | tail -25
  rm -rf $B
  cmake -S tests/gpu -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DR2GPU_MANUAL_TORCH=ON -DTORCH_ROOT="$R" -DTORCH_CXX11_ABI="$A" > "$OUT/configure2.txt" 2>&1 || { el "manual configure failed"; tail -25 "$OUT/configure2.txt"; exit 3; }
fi
grep 'r2bench gpu check' "$OUT"/configure*.txt
el configured
if ! cmake --build $B -j16 > "$OUT/build.txt" 2>&1; then
  el "build failed:"; grep -m6 -A8 'error' "$OUT/build.txt" | head -60
  grep -qiE 'c\+\+20|c\+\+2a|concept|consteval|requires' "$OUT/build.txt" || exit 4
  el "retrying with C++20"
  cmake -S tests/gpu -B $B -DR2GPU_CXX_STANDARD=20 > /dev/null 2>&1
  cmake --build $B -j16 > "$OUT/build2.txt" 2>&1 || { el "build failed again:"; grep -m6 -A8 'error' "$OUT/build2.txt" | head -60; exit 4; }
fi
el built
$B/check_models_cuda tests/fixtures/models 2>&1 | tee "$OUT/cuda_check.txt"
rc=${PIPESTATUS[0]}
el "check_models_cuda exit $rc"
exit $rc

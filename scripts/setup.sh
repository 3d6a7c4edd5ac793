#!/usr/bin/env bash
# Installs what r2bench needs from Debian (only what is missing) and builds it into build/.
# Idempotent: a second run installs nothing and rebuilds only what changed. Afterwards
# `cmake --install build --prefix ~/.local` puts r2bench on the PATH (~/.local/bin).
#   scripts/setup.sh            build dependencies + build
#   scripts/setup.sh --python   also the Python packages that regenerate the fixtures and time the
#                               Python baselines of the benchmarks (numpy, skimage, opencv, pil,
#                               torch, torchvision, regex from Debian)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libopencv-dev libpng-dev libdeflate-dev libeigen3-dev nlohmann-json3-dev libtbb-dev libfmt-dev
  libcli11-dev doctest-dev libhdf5-dev libzip-dev libicu-dev libssl-dev libturbojpeg0-dev libtorch-dev
  libcpp-httplib-dev libsqlite3-dev  # `r2bench serve`: its HTTP server and its database
  curl chromium python3-websocket  # curl: scripts/demo.sh submits through the API; the browser test of `serve` (headless Chromium through the DevTools protocol)
  libopenblas0-openmp  # Debian's libtorch falls back to reference BLAS (~35x slower) without it
  pybind11-dev python3-dev python3-numpy python3-venv  # `import r2bench` (python/), built and tested with Debian's
                                                       # python3; venv for the README's virtual environment
  clang libclang-rt-14-dev llvm  # scripts/fuzz.sh: libFuzzer, the sanitizers' runtimes, llvm-symbolizer (the
                                 # leak suppressions match function names, which need symbolized stacks)
)
if [[ "${1:-}" == "--python" ]]; then
  packages+=(python3-numpy python3-skimage python3-opencv python3-pil python3-torch python3-torchvision python3-regex python3-scipy python3-tqdm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A checkout that was moved or copied keeps a build/ configured for its old place, which CMake
# refuses to reuse: drop that cache (the compiled objects stay for ccache) and configure afresh.
if [[ -f build/CMakeCache.txt ]]; then
  cached_source="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build/CMakeCache.txt)"
  if [[ "$cached_source" != "$(pwd -P)" && "$cached_source" != "$(pwd)" ]]; then
    echo "setup: build/ was configured for $cached_source; reconfiguring for $(pwd)"
    rm -rf build/CMakeCache.txt build/CMakeFiles
  fi
fi
if [[ ! -f build/CMakeCache.txt ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build --parallel "$(nproc)"

#!/usr/bin/env bash
# Installs, builds and runs every test (ctest), then the fuzz targets (scripts/fuzz.sh). Safe to
# run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)"
bash scripts/fuzz.sh

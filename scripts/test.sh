#!/usr/bin/env bash
# Installs, builds and runs every test (ctest), the Ref-DAVIS17 and MeViS end-to-end run
# (scripts/benchmarks_demo.sh), then the fuzz targets (scripts/fuzz.sh). Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)"
# Ref-DAVIS17 and MeViS end to end, each by its own protocol (synth -> build-dataset -> run -> eval -> report -> leaderboard).
bash scripts/benchmarks_demo.sh build/benchmarks-demo --no-setup
bash scripts/fuzz.sh

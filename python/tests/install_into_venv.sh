#!/usr/bin/env bash
# The README's install route, end to end: a virtual environment of Debian's python3 (with the system's
# numpy: nothing is downloaded), `cmake --install BUILD --component python --prefix VENV`, then the
# environment's interpreter, started outside the source tree, imports the installed package and scores.
#   install_into_venv.sh CMAKE BUILD_DIR PYTHON
set -euo pipefail
cmake_bin=$1 build=$2 python=$3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m venv --without-pip --system-site-packages "$work/venv"  # pip is not needed to install this way
"$cmake_bin" --install "$build" --component python --prefix "$work/venv" > "$work/install.log"
cd "$work"
env -u PYTHONPATH "$work/venv/bin/python" - "$work/venv" <<'PY'
import os, sys
import numpy as np
import r2bench
venv = sys.argv[1]
assert r2bench.__file__.startswith(os.path.join(venv, "lib")), r2bench.__file__
for typed in ("__init__.pyi", "py.typed"):  # type stubs for editors and type checkers (PEP 561)
    assert os.path.exists(os.path.join(os.path.dirname(r2bench.__file__), typed)), typed
gt = np.zeros((480, 854), bool)
gt[100:200, 100:300] = True
j, f = r2bench.frame_metrics(gt, np.roll(gt, 4, axis=1))
assert j == (20000 - 400) / (20000 + 400), j
assert f == 1.0, f  # a 4-pixel shift is within F's 8-pixel tolerance at 480x854
assert r2bench.frame_metrics(gt, np.roll(gt, 20, axis=1)).F < 1
try:
    r2bench.read_per_frame(os.path.join(venv, "missing.h5"))
    raise SystemExit("no error for a missing file")
except FileNotFoundError as e:
    assert str(e).startswith(os.path.join(venv, "missing.h5")), str(e)
print(f"installed r2bench {r2bench.__version__} at {os.path.dirname(r2bench.__file__)}: J {j:.4f}, F {f:.4f}")
PY

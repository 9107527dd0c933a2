#!/usr/bin/env bash
# Executes every notebook top to bottom (never in place), failing if any cell fails.
#
#   bash notebooks/run-all.sh            # creates/uses .venv at the repository root
#
# Environment: VENV (default <repo>/.venv), SLSIM (the binary; default target/release/slsim,
# brought up to date here with cargo build --release, so the notebooks see the current code), OUT (folder for the executed copies; default a temporary one),
# SKIP_INSTALL=1 to use the venv as it is.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
venv="${VENV:-$root/.venv}"

if [[ -z "${SLSIM:-}" ]]; then
    cargo build --release --quiet
fi

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r notebooks/requirements.txt
fi

export MPLBACKEND=Agg
out="${OUT:-$(mktemp -d -t slsim-notebooks-XXXXXX)}"
# from notebooks/ and from the repository root: both working directories must work
"$venv/bin/python" notebooks/run_notebooks.py --cwd notebooks --out "$out/from-notebooks"
"$venv/bin/python" notebooks/run_notebooks.py --cwd root --out "$out/from-root"

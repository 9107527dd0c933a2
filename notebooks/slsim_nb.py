"""Helpers shared by the notebooks: find the slsim binary, run it into a temporary folder,
read its outputs with pandas.

Every notebook starts from the binary built from the current checkout, so what it shows is
what the code does now. The binary is `$SLSIM` if set, else `target/release/slsim` in the
repository (build it with `cargo build --release`).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

NOTEBOOKS = Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent
SCENARIOS = ROOT / "scenarios"
VALIDATION = NOTEBOOKS / "scenarios"
MONTH_S = 730 * 3600.0  # AWS's month: 730 hours

_TMP = Path(tempfile.mkdtemp(prefix="slsim-notebook-"))
if not os.environ.get("SLSIM_KEEP_OUTPUTS"):
    atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def setup_matplotlib() -> None:
    """Agg when there is no kernel or display to draw on (headless), inline in Jupyter."""
    import matplotlib

    in_kernel = "ipykernel" in sys.modules
    if not in_kernel and not os.environ.get("DISPLAY"):
        matplotlib.use("Agg")


def binary() -> Path:
    """The slsim binary: $SLSIM, else target/release/slsim; a clear error when missing."""
    env = os.environ.get("SLSIM")
    path = Path(env).expanduser() if env else ROOT / "target" / "release" / "slsim"
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise FileNotFoundError(
            f"slsim binary not found at {path}: build it with `cargo build --release` in {ROOT}, "
            "or point the SLSIM environment variable at a built binary."
        )
    return path


def _call(args: list[str]) -> None:
    cmd = [str(binary()), *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(cmd)}` failed with exit code {done.returncode}:\n{done.stderr}"
        )


def out_dir(label: str) -> Path:
    """A fresh folder under this session's temporary directory."""
    return Path(tempfile.mkdtemp(prefix=f"{label}-", dir=_TMP))


def run(scenario: Path | str, *args: str, label: str | None = None) -> Path:
    """`slsim run SCENARIO ARGS --out TMP --no-charts --quiet`; returns the output folder."""
    scenario = Path(scenario)
    out = out_dir(label or scenario.stem)
    _call(["run", str(scenario), *args, "--out", str(out), "--no-charts", "--quiet"])
    return out


def sweep(scenario: Path | str, *args: str, label: str | None = None) -> Path:
    """`slsim sweep SCENARIO ARGS --out TMP --no-charts --quiet`; returns the output folder."""
    scenario = Path(scenario)
    out = out_dir(label or scenario.stem)
    _call(["sweep", str(scenario), *args, "--out", str(out), "--no-charts", "--quiet"])
    return out


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def sweep_csv(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "sweep.csv")


def timeseries(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "timeseries.csv")


def at(tree: dict, path: str):
    """A value by its dotted path in summary.json (`functions.f.latency_ms.p95`)."""
    for key in path.split("."):
        tree = tree[key]
    return tree


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability, c servers, offered load a (stable recursion)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival waits in an M/M/c queue (a < c)."""
    b = erlang_b(c, a)
    rho = a / c
    return b / (1.0 - rho + rho * b)

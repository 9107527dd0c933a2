"""Execute every notebook top to bottom (nbclient), never in place.

    python notebooks/run_notebooks.py [--out DIR] [--cwd root|notebooks] [NOTEBOOK...]

Executed copies go to DIR (default: a new temporary folder). Exits non-zero as soon as a cell
fails, printing the cell's error; prints each notebook's time and its last line of output.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parent


def last_stream_line(nb) -> str:
    for cell in reversed(nb.cells):
        for output in reversed(cell.get("outputs", [])):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                lines = output["text"].strip().splitlines()
                if lines:
                    return lines[-1]
    return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, help="folder for the executed copies")
    ap.add_argument("--cwd", choices=["notebooks", "root"], default="notebooks",
                    help="working directory of the kernel (default: notebooks/)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = ap.parse_args()

    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    out = args.out or Path(tempfile.mkdtemp(prefix="slsim-notebooks-"))
    out.mkdir(parents=True, exist_ok=True)
    cwd = NOTEBOOKS if args.cwd == "notebooks" else NOTEBOOKS.parent
    os.environ.setdefault("MPLBACKEND", "Agg")  # headless: no display, no interactive backend

    total = time.monotonic()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.monotonic()
        client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute()
        except CellExecutionError as e:
            nbformat.write(nb, out / path.name)
            print(f"FAILED {path.name} ({time.monotonic() - start:.1f} s); executed copy in "
                  f"{out / path.name}\n{e}", file=sys.stderr)
            return 1
        nbformat.write(nb, out / path.name)
        print(f"ok  {path.name:45s} {time.monotonic() - start:6.1f} s  {last_stream_line(nb)}")
    print(f"all {len(paths)} notebooks ran in {time.monotonic() - total:.1f} s; "
          f"executed copies in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

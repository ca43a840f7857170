"""Running a benchmark module as a subprocess of the repository and reading its tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_module(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`python -m *args` from the repository root, with this environment; never raises on
    a failed exit (the caller asserts on it, with the output)."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def table_rows(output: str) -> list[list[str]]:
    """The body rows of every Markdown table in `output`: the rows after a `|---|` line.

    >>> table_rows("| a | b |\\n|---|--:|\\n| 1 | 2 |\\n\\ntext\\n| c |\\n|---|\\n| 3 |")
    [['1', '2'], ['3']]
    """
    rows: list[list[str]] = []
    in_body = False
    for line in output.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            in_body = False
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if all(cell and set(cell) <= set("-:") for cell in cells):
            in_body = True
        elif in_body:
            rows.append(cells)
    return rows

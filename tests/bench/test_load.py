"""Smoke test of bench/load.py: a few seconds of the mixed load on each store, 0 errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import MIX

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "store", [pytest.param("embedded"), pytest.param("neo4j", marks=pytest.mark.neo4j)]
)
def test_load_script_runs_every_operation_without_errors(store: str) -> None:
    if store == "neo4j" and not os.environ.get("TIEGRAPH_NEO4J_URI"):
        pytest.fail("TIEGRAPH_NEO4J_URI is not set (the neo4j tests need a real Neo4j)")
    args = ["--store", store, "--clients", "4", "--seconds", "5", "--people", "120"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {
        cells[0]: cells
        for line in done.stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| operation")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    for op in MIX:
        assert op in rows, done.stdout
        assert int(rows[op][1].replace(",", "")) > 0, rows[op]
        assert rows[op][-1] == "0", rows[op]
    assert rows["**all**"][-1] == "0", done.stdout

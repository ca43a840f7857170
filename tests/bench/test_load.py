"""Smoke test of bench/load.py: a few seconds of the mixed load on each store, 0 errors."""

from __future__ import annotations

import os

import pytest

from bench.load import MIX
from tests.support.bench_tools import run_module, table_rows


@pytest.mark.parametrize(
    "store", [pytest.param("embedded"), pytest.param("neo4j", marks=pytest.mark.neo4j)]
)
def test_load_script_runs_every_operation_without_errors(store: str) -> None:
    if store == "neo4j" and not os.environ.get("TIEGRAPH_NEO4J_URI"):
        pytest.fail("TIEGRAPH_NEO4J_URI is not set (the neo4j tests need a real Neo4j)")
    args = ["--store", store, "--clients", "4", "--seconds", "5", "--people", "120"]
    done = run_module("bench.load", *args, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {cells[0]: cells for cells in table_rows(done.stdout)}
    for op in MIX:
        assert op in rows, done.stdout
        assert int(rows[op][1].replace(",", "")) > 0, rows[op]
        assert rows[op][-1] == "0", rows[op]
    assert rows["**all**"][-1] == "0", done.stdout

"""Smoke tests of the benchmarks that need a loaded Neo4j: `bench.hub_load` and
`bench.http_overhead --store neo4j` run against the test Neo4j and report every row they
measured (no timing assertions)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import generate
from tests.conftest import neo4j_settings, wipe_neo4j

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.neo4j


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def table_rows(output: str) -> list[list[str]]:
    """The body rows of the Markdown tables in `output`."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in output.splitlines()
        if line.startswith("| ") and not line.startswith("| request")
        and not line.startswith("| searches")
    ]  # fmt: skip


def test_hub_load_reports_each_setting_with_its_failures(tmp_path: Path) -> None:
    asyncio.run(wipe_neo4j(neo4j_settings()))
    network = tmp_path / "tiny.jsonl"
    generate(network, seed=5, people=300, ratings_per_person=8, hubs=2, closed_groups=1)
    loaded = run("service", "load", str(network), "--store", "neo4j")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr

    done = run(
        "bench.hub_load", "--file", str(network), "--searches", "2,1", "--seconds", "3",
        "--pairs", "3", "--work-dir", str(tmp_path / "work"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows = table_rows(done.stdout)
    assert [row[0] for row in rows] == ["2", "1"], done.stdout
    for searches, per_second, ratio, failed, *health, rss in rows:
        assert float(per_second) > 0, searches
        assert ratio.endswith("x")
        count, _, requests = failed.partition(" of ")
        assert count == "0" and int(requests) > 0, failed
        assert all(float(ms) > 0 for ms in health), health
        assert float(rss) > 0
    assert rows[0][2] == "1.00x"  # the first setting is the baseline


def test_http_overhead_measures_each_request_on_neo4j() -> None:
    done = run("bench.http_overhead", "--store", "neo4j", "--requests", "40", "--warmup", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "neo4j store" in done.stdout
    rows = table_rows(done.stdout)
    assert [row[0] for row in rows] == ["GET /healthz", "person (trivial)", "introducers"]
    for name, *figures in rows:
        assert all(float(ms) > 0 for ms in figures), name
    assert "person / healthz p50:" in done.stdout

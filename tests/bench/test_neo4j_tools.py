"""Smoke tests of the benchmarks that need a loaded Neo4j: `bench.hub_load`,
`bench.http_overhead --store neo4j` and `bench.paths_ab` run against the test Neo4j and report
every row they measured (no timing assertions)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.generate import generate
from tests.conftest import neo4j_settings, wipe_neo4j
from tests.support.bench_tools import ROOT, run_module, table_rows

pytestmark = pytest.mark.neo4j


def load_tiny_network(tmp_path: Path) -> Path:
    asyncio.run(wipe_neo4j(neo4j_settings()))
    network = tmp_path / "tiny.jsonl"
    generate(network, seed=5, people=300, ratings_per_person=8, hubs=2, closed_groups=1)
    loaded = run_module("service", "load", str(network), "--store", "neo4j")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    return network


def test_hub_load_reports_each_setting_with_its_failures(tmp_path: Path) -> None:
    network = load_tiny_network(tmp_path)

    done = run_module(
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
    args = ["--store", "neo4j", "--requests", "40", "--warmup", "5"]
    done = run_module("bench.http_overhead", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "neo4j store" in done.stdout
    rows = table_rows(done.stdout)
    assert [row[0] for row in rows] == ["GET /healthz", "person (trivial)", "introducers"]
    for name, *figures in rows:
        assert all(float(ms) > 0 for ms in figures), name
    assert "person / healthz p50:" in done.stdout


def test_paths_ab_compares_two_checkouts_stratum_by_stratum(tmp_path: Path) -> None:
    network = load_tiny_network(tmp_path)
    # This checkout against itself: the same answers, one row per maxHops and stratum.
    done = run_module(
        "bench.paths_ab", "--base", str(ROOT), "--file", str(network), "--pairs", "2",
        "--rounds", "1", "--hops", "3,4",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows = table_rows(done.stdout)
    strata = ["distance 2", "distance 3", "distance 4", "from hub", "to hub"]
    assert [(row[0], row[1]) for row in rows] == [(h, s) for h in ("3", "4") for s in strata]
    for hops, stratum, n, base, new, ratio, cpu in rows:
        assert int(n) > 0, (hops, stratum)
        assert all(float(ms) > 0 for ms in (*base.split(" / "), *new.split(" / ")))
        assert ratio.endswith("x") and float(ratio[:-1]) > 0
        assert all(float(ms) > 0 for ms in cpu.split(" / "))
    assert "answers: the same in every run" in done.stdout


def test_bench_scale_wipes_people_ratings_and_load_checkpoints(tmp_path: Path) -> None:
    """`bench.scale` on the caller's Neo4j starts from nothing. (Its wipe deletes the
    relationships first: a hub's, deleted with its node in one transaction, ran past Neo4j's
    memory limit at tier M. That size is not reproduced here.)"""
    from neo4j import GraphDatabase

    from bench import scale

    load_tiny_network(tmp_path)
    settings = neo4j_settings()
    user, password = settings["user"], settings["password"]
    auth = (user, password or "") if user else None
    with GraphDatabase.driver(str(settings["uri"]), auth=auth) as driver:

        def count(statement: str) -> int:
            records, _, _ = driver.execute_query(statement, database_=settings["database"])
            return int(records[0][0])

        before = count("MATCH (n) WHERE n:Person OR n:`__Load` RETURN count(n)")
        assert before > 300 and count("MATCH ()-[r]->() RETURN count(r)") > 0
        args = scale.parse_args(["--tier", "S", "--stores", "neo4j"])
        scale.Neo4jServer(args, "S")  # wipes the caller's server
        assert count("MATCH (n) WHERE n:Person OR n:`__Load` RETURN count(n)") == 0
        assert count("MATCH ()-[r]->() RETURN count(r)") == 0

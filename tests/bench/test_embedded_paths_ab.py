"""Smoke test of `bench.embedded_paths_ab` on a tiny network (no timing assertions): it
reports every (maxHops, stratum) row, and fails when the base's answers differ."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.generate import generate
from tests.support.bench_tools import ROOT, run_module, table_rows

STRATA = ["distance 2", "distance 3", "distance 4", "from hub", "to hub", "unreachable"]


def _tiny_store(tmp_path: Path) -> tuple[Path, Path]:
    network, data_dir = tmp_path / "tiny.jsonl", tmp_path / "store"
    generate(network, seed=5, people=300, ratings_per_person=8, hubs=2, closed_groups=1)
    loaded = run_module(
        "service", "load", str(network), "--store", "embedded", "--data-dir", str(data_dir)
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    return network, data_dir


def test_embedded_paths_ab_compares_two_checkouts_stratum_by_stratum(tmp_path: Path) -> None:
    network, data_dir = _tiny_store(tmp_path)
    # This checkout against itself: the same answers, one row per maxHops and stratum.
    done = run_module(
        "bench.embedded_paths_ab", "--base", str(ROOT), "--file", str(network),
        "--data-dir", str(data_dir), "--pairs", "2", "--hops", "3,4",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows = table_rows(done.stdout)
    assert [(row[0], row[1]) for row in rows] == [(h, s) for h in ("3", "4") for s in STRATA]
    for hops, stratum, n, base, new, ratio in rows:
        assert int(n) == 4, (hops, stratum)  # 2 pairs, each version twice
        assert all(float(ms) >= 0 for ms in (*base.split(" / "), *new.split(" / ")))
        assert ratio.endswith("x")
    assert "answers: the same for every pair" in done.stdout


def test_embedded_paths_ab_fails_when_the_base_answers_differently(tmp_path: Path) -> None:
    network, data_dir = _tiny_store(tmp_path)
    base = tmp_path / "base"
    (base / "service").mkdir(parents=True)
    search = base / "service" / "pathsearch.py"
    shutil.copy(ROOT / "service" / "pathsearch.py", search)
    with search.open("a", encoding="utf-8") as out:  # a base that loses its last path
        out.write(
            "\n_all_paths = find_paths\n\n\n"
            "def find_paths(*args, **kwargs):\n    return _all_paths(*args, **kwargs)[:-1]\n"
        )
    done = run_module(
        "bench.embedded_paths_ab", "--base", str(base), "--file", str(network),
        "--data-dir", str(data_dir), "--pairs", "2", "--hops", "4",
    )  # fmt: skip
    assert done.returncode != 0
    assert "the answers differ" in done.stderr

"""A/B of the embedded path search: two versions of `service/pathsearch.py`, one open store.

Loads the base checkout's `service/pathsearch.py` as a module beside this checkout's, opens
this checkout's `EmbeddedStore` read-only on a data directory that already holds the network
(the one `bench.scale` loads, for instance), and asks each pair with each version twice per
round, in the order base, new, new, base. Both versions see the same machine phase, the same
graph and the same warm caches, so their ratio holds on a machine whose speed drifts within
minutes. Both search the graph this checkout builds (the base's `RatingGraph` is replaced by
this one's): this compares the searches, not the stores. A pair whose answers (people and
score of each path) differ fails the run. No HTTP: `bench.scale` measures the service.

    git worktree add /tmp/tiegraph-base <revision>
    .venv/bin/python -m bench.embedded_paths_ab --base /tmp/tiegraph-base \\
        --file /tmp/tiegraph-L/tier-L-seed1.jsonl --data-dir /tmp/tiegraph-L/embedded --hops 3,4
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import scale
from bench.network import STRATA, pick_pairs, read_meta, read_network
from service import pathsearch
from service.domain import Role, Viewer, validate_path_query
from service.scoring import ScoringTable
from service.store.embedded import EmbeddedStore

DEFAULT_STRATA = ",".join(STRATA)
_ORDER = ("base", "new", "new", "base")  # per pair and round


def base_search(checkout: Path) -> ModuleType:
    """The base checkout's `service/pathsearch.py`, searching this checkout's graph type."""
    spec = importlib.util.spec_from_file_location(
        "pathsearch_base", checkout / "service" / "pathsearch.py"
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"{checkout}: no service/pathsearch.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    module.RatingGraph = pathsearch.RatingGraph  # type: ignore[attr-defined]
    return module


def _answer(paths: Sequence[Any]) -> list[tuple[tuple[str, ...], float]]:
    return sorted((tuple(path.people), round(path.score, 12)) for path in paths)


async def measure(
    base: ModuleType, data_dir: Path, chosen: dict[str, list[Any]], hops: list[int], rounds: int
) -> list[dict[str, Any]]:
    """Milliseconds per version, per (maxHops, stratum); raises on a differing answer."""
    versions = {"base": base, "new": pathsearch}
    viewer, table = Viewer("bench-admin", Role.ADMIN), ScoringTable.default()
    store = EmbeddedStore(data_dir, read_only=True)
    await store.open()
    rows: list[dict[str, Any]] = []
    try:
        graph = store._graph  # the store's in-memory graph, which both versions search
        for max_hops in hops:
            for stratum, pairs in chosen.items():
                millis: dict[str, list[float]] = {"base": [], "new": []}
                for pair in pairs:
                    query = validate_path_query(
                        source=pair.source, target=pair.target, max_hops=max_hops, first=10,
                        max_strength=5, avoid=(),
                    )  # fmt: skip
                    answers = {}
                    for _ in range(rounds):
                        for version in _ORDER:
                            started = time.perf_counter()
                            paths = versions[version].find_paths(graph, query, viewer, table)
                            millis[version].append((time.perf_counter() - started) * 1000)
                            answers[version] = _answer(paths)
                    if answers["base"] != answers["new"]:
                        raise SystemExit(
                            f"maxHops {max_hops}, {pair.source} -> {pair.target}: the answers "
                            f"differ\nbase: {answers['base'][:3]}\nnew:  {answers['new'][:3]}"
                        )
                rows.append({"hops": max_hops, "stratum": stratum, **millis})
    finally:
        await store.close()
    return rows


def _cell(millis: list[float]) -> str:
    p90 = scale.percentile(millis, 0.9)
    return f"{statistics.median(millis):.1f} / {p90:.1f} / {max(millis):.1f}"


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| maxHops | stratum | n | base p50 / p90 / max ms | new p50 / p90 / max ms "
        "| new / base (sum) |",
        "|---:|---|---:|---|---|---:|",
    ]
    for row in rows:
        base, new = row["base"], row["new"]
        ratio = sum(new) / sum(base) if sum(base) > 0 else float("nan")
        lines.append(
            f"| {row['hops']} | {row['stratum']} | {len(new)} | {_cell(base)} | {_cell(new)} "
            f"| {ratio:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--file", type=Path, required=True, help="the network's JSON Lines")
    parser.add_argument("--data-dir", type=Path, required=True, help="an embedded store of it")
    parser.add_argument("--pairs", type=int, default=25, help="pairs per stratum")
    parser.add_argument("--rounds", type=int, default=1, help="base, new, new, base per round")
    parser.add_argument("--hops", default="4", help="comma-separated maxHops, e.g. 3,4")
    parser.add_argument("--strata", default=DEFAULT_STRATA)
    args = parser.parse_args(argv)
    network = read_network(args.file)
    picked = pick_pairs(network, read_meta(args.file), args.pairs)
    chosen = {stratum: picked[stratum] for stratum in args.strata.split(",")}
    hops = [int(h) for h in args.hops.split(",")]
    rows = asyncio.run(measure(base_search(args.base), args.data_dir, chosen, hops, args.rounds))
    print(render(rows))
    print("\nanswers: the same for every pair")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""A/B of the Neo4j path search: two checkouts of tiegraph ask the same questions, in turns.

Each round runs one process per checkout, base first, then the new one; each process opens
its checkout's `Neo4jStore` against the Neo4j at ``TIEGRAPH_NEO4J_URI`` (which already holds
the network: nothing is written), asks two warm-up questions, then the chosen strata's pairs
in-process (no HTTP: this compares the search, `bench.scale` measures the service). The two
versions see the same machine, the same warm page cache and the same pairs, so their ratio
holds even on a machine whose speed drifts. Every answer is hashed (people and score of each
path): a checkout whose answers differ from the base's fails the run.

    git worktree add /tmp/tiegraph-base <revision>
    set -a; . .neo4j/L.env; set +a
    .venv/bin/python -m bench.paths_ab --base /tmp/tiegraph-base \\
        --file /tmp/tiegraph-L/tier-L-seed1.jsonl --pairs 10 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STRATA = "distance 2,distance 3,distance 4,from hub,to hub"


async def measure(
    file: Path, strata: list[str], pairs: int, hops: list[int], as_source: bool = False
) -> dict[str, Any]:
    """Run by the child, inside the checkout under test (its `service` and `bench`). Each
    question is asked by an admin, or with `as_source` by its source as a user."""
    from bench.network import pick_pairs, read_meta, read_network
    from bench.scale import open_store
    from service import introductions
    from service.domain import Role, Viewer
    from service.scoring import ScoringTable

    network = read_network(file)
    chosen = pick_pairs(network, read_meta(file), pairs)
    store = open_store("neo4j", dict(os.environ), None)
    await store.open()
    table = ScoringTable.default()
    digest = hashlib.sha256()
    rows: list[dict[str, Any]] = []

    async def ask(source: str, target: str, max_hops: int) -> list[Any]:
        viewer = Viewer(source, Role.USER) if as_source else Viewer("admin", Role.ADMIN)
        return await introductions.warm_paths(
            store, viewer, table, from_id=source, target=target, max_hops=max_hops, first=10
        )

    try:
        for pair in chosen[strata[0]][:2]:  # warm-up, not counted
            await ask(pair.source, pair.target, max(hops))
        for max_hops in hops:
            for stratum in strata:
                millis: list[float] = []
                cpu = time.process_time()
                for pair in chosen[stratum][:pairs]:
                    started = time.perf_counter()
                    paths = await ask(pair.source, pair.target, max_hops)
                    millis.append((time.perf_counter() - started) * 1000)
                    digest.update(repr([(p.people, round(p.score, 12)) for p in paths]).encode())
                cpu_ms = (time.process_time() - cpu) * 1000 / max(len(millis), 1)
                rows.append(
                    {"hops": max_hops, "stratum": stratum, "millis": millis, "cpu_ms": cpu_ms}
                )
    finally:
        await store.close()
    return {"hash": digest.hexdigest(), "rows": rows}


def run_child(checkout: Path, args: argparse.Namespace) -> dict[str, Any]:
    """This file run as a script with ``--child``: the checkout goes first on its path, so
    the `service` measured is the checkout's, even when the checkout has no paths_ab."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(checkout), "--file", str(args.file),
         "--strata", args.strata, "--pairs", str(args.pairs), "--hops", args.hops,
         "--base", str(args.base), "--viewer", args.viewer],
        cwd=checkout, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: failed\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cell(millis: list[float]) -> str:
    return f"{statistics.median(millis):.1f} / {statistics.mean(millis):.1f} / {max(millis):.1f}"


def render(results: dict[str, list[dict[str, Any]]]) -> str:
    """One row per (hops, stratum): each version's p50, mean and max over all rounds."""
    merged: dict[str, dict[tuple[int, str], list[float]]] = {}
    cpu: dict[str, dict[tuple[int, str], list[float]]] = {}
    for version, runs in results.items():
        merged[version], cpu[version] = defaultdict(list), defaultdict(list)
        for run in runs:
            for row in run["rows"]:
                key = (row["hops"], row["stratum"])
                merged[version][key].extend(row["millis"])
                cpu[version][key].append(row["cpu_ms"])
    lines = [
        "| maxHops | stratum | n | base p50 / mean / max ms | new p50 / mean / max ms "
        "| new / base (mean) | CPU ms per question, base / new |",
        "|---:|---|---:|---|---|---:|---|",
    ]
    for key in merged["base"]:
        base, new = merged["base"][key], merged["new"][key]
        ratio = statistics.mean(new) / statistics.mean(base)
        cpus = f"{statistics.mean(cpu['base'][key]):.1f} / {statistics.mean(cpu['new'][key]):.1f}"
        lines.append(
            f"| {key[0]} | {key[1]} | {len(new)} | {_cell(base)} | {_cell(new)} | {ratio:.2f}x "
            f"| {cpus} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--new", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--file", type=Path, required=True, help="the network Neo4j holds")
    parser.add_argument("--pairs", type=int, default=10, help="pairs per stratum")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hops", default="4", help="comma-separated maxHops, e.g. 3,4")
    parser.add_argument("--strata", default=DEFAULT_STRATA)
    parser.add_argument(
        "--viewer",
        choices=["admin", "source"],
        default="admin",
        help="who asks: an admin, or each pair's source as a user (visibility applies)",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        sys.path[0] = str(args.child)
        hops = [int(h) for h in args.hops.split(",")]
        as_source = args.viewer == "source"
        result = asyncio.run(
            measure(args.file, args.strata.split(","), args.pairs, hops, as_source)
        )
        print(json.dumps(result))
        return
    results: dict[str, list[dict[str, Any]]] = {"base": [], "new": []}
    for round_number in range(1, args.rounds + 1):
        for version, checkout in (("base", args.base), ("new", args.new)):
            print(f"round {round_number}: {version} ({checkout})", file=sys.stderr, flush=True)
            results[version].append(run_child(checkout.resolve(), args))
    hashes = {run["hash"] for runs in results.values() for run in runs}
    print(render(results))
    print(f"\nanswers: {'the same in every run' if len(hashes) == 1 else 'DIFFERENT'}")
    if len(hashes) != 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

"""Benchmark: warm-introduction queries on the real Bitcoin OTC graph, per store.

    .venv/bin/python -m bench.warm_paths [--store embedded|neo4j|all] [--queries 200]

Loads the graph (5.5k people, 32k ratings) into each store, asks `warmPaths` (3 and 4 hops)
and `introducers` for the same random pairs, and prints latency percentiles next to a baseline
measured in the same run: brute force over networkx (every simple path up to the hop limit,
scored and sorted), which is what a naive implementation does. Neo4j needs TIEGRAPH_NEO4J_*.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path

import networkx as nx

from bench.otc import OtcRating, read_ratings
from service import contacts, introductions
from service.domain import Viewer
from service.scoring import ScoringTable
from service.store.base import Store

BATCH = 5000
TABLE = ScoringTable.default()
ADMIN = Viewer.dev()


async def load(store: Store, ratings: Sequence[OtcRating]) -> None:
    ids = sorted({r.source for r in ratings} | {r.target for r in ratings})
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        await contacts.upsert_people(
            store, ADMIN, [contacts.PersonFields(id=pid, name=pid) for pid in chunk]
        )
    for i in range(0, len(ratings), BATCH):
        chunk = ratings[i : i + BATCH]
        await contacts.rate_connections(
            store,
            ADMIN,
            [
                contacts.RatingFields(from_id=r.source, to_id=r.target, strength=r.strength)
                for r in chunk
            ],
        )


def brute_force(
    graph: nx.Graph, source: str, target: str, max_hops: int, first: int
) -> list[float]:
    """The naive baseline: every simple path, scored, sorted (all ratings visible)."""
    scores = []
    for path in nx.all_simple_paths(graph, source, target, cutoff=max_hops):
        scores.append(
            TABLE.score(graph.edges[u, v]["strength"] for u, v in zip(path, path[1:], strict=False))
        )
    return sorted(scores, reverse=True)[:first]


def undirected_rule_graph(ratings: Sequence[OtcRating]) -> nx.Graph:
    """Steps with the traversal rule applied for an admin (forward rating wins per direction);
    for the baseline only its strengths per direction matter, so keep the min-hop structure."""
    g = nx.Graph()
    for r in ratings:
        if not g.has_edge(r.source, r.target):
            g.add_edge(r.source, r.target, strength=r.strength)
    return g


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return p50 * 1000, p95 * 1000, statistics.fmean(ordered) * 1000


async def timed(call: Awaitable[object]) -> float:
    start = time.perf_counter()
    await call
    return time.perf_counter() - start


def pick_pairs(ratings: Sequence[OtcRating], count: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    active = sorted({r.source for r in ratings})
    pairs = []
    while len(pairs) < count:
        a, b = rng.sample(active, 2)
        pairs.append((a, b))
    return pairs


async def open_store(kind: str, tmp: Path) -> Store:
    if kind == "embedded":
        from service.store.embedded import EmbeddedStore

        store: Store = EmbeddedStore(tmp / "embedded")
    else:
        from service.store.neo4j import Neo4jStore

        store = Neo4jStore(
            os.environ["TIEGRAPH_NEO4J_URI"],
            os.environ.get("TIEGRAPH_NEO4J_USER"),
            os.environ.get("TIEGRAPH_NEO4J_PASSWORD"),
            os.environ.get("TIEGRAPH_NEO4J_DATABASE", "neo4j"),
        )
    await store.open()
    return store


async def run(kinds: list[str], queries: int, baseline_queries: int) -> None:
    ratings = list(read_ratings())
    pairs = pick_pairs(ratings, queries)
    graph = undirected_rule_graph(ratings)
    print(f"graph: {graph.number_of_nodes()} people, {len(ratings)} ratings; {queries} pairs")
    rows: list[tuple[str, str, float, float, float]] = []

    for hops in (3, 4):
        samples = []
        for a, b in pairs[:baseline_queries]:
            start = time.perf_counter()
            brute_force(graph, a, b, hops, 5)
            samples.append(time.perf_counter() - start)
        rows.append(("baseline (brute force)", f"warmPaths {hops} hops", *percentiles(samples)))

    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            store = await open_store(kind, Path(tmp))
            try:
                start = time.perf_counter()
                await load(store, ratings)
                print(f"{kind}: loaded in {time.perf_counter() - start:.1f}s")
                for hops in (3, 4):
                    samples = [
                        await timed(
                            introductions.warm_paths(
                                store, ADMIN, TABLE, from_id=a, target=b, max_hops=hops, first=5
                            )
                        )
                        for a, b in pairs
                    ]
                    rows.append((kind, f"warmPaths {hops} hops", *percentiles(samples)))
                samples = [
                    await timed(
                        introductions.introducers(
                            store, ADMIN, TABLE, from_id=a, target=b, first=10
                        )
                    )
                    for a, b in pairs
                ]
                rows.append((kind, "introducers", *percentiles(samples)))
            finally:
                await store.close()

    baseline = {q: mean for who, q, _, _, mean in rows if who.startswith("baseline")}
    print()
    print("| store | query | p50 ms | p95 ms | mean ms | baseline mean / mean |")
    print("|---|---|---:|---:|---:|---:|")
    for who, query, p50, p95, mean in rows:
        ratio = f"{baseline[query] / mean:.1f}x" if query in baseline else "-"
        print(f"| {who} | {query} | {p50:.2f} | {p95:.2f} | {mean:.2f} | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["embedded", "neo4j", "all"], default="all")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--baseline-queries", type=int, default=30)
    args = parser.parse_args()
    kinds = ["embedded", "neo4j"] if args.store == "all" else [args.store]
    asyncio.run(run(kinds, args.queries, args.baseline_queries))


if __name__ == "__main__":
    main()

"""PROFILE of the hot Neo4j statements, with the parameters a real question sends them.

Runs `warm_paths` (maxHops 4, first 10) and `introducers` in-process on a Neo4j that already
holds a generated network (`bench.scale` leaves one in its work dir), records every statement
the search runs with its parameters, then runs each recorded statement again under PROFILE
and sums what Neo4j reports: rows, db hits, and the operator with the most db hits.

    scripts/neo4j-local start --data-dir /tmp/tiegraph-scale/neo4j --port 7699 > /tmp/n.env
    set -a; . /tmp/n.env; set +a
    .venv/bin/python -m bench.profile_queries --file /tmp/tiegraph-scale/tier-M-seed1.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction

from bench.network import STRATA, pick_pairs, read_meta, read_network
from graph_schema import queries as cypher
from service import introductions
from service.domain import Role, Viewer
from service.scoring import ScoringTable
from service.store.neo4j import Neo4jStore

ADMIN = Viewer("admin", Role.ADMIN)


def statement_names() -> dict[str, str]:
    """Statement text -> its name in `graph_schema.queries`."""
    names = {text: name for name, text in vars(cypher).items() if isinstance(text, str)}
    for (strongest, weakest, inward), text in cypher.LAYERS.items():
        side = "inward" if inward else "outward"
        names[text] = f"LAYERS[{strongest}..{weakest}, {side}]"
    for (weakest, inward), text in cypher.JOINS.items():
        side = "inward" if inward else "outward"
        names[text] = f"JOINS[1..{weakest}, {side}]"
    return names


@dataclass
class Totals:
    runs: int = 0
    rows: int = 0
    db_hits: int = 0
    millis: float = 0.0
    operators: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def operators(plan: Any) -> Iterator[tuple[str, int, int]]:
    """(operator, db hits, rows) of every operator in a profiled plan."""
    yield plan["operatorType"].split("@")[0], plan.get("dbHits", 0), plan.get("rows", 0)
    for child in plan.get("children", []):
        yield from operators(child)


async def record_statements(
    store: Neo4jStore, pairs: list[tuple[str, str, str]]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(stratum, statement, parameters) of every statement the searches ran."""
    seen: list[tuple[str, str, dict[str, Any]]] = []
    stratum = [""]
    original = AsyncManagedTransaction.run

    def spy(tx: Any, query: Any, parameters: Any = None, **kwargs: Any) -> Any:
        seen.append((stratum[0], str(query), {**(parameters or {}), **kwargs}))
        return original(tx, query, parameters, **kwargs)

    AsyncManagedTransaction.run = spy  # type: ignore[method-assign]
    try:
        table = ScoringTable.default()
        for name, source, target in pairs:
            stratum[0] = name
            await introductions.warm_paths(
                store, ADMIN, table, from_id=source, target=target, max_hops=4, first=10
            )
            await introductions.introducers(store, ADMIN, table, from_id=source, target=target)
    finally:
        AsyncManagedTransaction.run = original  # type: ignore[method-assign]
    return seen


async def profile(
    store: Neo4jStore, recorded: list[tuple[str, str, dict[str, Any]]]
) -> dict[tuple[str, str], Totals]:
    names = statement_names()
    totals: dict[tuple[str, str], Totals] = defaultdict(Totals)

    async def profile_each(driver: AsyncDriver) -> None:
        async with driver.session(database=store.database) as session:
            for stratum, query, params in recorded:
                started = time.perf_counter()
                result = await session.run("PROFILE " + query, params)
                summary = await result.consume()
                total = totals[(stratum, names.get(query, "(other)"))]
                total.runs += 1
                total.millis += (time.perf_counter() - started) * 1000
                for operator, hits, rows in operators(summary.profile):
                    total.db_hits += hits
                    total.operators[operator] += hits
                    if operator == "ProduceResults":
                        total.rows += rows

    await store.with_driver(profile_each)
    return totals


def render(totals: dict[tuple[str, str], Totals], pairs_per_stratum: int) -> str:
    lines = [
        f"Per question (mean over {pairs_per_stratum} pairs per stratum; warmPaths maxHops 4 "
        "and introducers, admin viewer):",
        "",
        "| stratum | statement | runs | db hits | ms (profiled) | most db hits in |",
        "|---|---|---:|---:|---:|---|",
    ]
    for (stratum, name), t in sorted(totals.items(), key=lambda kv: (kv[0][0], -kv[1].db_hits)):
        top = max(t.operators.items(), key=lambda kv: kv[1], default=("-", 0))
        lines.append(
            f"| {stratum} | {name} | {t.runs / pairs_per_stratum:.1f} | "
            f"{t.db_hits / pairs_per_stratum:,.0f} | {t.millis / pairs_per_stratum:.1f} | "
            f"{top[0]} ({top[1] / max(t.db_hits, 1):.0%}) |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    net = read_network(args.file)
    chosen = pick_pairs(net, read_meta(args.file), args.pairs)
    pairs = [(s, p.source, p.target) for s in STRATA for p in chosen[s]]
    store = Neo4jStore(
        uri=os.environ["TIEGRAPH_NEO4J_URI"],
        user=os.environ.get("TIEGRAPH_NEO4J_USER") or None,
        password=os.environ.get("TIEGRAPH_NEO4J_PASSWORD") or None,
        database=os.environ.get("TIEGRAPH_NEO4J_DATABASE") or "neo4j",
        query_budget=60.0,
    )
    await store.open()
    try:
        await record_statements(store, pairs)  # warm: plans and caches
        recorded = await record_statements(store, pairs)
        print(render(await profile(store, recorded), args.pairs))
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, required=True, help="the network's JSON Lines")
    parser.add_argument("--pairs", type=int, default=5, help="pairs per stratum")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

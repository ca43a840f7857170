"""A 30,000-connection LinkedIn import into Neo4j, in-process: time per statement and memory.

    python -m bench.linkedin_import_neo4j [--rows 30000] [--repeat 1] [--invitations 0]

Uses the Neo4j of TIEGRAPH_NEO4J_* (wiped first: it must be disposable). Each repetition
empties it, adds the owner, then runs `imports.import_linkedin` on a synthetic export
(`bench.linkedin_import.connections_csv`) twice: into the empty store, and the same file again
(everything kept). Prints the wall time of each import, the time of each statement of the one
transaction (from its `run` to the next), and the largest transaction memory Neo4j reported
for it meanwhile (`SHOW TRANSACTIONS`, sampled every 50 ms from a second connection: a lower
bound of the peak).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import AsyncManagedTransaction, GraphDatabase

from bench.linkedin_import import connections_csv
from bench.scale import WIPE
from graph_schema import queries as cypher
from service import imports
from service.domain import Role, Viewer
from service.imports import CsvText, ImportOptions
from service.store import neo4j as neo4j_store
from service.store.neo4j import Neo4jStore

ADMIN = Viewer("root", Role.ADMIN)
MEMORY = (
    "SHOW TRANSACTIONS YIELD transactionId, currentQuery, estimatedUsedHeapMemory "
    "WHERE NOT currentQuery STARTS WITH 'SHOW' "
    "RETURN max(estimatedUsedHeapMemory) AS used"
)


def _settings() -> dict[str, Any]:
    user = os.environ.get("TIEGRAPH_NEO4J_USER")
    return {
        "uri": os.environ["TIEGRAPH_NEO4J_URI"],
        "auth": (user, os.environ.get("TIEGRAPH_NEO4J_PASSWORD", "")) if user else None,
        "database": os.environ.get("TIEGRAPH_NEO4J_DATABASE") or "neo4j",
    }


class MemoryPeak:
    """The largest `estimatedUsedHeapMemory` of any other transaction, sampled in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        s = _settings()
        with GraphDatabase.driver(s["uri"], auth=s["auth"]) as driver:
            while not self._stop.is_set():
                with driver.session(database="system") as session:
                    record = session.run(MEMORY).single()
                    used = record["used"] if record else None
                self.peak = max(self.peak, int(used or 0))
                self._stop.wait(0.05)

    def __enter__(self) -> MemoryPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


_NAMES = {value: name for name, value in vars(cypher).items() if isinstance(value, str)}


@contextmanager
def statement_times() -> Iterator[dict[str, list[float]]]:
    """Seconds per statement name of every `tx.run` meanwhile: run -> next run, and of the
    import's commit (from the end of its unit of work to the answer)."""
    times: dict[str, list[float]] = defaultdict(list)
    original = AsyncManagedTransaction.run
    last: list[Any] = []

    def close() -> None:
        if last:
            name, started = last.pop()
            times[name].append(time.perf_counter() - started)

    async def run(self: AsyncManagedTransaction, query: Any, *args: Any, **kw: Any) -> Any:
        close()
        last.append((_NAMES.get(query, query.strip().splitlines()[0][:40]), time.perf_counter()))
        return await original(self, query, *args, **kw)

    unit = neo4j_store._import_network

    async def work(tx: AsyncManagedTransaction, *args: Any) -> Any:
        counts = await unit(tx, *args)
        close()  # the rest is the commit
        last.append(("(commit)", time.perf_counter()))
        return counts

    AsyncManagedTransaction.run = run  # type: ignore[method-assign]
    neo4j_store._import_network = work
    try:
        yield times
    finally:
        close()
        AsyncManagedTransaction.run = original  # type: ignore[method-assign]
        neo4j_store._import_network = unit


def invitations_csv(rows: int) -> str:
    lines = ["From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(rows):
        at = (start + timedelta(minutes=i)).strftime("%m/%d/%y, %I:%M %p")
        url = f"https://www.linkedin.com/in/inviter-{i}/"
        lines.append(f'Inviter {i},Me,"{at}",Hello {i},INCOMING,{url},\n')
    return "".join(lines)


async def one_import(
    store: Neo4jStore, csv: CsvText, invitations: CsvText | None
) -> tuple[float, imports.ImportReport, dict[str, list[float]], int]:
    with MemoryPeak() as memory, statement_times() as times:
        started = time.perf_counter()
        report = await imports.import_linkedin(
            store, ADMIN, ImportOptions(owner="me"), csv, invitations
        )
        seconds = time.perf_counter() - started
    return seconds, report, dict(times), memory.peak


async def main_async(rows: int, repeat: int, invitations: int) -> None:
    s = _settings()
    text = connections_csv(rows)
    csv = CsvText("Connections.csv", text, "PATH")
    invites = None
    if invitations:
        invites = CsvText("Invitations.csv", invitations_csv(invitations), "PATH")
    store = Neo4jStore(s["uri"], s["auth"][0] if s["auth"] else None,
                       s["auth"][1] if s["auth"] else None, s["database"],
                       query_budget=600.0)  # fmt: skip
    await store.open()
    try:
        for attempt in range(1, repeat + 1):
            with GraphDatabase.driver(s["uri"], auth=s["auth"]) as driver:
                with driver.session(database=s["database"]) as session:
                    for statement in WIPE:
                        session.run(statement).consume()
                    session.run("MERGE (p:Person {id: 'me'}) SET p.name = 'Me', p.idSort = 'me'")
            for label in ("empty store", "same file again"):
                seconds, report, times, peak = await one_import(store, csv, invites)
                print(
                    f"#{attempt} {label:16} {seconds:6.2f} s  tx memory >= {peak / 2**20:6.1f} MiB"
                    f"  created {report.people_created} people, {report.ratings_created} "
                    f"ratings, {report.requests_created} requests; kept {report.ratings_kept}"
                )
                for name, spent in sorted(times.items(), key=lambda kv: -sum(kv[1])):
                    print(f"      {name:28} {sum(spent):6.2f} s  ({len(spent)} statements)")
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--invitations", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main_async(args.rows, args.repeat, args.invitations))


if __name__ == "__main__":
    main()

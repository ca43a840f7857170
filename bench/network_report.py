"""Time `networkReport` and a request's triage on a loaded network (issue 9).

    python -m bench.generate --tier M --seed 1 --out /tmp/net.jsonl
    tiegraph load /tmp/net.jsonl --store embedded --data-dir /tmp/emb
    python -m bench.network_report /tmp/net.jsonl --store embedded --data-dir /tmp/emb

Owners: the `--hubs` people who gave the most ratings in the file, and `--typical` others (the
first ids in the file). Each report is read as its owner (a user viewer). Then, at the biggest
hub: file a request, read the first page of requests and triage each (and clean up).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from pathlib import Path

import orjson

from service import requesting
from service.domain import PersonFields, Role, Viewer
from service.settings import Settings
from service.store.base import Store
from service.store.factory import make_store


def owners(jsonl: Path, hubs: int, typical: int) -> tuple[list[str], list[str]]:
    given: Counter[str] = Counter()
    people: list[str] = []
    with jsonl.open("rb") as f:
        for line in f:
            record = orjson.loads(line)
            if record.get("kind") == "rating":
                given[record["from"]] += 1
            elif record.get("kind") == "person" and len(people) < typical:
                people.append(record["id"])
    return [p for p, _ in given.most_common(hubs)], people


async def _time_reports(store: Store, ids: list[str]) -> tuple[list[float], int, int]:
    times, connections, reach = [], 0, 0
    for owner in ids:
        start = time.perf_counter()
        report = await requesting.network_report(store, Viewer(owner, Role.USER), owner)
        times.append(time.perf_counter() - start)
        assert report is not None
        connections, reach = report.connections, report.warm_reach
    return times, connections, reach


async def run(store: Store, hubs: list[str], typical: list[str], label: str) -> None:
    await store.open()
    try:
        for kind, ids in (("hub", hubs), ("typical", typical)):
            times, connections, reach = await _time_reports(store, ids)
            print(
                f"| {label} | networkReport, {kind} owners | {len(ids)} | "
                f"{statistics.median(times) * 1000:,.0f} | {max(times) * 1000:,.0f} | "
                f"last: {connections:,} connections, warm reach {reach:,} |"
            )
        admin = Viewer("bench", Role.ADMIN)
        start = time.perf_counter()
        await requesting.receive_request(
            store, admin, PersonFields(id="bench-requester", name="Bench"), hubs[0], "Hello!"
        )
        page = await requesting.requests_page(store, admin, hubs[0])
        for request in page.items:
            await requesting.triage_of(store, admin, request)
        elapsed = (time.perf_counter() - start) * 1000
        print(f"| {label} | file + page + triage at the biggest hub | 1 | {elapsed:,.0f} | | |")
        await store.delete_person("bench-requester")
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("jsonl", type=Path, help="the file that was loaded (picks the owners)")
    parser.add_argument("--store", choices=["embedded", "neo4j"], default="embedded")
    parser.add_argument("--data-dir", type=Path, default=Path(".tiegraph"))
    parser.add_argument("--hubs", type=int, default=3)
    parser.add_argument("--typical", type=int, default=20)
    args = parser.parse_args()
    hubs, typical = owners(args.jsonl, args.hubs, args.typical)
    settings = Settings(store=args.store, data_dir=args.data_dir, dev=True)
    print("| store | what | owners | median ms | max ms | |")
    print("|---|---|---|---|---|---|")
    asyncio.run(run(make_store(settings), hubs, typical, args.store))


if __name__ == "__main__":
    main()

"""Writing a network through the GraphQL batch mutations, over HTTP as a client does.

Starts `tiegraph serve` on a fresh store (as `bench.scale` does), sends the network's people
through `upsertPeople` and then its ratings through `rateConnections`, in batches of up to
5,000 (the contract's limit), from `--clients` concurrent clients, and reports ratings per
second with the latency of a batch.

    .venv/bin/python -m bench.batch_write --tier M
    .venv/bin/python -m bench.batch_write --tier M --stores neo4j --clients 2 --ratings 100000
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench import scale

UPSERT = "mutation M($input: [PersonInput!]!) { upsertPeople(input: $input) { id } }"
RATE = "mutation M($input: [RatingInput!]!) { rateConnections(input: $input) { count } }"
RATING_FIELDS = ("groups", "context", "visibility", "since", "lastInteraction")


def records(path: Path, kind: str) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.pop("kind") == kind:
                yield record


def batches(items: Iterator[dict[str, Any]], size: int, limit: int | None) -> list[list[Any]]:
    out: list[list[Any]] = [[]]
    for n, item in enumerate(items):
        if limit is not None and n >= limit:
            break
        if len(out[-1]) == size:
            out.append([])
        out[-1].append(item)
    return [batch for batch in out if batch]


def rating_input(record: dict[str, Any]) -> dict[str, Any]:
    found = {"from": record["from"], "to": record["to"], "strength": record["strength"]}
    return found | {key: record[key] for key in RATING_FIELDS if key in record}


def send(service: scale.Service, query: str, work: list[list[Any]], clients: int) -> list[float]:
    """Every batch of `work`, `clients` at a time; the seconds each took."""
    taken: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client_loop() -> None:
        with service.client() as client:
            while True:
                with lock:
                    if not work or errors:
                        return
                    batch = work.pop(0)
                started = time.perf_counter()
                body = {"query": query, "variables": {"input": batch}}
                response = client.post("/graphql", json=body)
                seconds = time.perf_counter() - started
                answer = response.json()
                with lock:
                    if answer.get("errors"):
                        errors.append(json.dumps(answer["errors"])[:500])
                    taken.append(seconds)

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"a batch failed: {errors[0]}")
    return taken


def measure(
    store: str, env: dict[str, str], data_dir: Path | None, args: argparse.Namespace
) -> str:
    people = batches(records(args.file, "person"), args.batch, None)
    ratings = batches(
        (rating_input(r) for r in records(args.file, "rating")), args.batch, args.ratings
    )
    count = sum(len(b) for b in ratings)
    service = scale.Service(store, env, data_dir, args.work_dir / f"serve-{store}.log")
    try:
        service.wait_ready(args.ready_timeout)
        send(service, UPSERT, people, args.clients)
        started = time.perf_counter()
        taken = send(service, RATE, ratings, args.clients)
        seconds = time.perf_counter() - started
    finally:
        service.stop()
    taken.sort()
    scale.log(f"{store}: {count:,} ratings in {seconds:.1f}s ({count / seconds:,.0f}/s)")
    return (
        f"| {store} | {count:,} | {args.batch:,} | {args.clients} | {seconds:.1f} | "
        f"{count / seconds:,.0f} | {statistics.median(taken) * 1000:,.0f} | "
        f"{taken[-1] * 1000:,.0f} |"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=["S", "M", "L"], default="M")
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--ratings", type=int, default=None, help="send only the first N")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/tiegraph-batch"))
    parser.add_argument("--neo4j-port", type=int, default=7696)
    parser.add_argument("--ready-timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    # The network is the one `bench.scale` generates for the tier (cached in its work dir).
    scale_args = scale.parse_args(["--tier", args.tier, "--work-dir", str(args.work_dir)])
    args.file, label = scale.network_file(scale_args)
    rows = [
        f"Command: `python -m bench.batch_write {' '.join(sys.argv[1:])}` ({label})",
        "",
        "| store | ratings | batch | clients | seconds | ratings/s | batch p50 ms | batch max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    if "embedded" in args.stores:
        data_dir = args.work_dir / "embedded"
        shutil.rmtree(data_dir, ignore_errors=True)
        rows.append(measure("embedded", {}, data_dir, args))
    if "neo4j" in args.stores:
        neo4j = scale.Neo4jServer(args, args.tier)
        try:
            rows.append(measure("neo4j", neo4j.env, None, args))
        finally:
            neo4j.stop()
    print("\n".join(rows))


if __name__ == "__main__":
    main()

"""Mixed load on the real service over loopback HTTP (issue 11): N clients, reads and writes,
for a fixed time, on each store; throughput and latency percentiles by operation.

    python -m bench.load                      # both stores, 16 clients, 60 s each
    python -m bench.load --store embedded --clients 4 --seconds 5

Each store gets a fresh service process (`python -m service serve --dev` on a free loopback
port; the embedded one in a temporary directory). Neo4j: the one TIEGRAPH_NEO4J_URI names,
or else one started here with scripts/neo4j-local in a temporary directory (and stopped).
The service is seeded with a small network (people in a ring of ratings plus a few hubs),
then every client loops over a weighted mix of operations. `/healthz` is one of them: the
baseline of the same run, what the HTTP stack alone costs under the same load.

An error is any transport failure, non-200 status or GraphQL error; the script exits 1 if
there was any.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]

PERSON = "query($id: ID!) { person(id: $id) { id name company } }"
PEOPLE = "query($s: String!) { people(search: $s, first: 10) { items { id name } } }"
WARM_PATHS = (
    "query($f: ID!, $t: ID!) { warmPaths(from: $f, target: $t, maxHops: 3, first: 3) "
    "{ score people { id } } }"
)
INTRODUCERS = (
    "query($f: ID!, $t: ID!) { introducers(from: $f, target: $t, first: 5) "
    "{ score person { id } } }"
)
UPSERT_PERSON = "mutation($input: PersonInput!) { upsertPerson(input: $input) { id } }"
RATE = "mutation($input: RatingInput!) { rateConnection(input: $input) { strength } }"
SEED_PEOPLE = "mutation($input: [PersonInput!]!) { upsertPeople(input: $input) { id } }"
SEED_RATINGS = "mutation($input: [RatingInput!]!) { rateConnections(input: $input) { count } }"

# Operation -> weight in the mix.
MIX: dict[str, int] = {
    "healthz": 10,
    "person": 25,
    "people search": 10,
    "warmPaths 3": 15,
    "introducers": 10,
    "upsertPerson": 15,
    "rateConnection": 15,
}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def record(self, op: str, seconds: float, error: str | None) -> None:
        self.latencies.setdefault(op, []).append(seconds)
        if error is not None:
            self.errors[op] = self.errors.get(op, 0) + 1
            if len(self.examples) < 5:
                self.examples.append(f"{op}: {error}")

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def forget_latencies_of(self, prefix: str) -> None:
        self.latencies = {op: v for op, v in self.latencies.items() if not op.startswith(prefix)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _parse_env(out: str) -> dict[str, str]:
    """`scripts/neo4j-local start`'s `export NAME=value` lines."""
    found = {}
    for line in out.splitlines():
        name, sep, value = line.removeprefix("export ").partition("=")
        if sep and name.startswith("TIEGRAPH_NEO4J_"):
            found[name] = shlex.split(value)[0] if value else ""
    return found


@contextmanager
def neo4j_env(work: Path) -> Iterator[dict[str, str]]:
    given = {k: v for k, v in os.environ.items() if k.startswith("TIEGRAPH_NEO4J_")}
    if given.get("TIEGRAPH_NEO4J_URI"):
        yield given
        return
    script, data = str(REPO / "scripts/neo4j-local"), str(work / "neo4j")
    env = {**os.environ, "TIEGRAPH_PYTHON": sys.executable}
    cmd = [script, "start", "--data-dir", data, "--port", str(_free_port())]
    print("$ " + shlex.join(cmd), file=sys.stderr)
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
    try:
        yield _parse_env(out)
    finally:
        subprocess.run([script, "stop", "--data-dir", data], env=env, check=False)


@contextmanager
def running_service(store: str, work: Path, env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    data_dir = work / f"data-{store}"
    cmd = [sys.executable, "-m", "service", "serve", "--dev", "--host", "127.0.0.1",
           "--port", str(port), "--store", store, "--data-dir", str(data_dir)]  # fmt: skip
    full_env = {**os.environ, **env, "PYTHONPATH": str(REPO), "TIEGRAPH_LOG_LEVEL": "WARNING"}
    log = (work / f"service-{store}.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the {store} service exited; see {log.name}")
            try:
                if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the {store} service was not ready in 120 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _gql_error(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    body = response.json()
    if body.get("errors"):
        return str(body["errors"])[:300]
    return None


async def seed(client: httpx.AsyncClient, people: int, prefix: str) -> list[str]:
    """`people` people in a ring (each rates the next two), 1 in 20 also a hub rated by 20."""
    ids = [f"{prefix}{i}" for i in range(people)]
    rng = random.Random(7)
    for start in range(0, people, 5000):
        batch = [
            {"id": i, "name": f"Person {i}", "company": "Acme"} for i in ids[start : start + 5000]
        ]
        response = await client.post(
            "/graphql", json={"query": SEED_PEOPLE, "variables": {"input": batch}}
        )
        assert _gql_error(response) is None, _gql_error(response)
    ratings = []
    for n, person in enumerate(ids):
        for step in (1, 2):
            ratings.append(
                {"from": person, "to": ids[(n + step) % people], "strength": 1 + (n + step) % 4}
            )
        if n % 20 == 0:
            for other in rng.sample(ids, min(20, people - 1)):
                if other != person:
                    ratings.append({"from": other, "to": person, "strength": rng.randint(1, 3)})
    unique = list({(r["from"], r["to"]): r for r in ratings}.values())
    for start in range(0, len(unique), 5000):
        body = {"query": SEED_RATINGS, "variables": {"input": unique[start : start + 5000]}}
        response = await client.post("/graphql", json=body)
        assert _gql_error(response) is None, _gql_error(response)
    return ids


async def one(
    client: httpx.AsyncClient, op: str, ids: list[str], rng: random.Random, n: int
) -> str | None:
    a, b = rng.choice(ids), rng.choice(ids)
    while b == a:
        b = rng.choice(ids)
    if op == "healthz":
        response = await client.get("/healthz")
        return None if response.status_code == 200 else f"HTTP {response.status_code}"
    query, variables = {
        "person": (PERSON, {"id": a}),
        "people search": (PEOPLE, {"s": a[: max(2, len(a) - 1)]}),
        "warmPaths 3": (WARM_PATHS, {"f": a, "t": b}),
        "introducers": (INTRODUCERS, {"f": a, "t": b}),
        "upsertPerson": (UPSERT_PERSON, {"input": {"id": a, "name": f"Person {a} v{n}"}}),
        "rateConnection": (RATE, {"input": {"from": a, "to": b, "strength": 1 + n % 5}}),
    }[op]
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    return _gql_error(response)


async def drive(base: str, clients: int, seconds: float, people: int, seed_value: int) -> Stats:
    stats = Stats()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        ids = await seed(client, people, prefix=f"l{seed_value}-")
        ops, weights = list(MIX), list(MIX.values())
        # Warm-up, not timed: every operation a few times (Neo4j plans each statement on
        # first use, which takes seconds on a cold server). Its errors count all the same.
        rng = random.Random(seed_value)
        for n, op in enumerate(ops * 3):
            try:
                error = await one(client, op, ids, rng, n)
            except httpx.HTTPError as e:
                error = repr(e)
            if error is not None:
                stats.record(f"warm-up {op}", 0.0, error)
        deadline = time.monotonic() + seconds

        async def worker(w: int) -> None:
            rng = random.Random(seed_value * 1000 + w)
            n = 0
            while time.monotonic() < deadline:
                # Each worker's first requests go once through every operation, so that even
                # a short run on a slow machine measures them all; then the weighted mix.
                op = ops[(w + n) % len(ops)] if n < len(ops) else rng.choices(ops, weights)[0]
                started = time.perf_counter()
                try:
                    error = await one(client, op, ids, rng, n)
                except httpx.HTTPError as e:
                    error = repr(e)
                stats.record(op, time.perf_counter() - started, error)
                n += 1

        await asyncio.gather(*(worker(w) for w in range(clients)))
    stats.forget_latencies_of("warm-up")
    return stats


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def report(store: str, stats: Stats, seconds: float) -> str:
    lines = [
        f"### {store}",
        "",
        "| operation | requests | per s | p50 ms | p90 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    everything: list[float] = []
    for op in MIX:
        found = sorted(stats.latencies.get(op, []))
        everything += found
        if not found:
            continue
        lines.append(
            f"| {op} | {len(found):,} | {len(found) / seconds:,.1f} | {_pct(found, 0.5):.1f} | "
            f"{_pct(found, 0.9):.1f} | {_pct(found, 0.99):.1f} | {found[-1] * 1000:.1f} | "
            f"{stats.errors.get(op, 0)} |"
        )
    everything.sort()
    lines.append(
        f"| **all** | {len(everything):,} | {len(everything) / seconds:,.1f} | "
        f"{_pct(everything, 0.5):.1f} | {_pct(everything, 0.9):.1f} | "
        f"{_pct(everything, 0.99):.1f} | {everything[-1] * 1000:.1f} | {stats.error_count} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["embedded", "neo4j", "both"], default="both")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--people", type=int, default=2000)
    args = parser.parse_args(argv)
    stores = ["embedded", "neo4j"] if args.store == "both" else [args.store]
    failed = False
    with tempfile.TemporaryDirectory(prefix="tiegraph-load-") as tmp:
        work = Path(tmp)
        for store in stores:
            with store_env(store, work) as env, running_service(store, work, env) as base:
                stats = asyncio.run(
                    drive(base, args.clients, args.seconds, args.people, int(time.time()))
                )
            print(
                report(f"{store}: {args.clients} clients, {args.seconds:g} s", stats, args.seconds)
            )
            print()
            if stats.error_count:
                failed = True
                print(
                    f"{store}: {stats.error_count} errors, e.g. {stats.examples}", file=sys.stderr
                )
    return 1 if failed else 0


@contextmanager
def store_env(store: str, work: Path) -> Iterator[dict[str, str]]:
    if store == "neo4j":
        with neo4j_env(work) as env:
            yield {**env, "TIEGRAPH_QUERY_BUDGET": os.environ.get("TIEGRAPH_QUERY_BUDGET", "60")}
    else:
        yield {}


if __name__ == "__main__":
    sys.exit(main())

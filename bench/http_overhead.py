"""What a request costs over HTTP beyond the work it asks for.

Starts the real service (`python -m service serve`, uvicorn, the embedded store in a temporary
directory or, with ``--store neo4j``, the Neo4j at ``TIEGRAPH_NEO4J_URI``; authentication on
with a bearer token), seeds six people (it writes them: give it a Neo4j of its own), then
sends sequential requests over one keep-alive connection with httpx, the three kinds taking
turns, and reports latency percentiles for

- ``GET /healthz``: the floor, everything but GraphQL (uvicorn, middlewares, routing);
- the trivial query ``{ person(id: "x") { id } }``;
- an ``introducers`` query on a small graph (about 0.1 ms of path search).

The ratio person/healthz is measured in the same run, so it holds on any machine.

    .venv/bin/python -m bench.http_overhead [--requests 2000] [--warmup 300] [--dev]
    set -a; . .neo4j/overhead.env; set +a  # scripts/neo4j-local start --data-dir ... --port ...
    .venv/bin/python -m bench.http_overhead --store neo4j
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx

from bench import scale
from service.api.auth import mint_token
from service.domain import Role
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-http-overhead-secret-0123456789abcdef"

PERSON = '{ person(id: "x") { id } }'
INTRODUCERS = (
    '{ introducers(from: "ana", target: "sam") '
    "{ person { id } toIntroducer { strength } toTarget { strength } score } }"
)
SEED = """
mutation {
  upsertPeople(input: [
    {id: "x", name: "X"}, {id: "ana", name: "Ana"}, {id: "ben", name: "Ben"},
    {id: "cy", name: "Cy"}, {id: "dee", name: "Dee"}, {id: "sam", name: "Sam"}
  ]) { id }
  rateConnections(input: [
    {from: "ana", to: "ben", strength: 1}, {from: "ben", to: "sam", strength: 2},
    {from: "ana", to: "cy", strength: 2}, {from: "cy", to: "sam", strength: 3},
    {from: "dee", to: "ana", strength: 3}, {from: "dee", to: "sam", strength: 1, visibility: PUBLIC}
  ]) { count }
}
"""


def start_service(data_dir: Path, port: int, dev: bool, store: str) -> subprocess.Popen[bytes]:
    """The service; on Neo4j with the caller's TIEGRAPH_NEO4J_* and no other TIEGRAPH_*."""
    neo4j = scale.callers_neo4j() if store == "neo4j" else {}
    env = scale.clean_env({**neo4j, "TIEGRAPH_JWT_SECRET": SECRET, "TIEGRAPH_LOG_LEVEL": "WARNING"})
    command = [sys.executable, "-m", "service", "serve", "--port", str(port), "--store", store]
    command += ["--data-dir", str(data_dir), *(["--dev"] if dev else [])]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_until_up(client: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited with {process.returncode}")
        try:
            if client.get("/readyz").status_code == 200:  # the store is open
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit("the service was not ready within 120 s")


def measure(
    sends: dict[str, Callable[[], httpx.Response]], requests: int, warmup: int
) -> dict[str, list[float]]:
    """Milliseconds per request, sequential; every answer must be a success.

    The kinds take turns (one of each per round), so a busy machine slows them all alike and
    the ratios stay meaningful even when the absolute figures are not.
    """
    timings: dict[str, list[float]] = {name: [] for name in sends}
    for round_ in range(warmup + requests):
        for name, send in sends.items():
            started = time.perf_counter_ns()
            response = send()
            elapsed = (time.perf_counter_ns() - started) / 1e6
            if response.status_code != 200 or b'"errors"' in response.content:
                raise SystemExit(f"unexpected answer: {response.status_code} {response.text[:300]}")
            if round_ >= warmup:
                timings[name].append(elapsed)
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--dev", action="store_true", help="no authentication (no token sent)")
    parser.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    args = parser.parse_args()
    if args.store == "neo4j" and not os.environ.get("TIEGRAPH_NEO4J_URI"):
        raise SystemExit("--store neo4j needs TIEGRAPH_NEO4J_URI (and its user and password)")

    settings = Settings(jwt_secret=SECRET, jwt_issuer=None, jwt_audience=None)
    token = mint_token(settings, sub="root", role=Role.ADMIN, ttl=timedelta(hours=2))
    headers = {} if args.dev else {"Authorization": f"Bearer {token}"}
    port = scale.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        process = start_service(Path(tmp) / "data", port, args.dev, args.store)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
                wait_until_up(client, process)
                seeded = client.post("/graphql", json={"query": SEED})
                assert "errors" not in seeded.json(), seeded.text

                def graphql(query: str) -> Callable[[], httpx.Response]:
                    return lambda: client.post("/graphql", json={"query": query})

                sends = {
                    "GET /healthz": lambda: client.get("/healthz"),
                    "person (trivial)": graphql(PERSON),
                    "introducers": graphql(INTRODUCERS),
                }
                runs = measure(sends, args.requests, args.warmup)
        finally:
            process.terminate()
            process.wait(timeout=10)

    mode = "--dev" if args.dev else "bearer token"
    print(
        f"{args.requests} sequential requests of each kind, taking turns, "
        f"after {args.warmup} warm-up rounds ({mode}, {args.store} store)"
    )
    print()
    print("| request | p50 ms | p90 ms | p99 ms | max ms | mean ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, timings in runs.items():
        cells = [percentile(timings, q) for q in (0.5, 0.9, 0.99)]
        cells += [max(timings), statistics.fmean(timings)]
        print(f"| {name} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    health = percentile(runs["GET /healthz"], 0.5)
    print()
    print(f"person / healthz p50: {percentile(runs['person (trivial)'], 0.5) / health:.2f}x")
    print(f"introducers / healthz p50: {percentile(runs['introducers'], 0.5) / health:.2f}x")


if __name__ == "__main__":
    main()

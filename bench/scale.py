"""Warm paths at scale: load a generated network into each store and measure the service
over HTTP as a client sees it, next to a naive Cypher baseline and an in-process reference.

    .venv/bin/python -m bench.scale --tier M --stores embedded,neo4j
    .venv/bin/python -m bench.scale --people 2000 --stores embedded --queries 10

Steps (every one timed or checked in the same run):

1. the network (`bench.generate`, cached in --work-dir) and its strata of (from, target) pairs:
   hop distance 2, 3, 4 over the undirected tie graph, from a hub, to a hub, unreachable;
2. `tiegraph load FILE --store embedded` into a fresh data dir; the embedded search called
   in-process on every pair (no HTTP): the latency reference and the expected answers;
3. per store: `tiegraph load` (ratings/s), `tiegraph serve` as a subprocess with a JWT secret
   and an admin token, then per (query kind, stratum) N sequential GraphQL requests over
   httpx; 8 clients of mixed warmPaths for throughput; /healthz latency while 8 clients run
   hub queries; the server's RSS. Every answer must equal the in-process one (people and
   order, scores within 1e-9), and at small sizes the brute force of
   tests/conformance/reference.py;
   with `--viewer source` every question is asked by its source, a user, so that visibility
   applies (the default is an admin, who sees every rating);
4. on Neo4j, the variable-length Cypher a Neo4j user writes first, run with the driver and a
   per-query timeout (a timed-out query counts at the cap).

Neo4j: TIEGRAPH_NEO4J_URI when set (the database is wiped first, unless --neo4j-loaded says it
already holds the network: then it is neither wiped nor loaded), else its own server via
scripts/neo4j-local in the work dir, with heap and page cache sized for the tier.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import generate
from bench.network import (
    STRATA,
    WARM_UP,
    Answer,
    Network,
    Pair,
    brute_force,
    describe,
    flatten,
    iter_records,
    pick_pairs,
    read_meta,
    read_network,
    same_answer,
)

REPO = Path(__file__).resolve().parents[1]
KINDS = ("introducers", "warmPaths 3", "warmPaths 4")
FIRST = 10
CLIENTS = 8
ADMIN_ID = "admin"
PROBABILITIES = (0.9, 0.7, 0.45, 0.2, 0.05)

# Per tier: queries per (kind, stratum), naive-Cypher queries per stratum, Neo4j memory.
TIER_DEFAULTS: dict[str, dict[str, Any]] = {
    "S": {"queries": 50, "baseline": 5, "heap": "1g", "pagecache": "1g"},
    "M": {"queries": 50, "baseline": 5, "heap": "2g", "pagecache": "1g"},
    "L": {"queries": 25, "baseline": 3, "heap": "4g", "pagecache": "4g"},
    "XL": {"queries": 20, "baseline": 2, "heap": "8g", "pagecache": "12g"},
}

INTRODUCERS = """query Q($from: ID!, $target: ID!) {
  introducers(from: $from, target: $target, first: 10) { person { id } score }
}"""
WARM_PATHS = """query Q($from: ID!, $target: ID!, $hops: Int!) {
  warmPaths(from: $from, target: $target, maxHops: $hops, first: 10) { people { id } score }
}"""

# What a Neo4j user writes first: every simple path up to 4 hops, scored, sorted.
NAIVE_CYPHER = (
    "MATCH p=(a:Person {{id:$s}})-[:{types}*1..{hops}]-(t:Person {{id:$t}}) "
    "WHERE all(n IN nodes(p) WHERE single(m IN nodes(p) WHERE m = n)) "
    "WITH p, reduce(s = 1.0, r IN relationships(p) | s * $prob[r.strength - 1]) AS score "
    "RETURN p ORDER BY score DESC LIMIT 10"
)
TYPES_PER_STRENGTH = "RATED_1|RATED_2|RATED_3|RATED_4|RATED_5"
# Relationships first: a DETACH DELETE of 10,000 people holding a hub deletes its 30,000
# relationships in the same transaction, past Neo4j's memory limit on a 2g heap (seen at M).
WIPE = (
    "MATCH (:Person)-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (n) WHERE n:Person OR n:`__Load` "
    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


# --- small helpers --------------------------------------------------------------------------


def viewer_id(pair: Pair, as_source: bool) -> str:
    """Who asks about `pair`: its source (a user) with `--viewer source`, else the admin."""
    return pair.source if as_source else ADMIN_ID


def user_headers(secret: str, person: str) -> dict[str, str]:
    """Request headers with a day's token for `person` as a user, signed with `secret`:
    minted here rather than by `tiegraph token`, which would be a process start per person."""
    from tiegraph.tokens import make_token

    token = make_token(secret, person, "user", timedelta(days=1))
    return {"authorization": f"Bearer {token}"}


def log(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty sample."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}" if seconds < 10 else f"{seconds * 1000:,.0f}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process from /proc (psutil is not a dependency)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    return f"{os.cpu_count()} CPUs ({cpu}), {mem} RAM, Python {platform.python_version()}"


def tiegraph_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "service", *args]


def callers_neo4j() -> dict[str, str]:
    """The caller's TIEGRAPH_NEO4J_* settings: where its Neo4j is and how to log in."""
    return {k: v for k, v in os.environ.items() if k.startswith("TIEGRAPH_NEO4J_")}


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for tiegraph subprocesses: no stray TIEGRAPH_* from the caller but
    Neo4j's address, so that every setting the run depends on is one this runner chose."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEGRAPH_")}
    env.update(extra or {})
    return env


# --- results ----------------------------------------------------------------------------------


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0
    timeouts: int = 0
    first_error: str | None = None

    def add(self, seconds: float, answer: Answer | None, error: str | None = None) -> None:
        self.seconds.append(seconds)
        if answer is None:
            self.errors += 1
            self.first_error = self.first_error or error
        elif not answer:
            self.empty += 1


@dataclass
class Throughput:
    """What CLIENTS clients got done in `seconds`: requests, and the failed ones by code."""

    requests: int = 0
    seconds: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def describe_failures(self) -> str:
        """'0', or e.g. '4 QUERY_TOO_COMPLEX, 1 SERVICE_UNAVAILABLE'."""
        return ", ".join(f"{n} {code}" for code, n in self.failures.most_common()) or "0"


@dataclass
class StoreRun:
    store: str
    load_seconds: float | None = None
    load_how: str = ""
    latency: dict[tuple[str, str], Samples] = field(default_factory=dict)
    answers: dict[tuple[str, str, str, str], Answer | None] = field(default_factory=dict)
    throughput: Throughput | None = None  # mixed warmPaths, 8 clients
    health: list[float] = field(default_factory=list)
    health_errors: int = 0
    rss: float | None = None
    mismatches: list[str] = field(default_factory=list)
    compared: int = 0


@dataclass
class Report:
    command: str
    network: str
    pairs: dict[str, list[Pair]]
    reference: StoreRun
    runs: list[StoreRun] = field(default_factory=list)
    baseline: dict[str, Samples] = field(default_factory=dict)
    baseline_note: str = ""
    baseline_cap: float = 30.0
    neo4j: str = ""
    brute: tuple[int, int, list[str]] = (0, 0, [])  # checked, skipped, mismatches
    notes: list[str] = field(default_factory=list)


# --- loading ----------------------------------------------------------------------------------


def cli_has_load() -> bool:
    probe = subprocess.run(
        tiegraph_cmd("load", "--help"), capture_output=True, text=True, env=clean_env()
    )
    return probe.returncode == 0


def load_with_cli(
    path: Path, store: str, env: dict[str, str], data_dir: Path | None, batch: int | None
) -> float:
    cmd = tiegraph_cmd("load", str(path), "--store", store)
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    if batch:
        cmd += ["--batch-size", str(batch)]
    log("$ " + shlex.join(cmd))
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"tiegraph load failed ({done.returncode}):\n{done.stdout[-3000:]}")
    return seconds


async def load_file(store: Any, path: Path, batch: int = 5000) -> None:
    """Every person then every rating of the file through the use-cases, as an admin.

    The stand-in for `tiegraph load` where it is not available (and for the smoke test).
    """
    from datetime import date

    from service import contacts
    from service.domain import PersonFields, RatingFields, Role, Viewer, Visibility

    admin = Viewer(ADMIN_ID, Role.ADMIN)

    def person(r: dict[str, Any]) -> PersonFields:
        return PersonFields(
            id=r["id"],
            name=r["name"],
            headline=r.get("headline"),
            company=r.get("company"),
            location=r.get("location"),
        )

    def day(r: dict[str, Any], key: str) -> date | None:
        return date.fromisoformat(r[key]) if key in r else None

    def rating(r: dict[str, Any]) -> RatingFields:
        return RatingFields(
            from_id=r["from"],
            to_id=r["to"],
            strength=r["strength"],
            groups=r.get("groups"),
            context=r.get("context"),
            visibility=Visibility(r.get("visibility", "CONNECTIONS")),
            since=day(r, "since"),
            last_interaction=day(r, "lastInteraction"),
        )

    people: list[PersonFields] = []
    ratings: list[RatingFields] = []
    for r in iter_records(path):
        if r["kind"] == "person":
            people.append(person(r))
            if len(people) == batch:
                await contacts.upsert_people(store, admin, people)
                people = []
        else:
            if people:
                await contacts.upsert_people(store, admin, people)
                people = []
            ratings.append(rating(r))
            if len(ratings) == batch:
                await contacts.rate_connections(store, admin, ratings)
                ratings = []
    if people:
        await contacts.upsert_people(store, admin, people)
    if ratings:
        await contacts.rate_connections(store, admin, ratings)


def load_in_process(path: Path, store: str, env: dict[str, str], data_dir: Path | None) -> float:
    async def go() -> None:
        s = open_store(store, env, data_dir)
        await s.open()
        try:
            await load_file(s, path)
        finally:
            await s.close()

    start = time.perf_counter()
    asyncio.run(go())
    return time.perf_counter() - start


def open_store(kind: str, env: dict[str, str], data_dir: Path | None) -> Any:
    if kind == "embedded":
        from service.store.embedded import EmbeddedStore

        assert data_dir is not None
        return EmbeddedStore(data_dir)
    from service.store.neo4j import Neo4jStore

    return Neo4jStore(
        uri=env["TIEGRAPH_NEO4J_URI"],
        user=env.get("TIEGRAPH_NEO4J_USER") or None,
        password=env.get("TIEGRAPH_NEO4J_PASSWORD") or None,
        database=env.get("TIEGRAPH_NEO4J_DATABASE") or "neo4j",
    )


def load(
    path: Path, store: str, env: dict[str, str], data_dir: Path | None, args: argparse.Namespace
) -> tuple[float, str]:
    if data_dir is not None and data_dir.exists():
        shutil.rmtree(data_dir)
    if args.loader == "cli" or (args.loader == "auto" and cli_has_load()):
        batch = f", --batch-size {args.batch_size}" if args.batch_size else ""
        return load_with_cli(path, store, env, data_dir, args.batch_size), f"tiegraph load{batch}"
    log(f"`tiegraph load` is not available: loading {store} through the use-cases")
    return load_in_process(path, store, env, data_dir), "use-cases in-process (no tiegraph load)"


# --- the in-process reference -----------------------------------------------------------------


def in_process_reference(
    data_dir: Path, pairs: Sequence[Pair], as_source: bool = False
) -> StoreRun:
    """The embedded store's search called directly (no HTTP): answers and latency."""
    from service import introductions
    from service.domain import Role, Viewer
    from service.scoring import ScoringTable
    from service.store.embedded import EmbeddedStore

    run = StoreRun("embedded in-process (reference)")
    role = Role.USER if as_source else Role.ADMIN
    table = ScoringTable.default()

    async def go() -> None:
        store = EmbeddedStore(data_dir)
        start = time.perf_counter()
        await store.open()
        log(f"reference: embedded store opened in {time.perf_counter() - start:.1f}s")
        try:
            for kind in KINDS:
                for pair in pairs:
                    viewer = Viewer(viewer_id(pair, as_source), role)
                    start = time.perf_counter()
                    answer: Answer
                    if kind == "introducers":
                        found = await introductions.introducers(
                            store, viewer, table, from_id=pair.source, target=pair.target,
                            first=FIRST,
                        )  # fmt: skip
                        answer = tuple(
                            ((pair.source, i.person_id, pair.target), i.score) for i in found
                        )
                    else:
                        paths = await introductions.warm_paths(
                            store, viewer, table, from_id=pair.source, target=pair.target,
                            max_hops=int(kind[-1]), first=FIRST,
                        )  # fmt: skip
                        answer = tuple((p.people, p.score) for p in paths)
                    elapsed = time.perf_counter() - start
                    record(run, kind, pair, elapsed, answer)
        finally:
            await store.close()

    asyncio.run(go())
    return run


def record(
    run: StoreRun,
    kind: str,
    pair: Pair,
    seconds: float,
    answer: Answer | None,
    error: str | None = None,
) -> None:
    run.answers[(kind, pair.stratum, pair.source, pair.target)] = answer
    if pair.stratum != WARM_UP:
        run.latency.setdefault((kind, pair.stratum), Samples()).add(seconds, answer, error)


# --- the service over HTTP ----------------------------------------------------------------------


class Service:
    """`tiegraph serve` as a subprocess on 127.0.0.1 with a fresh JWT secret."""

    def __init__(
        self,
        store: str,
        env: dict[str, str],
        data_dir: Path | None,
        log_file: Path,
        as_source: bool = False,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.as_source = as_source
        self.secret = secret = secrets.token_hex(32)
        extra = {"TIEGRAPH_JWT_SECRET": secret, "TIEGRAPH_LOG_LEVEL": "WARNING"}
        self.env = clean_env({**env, **extra})
        cmd = tiegraph_cmd("serve", "--host", "127.0.0.1", "--port", str(self.port))
        cmd += ["--store", store]
        if data_dir is not None:
            cmd += ["--data-dir", str(data_dir)]
        log("$ " + shlex.join(cmd))
        self._log = log_file.open("w")
        self.process = subprocess.Popen(
            cmd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        minted = subprocess.run(
            tiegraph_cmd("token", "--sub", ADMIN_ID, "--role", "admin", "--ttl", "1d"),
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.headers = {"authorization": f"Bearer {minted.stdout.strip()}"}
        self._user_headers: dict[str, dict[str, str]] = {}

    def auth(self, pair: Pair) -> dict[str, str]:
        """The headers of whoever asks about `pair` (`viewer_id`)."""
        if not self.as_source:
            return self.headers
        headers = self._user_headers.get(pair.source)
        if headers is None:
            headers = self._user_headers[pair.source] = user_headers(self.secret, pair.source)
        return headers

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tiegraph serve exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/readyz", timeout=5).status_code == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"tiegraph serve not ready after {timeout:.0f}s")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=120)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def ask(
    client: httpx.Client, kind: str, pair: Pair, headers: dict[str, str] | None = None
) -> tuple[float, Answer | None, str | None]:
    """One GraphQL request (with `headers`, else the client's); (seconds, answer or None on
    error, error text)."""
    variables: dict[str, Any] = {"from": pair.source, "target": pair.target}
    if kind == "introducers":
        body = {"query": INTRODUCERS, "variables": variables}
    else:
        body = {"query": WARM_PATHS, "variables": {**variables, "hops": int(kind[-1])}}
    start = time.perf_counter()
    try:
        response = client.post("/graphql", json=body, headers=headers)
        elapsed = time.perf_counter() - start
        data = response.json()
    except (httpx.HTTPError, ValueError) as e:
        return time.perf_counter() - start, None, f"{type(e).__name__}: {e}"
    if response.status_code != 200 or data.get("errors"):
        errors = data.get("errors") or [{"message": f"HTTP {response.status_code}"}]
        code = (errors[0].get("extensions") or {}).get("code", "")
        return elapsed, None, f"{code} {errors[0].get('message', '')}".strip()
    if kind == "introducers":
        answer = tuple(
            ((pair.source, i["person"]["id"], pair.target), i["score"])
            for i in data["data"]["introducers"]
        )
    else:
        answer = tuple(
            (tuple(p["id"] for p in w["people"]), w["score"]) for w in data["data"]["warmPaths"]
        )
    return elapsed, answer, None


def run_clients(
    service: Service, work: Callable[[int], tuple[str, Pair]], seconds: float
) -> Throughput:
    """CLIENTS threads, each with its own connection, asking `work(n)` until time is up."""
    stop = time.monotonic() + seconds
    result = Throughput()
    lock = threading.Lock()

    def client_loop(k: int) -> None:
        with service.client() as client:
            n = k
            while time.monotonic() < stop:
                kind, pair = work(n)
                _, answer, error = ask(client, kind, pair, service.auth(pair))
                with lock:
                    result.requests += 1
                    if answer is None:
                        result.failures[(error or "?").split(" ")[0]] += 1
                n += CLIENTS

    start = time.perf_counter()
    threads = [threading.Thread(target=client_loop, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - start
    return result


def measure_service(
    store: str,
    env: dict[str, str],
    data_dir: Path | None,
    pairs: dict[str, list[Pair]],
    run: StoreRun,
    args: argparse.Namespace,
) -> None:
    log_file = args.work_dir / f"serve-{store}.log"
    service = Service(store, env, data_dir, log_file, as_source=args.viewer == "source")
    try:
        start = time.perf_counter()
        service.wait_ready(args.ready_timeout)
        log(f"{store}: service ready in {time.perf_counter() - start:.1f}s on {service.url}")
        with service.client() as client:
            for kind in KINDS:
                for pair in pairs[WARM_UP]:
                    elapsed, answer, error = ask(client, kind, pair, service.auth(pair))
                    record(run, kind, pair, elapsed, answer, error)
                for stratum in STRATA:
                    for pair in pairs[stratum]:
                        elapsed, answer, error = ask(client, kind, pair, service.auth(pair))
                        record(run, kind, pair, elapsed, answer, error)
                    s = run.latency.get((kind, stratum))
                    if s and s.seconds:
                        log(
                            f"{store} {kind} {stratum}: p50 {ms(percentile(s.seconds, 0.5))} ms"
                            f" max {ms(max(s.seconds))} ms, {s.errors} errors"
                        )
        mixed = [(kind, p) for p in flatten(pairs) for kind in ("warmPaths 3", "warmPaths 4")] or [
            ("warmPaths 3", p) for p in pairs[WARM_UP]
        ]
        run.throughput = run_clients(service, lambda n: mixed[n % len(mixed)], args.seconds)
        log(f"{store}: {run.throughput.per_second:.1f} requests/s, 8 clients")
        hub_work = [("warmPaths 4", p) for p in pairs["from hub"] + pairs["to hub"]] or mixed
        probe = threading.Thread(target=probe_health, args=(service, run, args.seconds))
        probe.start()
        run_clients(service, lambda n: hub_work[n % len(hub_work)], args.seconds)
        probe.join()
        run.rss = rss_mib(service.process.pid)
    finally:
        service.stop()


def probe_health(service: Service, run: StoreRun, seconds: float) -> None:
    time.sleep(0.5)  # let the clients get going
    stop = time.monotonic() + seconds - 1
    with httpx.Client(base_url=service.url, timeout=30) as client:
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                ok = client.get("/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            run.health.append(time.perf_counter() - start)
            run.health_errors += not ok
            time.sleep(0.02)


def compare(run: StoreRun, expected: StoreRun) -> None:
    for key, answer in run.answers.items():
        want = expected.answers.get(key)
        if want is None:
            continue
        run.compared += 1
        if answer is None or not same_answer(answer, want):
            kind, _, source, target = key
            run.mismatches.append(
                f"{kind} {source} -> {target}: got {describe(answer)}, expected {describe(want)}"
            )


# --- Neo4j ------------------------------------------------------------------------------------


class Neo4jServer:
    """The Neo4j this run uses: the caller's (TIEGRAPH_NEO4J_URI) or one started here."""

    def __init__(self, args: argparse.Namespace, tier: str) -> None:
        self.started: Path | None = None
        if os.environ.get("TIEGRAPH_NEO4J_URI"):
            self.env = callers_neo4j()
            self.memory = "the caller's server (TIEGRAPH_NEO4J_URI)"
            if not getattr(args, "neo4j_loaded", False):
                self.wipe()
            return
        defaults = TIER_DEFAULTS.get(tier, TIER_DEFAULTS["L"])
        heap = os.environ.get("TIEGRAPH_NEO4J_HEAP", defaults["heap"])
        pagecache = os.environ.get("TIEGRAPH_NEO4J_PAGECACHE", defaults["pagecache"])
        data_dir = args.work_dir / "neo4j"
        self.stop_dir(data_dir)
        if data_dir.exists():
            shutil.rmtree(data_dir)  # a fresh database: nothing to wipe
        env = {
            **os.environ,
            "TIEGRAPH_PYTHON": sys.executable,
            "TIEGRAPH_NEO4J_HEAP": heap,
            "TIEGRAPH_NEO4J_PAGECACHE": pagecache,
            # Benchmarks measure the JVM's optimising compiler, not the test server's C1.
            "TIEGRAPH_NEO4J_COMPILER": os.environ.get("TIEGRAPH_NEO4J_COMPILER", "c2"),
        }
        cmd = [str(REPO / "scripts/neo4j-local"), "start", "--data-dir", str(data_dir)]
        cmd += ["--port", str(args.neo4j_port)]
        log("$ " + shlex.join(cmd) + f"  (heap {heap}, page cache {pagecache})")
        out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
        self.started = data_dir
        # Lines are `export NAME=value` (value single-quoted when it holds shell syntax).
        self.env = {
            name.removeprefix("export ").strip(): shlex.split(value)[0] if value else ""
            for name, _, value in (line.partition("=") for line in out.splitlines())
            if value or name.startswith("export ")
        }
        compiler = env["TIEGRAPH_NEO4J_COMPILER"].upper()
        self.memory = f"heap {heap}, page cache {pagecache}, {compiler} (scripts/neo4j-local)"

    @staticmethod
    def stop_dir(data_dir: Path) -> None:
        if data_dir.exists():
            subprocess.run(
                [str(REPO / "scripts/neo4j-local"), "stop", "--data-dir", str(data_dir)],
                stdout=subprocess.DEVNULL,
                check=False,
            )

    def driver(self) -> Any:
        from neo4j import GraphDatabase

        user = self.env.get("TIEGRAPH_NEO4J_USER")
        auth = (user, self.env.get("TIEGRAPH_NEO4J_PASSWORD", "")) if user else None
        return GraphDatabase.driver(self.env["TIEGRAPH_NEO4J_URI"], auth=auth)

    @property
    def database(self) -> str:
        return self.env.get("TIEGRAPH_NEO4J_DATABASE") or "neo4j"

    def wipe(self) -> None:
        log("neo4j: wiping people and load checkpoints")
        with self.driver() as driver, driver.session(database=self.database) as session:
            for statement in WIPE:
                session.run(statement).consume()

    def describe(self) -> str:
        with self.driver() as driver:
            records, _, _ = driver.execute_query(
                "CALL dbms.components() YIELD name, versions, edition "
                "RETURN name, versions[0] AS version, edition",
                database_=self.database,
            )
        versions = ", ".join(f"{r['name']} {r['version']} {r['edition']}" for r in records)
        return f"{versions}; {self.memory}"

    def rating_types(self) -> str:
        with self.driver() as driver:
            records, _, _ = driver.execute_query(
                "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType",
                database_=self.database,
            )
        found = {r["relationshipType"] for r in records}
        try:
            from graph_schema import queries

            declared = getattr(queries, "ANY_RATING", None)
        except ImportError:
            declared = None
        if isinstance(declared, str) and declared.strip(":"):
            return declared.strip(":")
        return TYPES_PER_STRENGTH if "RATED_1" in found or "RATED" not in found else "RATED"

    def stop(self) -> None:
        if self.started is not None:
            self.stop_dir(self.started)


def naive_baseline(
    neo4j: Neo4jServer, pairs: dict[str, list[Pair]], per_stratum: int, cap: float, hops: int
) -> tuple[dict[str, Samples], str]:
    """The variable-length Cypher, straight through the driver, with a timeout per query."""
    from neo4j import Query
    from neo4j.exceptions import ClientError, Neo4jError

    types = neo4j.rating_types()
    text = NAIVE_CYPHER.format(types=types, hops=hops)
    results: dict[str, Samples] = {}
    with neo4j.driver() as driver, driver.session(database=neo4j.database) as session:
        for stratum in STRATA:
            samples = results.setdefault(stratum, Samples())
            for pair in pairs[stratum][:per_stratum]:
                start = time.perf_counter()
                try:
                    rows = list(
                        session.run(
                            Query(text, timeout=cap),
                            s=pair.source,
                            t=pair.target,
                            prob=list(PROBABILITIES),
                        )
                    )
                    samples.add(time.perf_counter() - start, tuple(((), 0.0) for _ in rows))
                except (ClientError, Neo4jError) as e:
                    elapsed = time.perf_counter() - start
                    if "Timeout" in (e.code or "") or "TimedOut" in (e.code or ""):
                        samples.timeouts += 1
                        samples.seconds.append(max(cap, elapsed))
                    else:
                        samples.add(elapsed, None, str(e.code))
            mean = statistics.fmean(samples.seconds or [0.0])
            log(
                f"naive Cypher {stratum}: {len(samples.seconds)} queries, "
                f"{samples.timeouts} timeouts, mean {ms(mean)} ms"
            )
    return results, f"`[:{types}*1..{hops}]`, timeout {cap:.0f} s"


# --- the report ---------------------------------------------------------------------------------


def latency_rows(run: StoreRun) -> Iterator[str]:
    for kind in KINDS:
        for stratum in STRATA:
            s = run.latency.get((kind, stratum))
            if not s or not s.seconds:
                continue
            x = s.seconds
            yield (
                f"| {run.store} | {kind} | {stratum} | {len(x)} | {ms(percentile(x, 0.5))} "
                f"| {ms(percentile(x, 0.9))} | {ms(percentile(x, 0.99))} | {ms(max(x))} "
                f"| {s.empty} | {s.errors} |"
            )


def render(report: Report, args: argparse.Namespace) -> str:
    out: list[str] = []
    add = out.append
    add(f"## Warm paths at scale: {report.network}\n")
    add(f"Command: `{report.command}`\n")
    add(f"Machine: {machine()}\n")
    if report.neo4j:
        add(f"Neo4j: {report.neo4j}\n")
    counts = ", ".join(f"{s} {len(report.pairs.get(s, []))}" for s in STRATA)
    viewer = "each pair's source as a user" if args.viewer == "source" else "an admin"
    add(
        f"Pairs per stratum: {counts}; `first` {FIRST}; asked by {viewer}; "
        f"{len(report.pairs.get(WARM_UP, []))} warm-up pairs per kind first, not counted. "
        "Distances are hops over the undirected tie graph.\n"
    )
    add("### Loading\n")
    add("| store | ratings | seconds | ratings/s | how |")
    add("|---|---:|---:|---:|---|")
    for run in report.runs:
        if run.load_seconds is not None:
            n = args.ratings
            add(
                f"| {run.store} | {n:,} | {run.load_seconds:.1f} "
                f"| {n / run.load_seconds:,.0f} | {run.load_how} |"
            )
    add("")
    add("### Latency per query (ms, sequential, one client)\n")
    add("| store | query | stratum | n | p50 | p90 | p99 | max | empty | errors |")
    add("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    out.extend(latency_rows(report.reference))
    for run in report.runs:
        if run.latency:
            out.extend(latency_rows(run))
    add("")
    add(
        "`embedded in-process (reference)` calls `service.introductions` on an open "
        "EmbeddedStore, no HTTP; the other rows are `tiegraph serve` through httpx.\n"
    )
    if report.baseline:
        add(f"### Naive Cypher baseline ({report.baseline_note})\n")
        add(
            "Speed-up = baseline mean / service (Neo4j, HTTP, warmPaths 4) mean over the same "
            "pairs; a timed-out baseline query counts at the cap, so the ratio is a lower "
            "bound where there are timeouts.\n"
        )
        add("| stratum | n | timeouts | baseline p50 | baseline mean | service mean | speed-up |")
        add("|---|---:|---:|---:|---:|---:|---:|")
        neo = next((r for r in report.runs if r.store == "neo4j"), None)
        for stratum in STRATA:
            b = report.baseline.get(stratum)
            if not b or not b.seconds:
                continue
            n = len(b.seconds)
            mean = statistics.fmean(b.seconds)
            service_mean = "-"
            ratio = "-"
            if neo is not None:
                s = neo.latency.get(("warmPaths 4", stratum))
                if s and s.seconds:
                    m = statistics.fmean(s.seconds[:n])
                    service_mean = ms(m)
                    r = mean / m
                    ratio = f"{r:,.0f}x" if r >= 10 else f"{r:.2g}x"
            add(
                f"| {stratum} | {n} | {b.timeouts} | {ms(percentile(b.seconds, 0.5))} "
                f"| {ms(mean)} | {service_mean} | {ratio} |"
            )
        add("")
    add(f"### Under load ({CLIENTS} clients, {args.seconds:.0f} s each)\n")
    add(
        "| store | mixed warmPaths req/s | errors | /healthz p50 ms | /healthz p99 ms "
        "| /healthz max ms | service RSS MiB |"
    )
    add("|---|---:|---|---:|---:|---:|---:|")
    for run in report.runs:
        if run.throughput is None:
            continue
        h = run.health or [float("nan")]
        rss = f"{run.rss:,.0f}" if run.rss is not None else "?"
        add(
            f"| {run.store} | {run.throughput.per_second:,.1f} "
            f"| {run.throughput.describe_failures()} | {ms(percentile(h, 0.5))} "
            f"| {ms(percentile(h, 0.99))} | {ms(max(h))} | {rss} |"
        )
    add("")
    add(
        "Mixed: warmPaths maxHops 3 and 4 over every stratum's pairs; /healthz polled every "
        "20 ms while the clients ask hub warmPaths (maxHops 4). RSS after the run.\n"
    )
    add("### Exactness\n")
    add("| store | answers compared with the in-process reference | mismatches |")
    add("|---|---:|---:|")
    for run in report.runs:
        if run.latency:
            add(f"| {run.store} | {run.compared} | {len(run.mismatches)} |")
    checked, skipped, wrong = report.brute
    if checked or skipped:
        add(
            f"| brute force (tests/conformance/reference.py) vs the in-process reference, so "
            f"every store through it | {checked} "
            f"(+{skipped} too large to enumerate) | {len(wrong)} |"
        )
    add("")
    for run in report.runs:
        for line in run.mismatches[:5]:
            add(f"- {run.store}: {line}")
    for line in wrong[:5]:
        add(f"- brute force: {line}")
    for note in report.notes:
        add(f"- {note}")
    return "\n".join(out) + "\n"


# --- the run ------------------------------------------------------------------------------------


def network_file(args: argparse.Namespace) -> tuple[Path, str]:
    if args.file:
        return args.file, args.file.name
    if args.tier:
        name = f"tier-{args.tier}-seed{args.seed}.jsonl"
        label = f"tier {args.tier}, seed {args.seed}"
    else:
        name = f"custom-{args.people}x{args.ratings_per_person:g}-seed{args.seed}.jsonl"
        label = f"generated, seed {args.seed}"
    path = args.work_dir / name
    if not path.exists() or not generate.meta_path(path).exists():
        log(f"generating {path}")
        generate.generate(
            path,
            tier=args.tier,
            seed=args.seed,
            people=args.people,
            ratings_per_person=args.ratings_per_person if args.people else None,
        )
    return path, label


def check_brute_force(
    net: Network, pairs: Sequence[Pair], reference: StoreRun, cap: int, as_source: bool = False
) -> tuple[int, int, list[str]]:
    checked = skipped = 0
    wrong: list[str] = []
    for kind in KINDS:
        for pair in pairs:
            viewer = pair.source if as_source else None
            expected = brute_force(net, pair, kind, first=FIRST, cap=cap, viewer=viewer)
            if expected is None:
                skipped += 1
                continue
            checked += 1
            got = reference.answers.get((kind, pair.stratum, pair.source, pair.target))
            if got is None or not same_answer(got, expected):
                wrong.append(
                    f"{kind} {pair.source} -> {pair.target}: embedded {describe(got)}, "
                    f"brute force {describe(expected)}"
                )
    return checked, skipped, wrong


def run(args: argparse.Namespace) -> Report:
    args.work_dir.mkdir(parents=True, exist_ok=True)
    path, label = network_file(args)
    # The brute force enumerates sequences of people: tier S and small custom networks only.
    small = args.brute_force == "on" or (
        args.brute_force == "auto" and (args.tier == "S" or (args.people or 10**9) <= 5000)
    )
    log(f"reading {path}")
    net = read_network(path, keep_ratings=small)
    args.ratings = net.rating_count
    meta = read_meta(path)
    pairs = pick_pairs(net, meta, args.queries, seed=args.seed, warm_up=args.warmup)
    measured = flatten(pairs)
    everything = measured + pairs[WARM_UP]
    log(f"{len(net):,} people, {net.rating_count:,} ratings; {len(measured)} pairs")
    report = Report(
        command=shlex.join(["python", "-m", "bench.scale", *sys.argv[1:]]),
        network=f"{label}, {len(net):,} people, {net.rating_count:,} ratings",
        pairs=pairs,
        reference=StoreRun("embedded in-process (reference)"),
    )

    embedded_dir = args.work_dir / "embedded"
    if args.viewer == "source":
        report.notes.append(
            "--viewer source: each question was asked by its source as a user, so only the "
            "ratings it may see count (the naive Cypher baseline still sees all of them)"
        )
    if args.no_reference:
        report.notes.append(
            "--no-reference: no embedded store and no in-process reference in this run, so "
            "the answers were not compared (tier XL: loading 25M ratings into the embedded "
            "store would take most of the run)"
        )
    else:
        embedded = StoreRun("embedded")
        seconds, how = load(path, "embedded", clean_env(), embedded_dir, args)
        embedded.load_seconds, embedded.load_how = seconds, how
        log(f"embedded: loaded in {seconds:.1f}s ({net.rating_count / seconds:,.0f} ratings/s)")
        report.runs.append(embedded)
        as_source = args.viewer == "source"
        report.reference = in_process_reference(embedded_dir, everything, as_source)
        if small:
            log("brute force (tests/conformance/reference.py) on every pair it can enumerate")
            report.brute = check_brute_force(
                net, measured, report.reference, args.brute_force_cap, as_source
            )
        if "embedded" in args.stores:
            measure_service("embedded", {}, embedded_dir, pairs, embedded, args)
            compare(embedded, report.reference)

    if "neo4j" in args.stores:
        del net  # the tie graph is not needed any more; give its memory to Neo4j
        neo4j = Neo4jServer(args, args.tier or "M")
        try:
            report.neo4j = neo4j.describe()
            run_neo = StoreRun("neo4j")
            env = neo4j.env
            if args.neo4j_loaded:
                log("neo4j: already holds the network (--neo4j-loaded), not loaded again")
            else:
                seconds, how = load(path, "neo4j", clean_env(env), None, args)
                run_neo.load_seconds, run_neo.load_how = seconds, how
                log(f"neo4j: loaded in {seconds:.1f}s ({args.ratings / seconds:,.0f} ratings/s)")
            report.runs.append(run_neo)
            if args.baseline_queries > 0:
                report.baseline, report.baseline_note = naive_baseline(
                    neo4j, pairs, args.baseline_queries, args.baseline_timeout, 4
                )
            measure_service("neo4j", env, None, pairs, run_neo, args)
            compare(run_neo, report.reference)
        finally:
            neo4j.stop()
    return report


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--tier", choices=["S", *generate.TIERS])
    what.add_argument("--people", type=int, help="a custom generated network of this size")
    what.add_argument("--file", type=Path, help="an existing JSON Lines network")
    parser.add_argument("--ratings-per-person", type=float, default=25.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--stores",
        default=None,
        help="comma-separated: embedded,neo4j (default: both when Java or "
        "TIEGRAPH_NEO4J_URI is there, else embedded)",
    )
    parser.add_argument("--queries", type=int, help="pairs per stratum (default by tier)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured pairs per kind")
    parser.add_argument("--baseline-queries", type=int, help="naive-Cypher queries per stratum")
    parser.add_argument("--baseline-timeout", type=float, default=30.0, help="seconds")
    parser.add_argument("--seconds", type=float, default=20.0, help="each load phase")
    parser.add_argument("--loader", choices=["auto", "cli", "in-process"], default="auto")
    parser.add_argument("--batch-size", type=int, help="passed to tiegraph load")
    parser.add_argument("--brute-force", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--brute-force-cap", type=int, default=300_000)
    parser.add_argument("--ready-timeout", type=float, default=1800.0)
    parser.add_argument(
        "--neo4j-loaded",
        action="store_true",
        help="the Neo4j at TIEGRAPH_NEO4J_URI already holds this network: no wipe, no load",
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the embedded store and the in-process reference (answers not compared)",
    )
    parser.add_argument(
        "--viewer",
        choices=["admin", "source"],
        default="admin",
        help="who asks: an admin (sees every rating) or each pair's source as a user",
    )
    parser.add_argument("--neo4j-port", type=int, default=7720)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/tiegraph-scale"))
    parser.add_argument("--results-md", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    tier = args.tier if args.tier in TIER_DEFAULTS else "M"
    if args.people and args.people >= 50_000:
        tier = "L"
    defaults = TIER_DEFAULTS[tier]
    if args.queries is None:
        args.queries = defaults["queries"]
    if args.baseline_queries is None:
        args.baseline_queries = defaults["baseline"]
    if args.stores is None:
        neo = bool(os.environ.get("TIEGRAPH_NEO4J_URI")) or shutil.which("java") is not None
        args.stores = "embedded,neo4j" if neo else "embedded"
    args.stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if not set(args.stores) <= {"embedded", "neo4j"}:
        parser.error("--stores takes embedded and/or neo4j")
    if args.no_reference and "embedded" in args.stores:
        parser.error("--no-reference measures Neo4j only: pass --stores neo4j")
    if args.neo4j_loaded and not os.environ.get("TIEGRAPH_NEO4J_URI"):
        parser.error("--neo4j-loaded needs TIEGRAPH_NEO4J_URI: the server that holds the network")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    report = run(args)
    text = render(report, args)
    print(text)
    if args.results_md:
        args.results_md.write_text(text)
    failed = sum(len(r.mismatches) for r in report.runs) + len(report.brute[2])
    if failed:
        log(f"{failed} answers differ from the reference")
        sys.exit(1)


if __name__ == "__main__":
    main()

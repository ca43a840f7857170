"""Faults under load, through the real service over HTTP (issue 11).

- Neo4j is killed (-9) while four write streams run, then started again: every write the
  service acknowledged is there, every one it refused was refused as SERVICE_UNAVAILABLE and
  is not there, no response is a 5xx, `/readyz` says the store is down while it is, and the
  same service process recovers without a restart.
- The embedded service is killed (-9) while four streams write batches: after a restart on
  the same directory every batch is there entirely or not at all, and every acknowledged one
  entirely.

Each test starts its own Neo4j (scripts/neo4j-local, a tmp dir, a free port), so killing it
does not touch the Neo4j the rest of the suite uses.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.serve import (
    ROOT,
    free_port,
    kill_9,
    neo4j_local,
    neo4j_pid,
    own_neo4j,
    service,
)

PERSON = "mutation($input: PersonInput!) { upsertPerson(input: $input) { id name } }"
RATE = "mutation($input: RatingInput!) { rateConnection(input: $input) { strength } }"
READ_PERSON = "query($id: ID!) { person(id: $id) { id name } }"
READ_RATING = "query($f: ID!, $t: ID!) { rating(from: $f, to: $t) { strength } }"
STREAMS = 4


@dataclass
class Outcomes:
    """Every write's fate as the client saw it."""

    acked: list[tuple[Any, ...]] = field(default_factory=list)
    refused: list[tuple[Any, ...]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


async def _write(
    client: httpx.AsyncClient, out: Outcomes, key: tuple[Any, ...], query: str, input: Any
) -> bool:
    """True when acknowledged; a refusal must be SERVICE_UNAVAILABLE, anything else is wrong."""
    try:
        response = await client.post(
            "/graphql", json={"query": query, "variables": {"input": input}}
        )
    except httpx.TransportError as e:
        out.violations.append(f"{key}: no HTTP answer: {e!r}")
        return False
    if response.status_code >= 500:
        out.violations.append(f"{key}: HTTP {response.status_code}: {response.text[:300]}")
        return False
    body = response.json()
    if body.get("errors"):
        codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
        if codes == {"SERVICE_UNAVAILABLE"}:
            out.refused.append(key)
        else:
            out.violations.append(f"{key}: unexpected errors {body['errors']}")
        return False
    out.acked.append(key)
    return True


async def _stream(client: httpx.AsyncClient, w: int, out: Outcomes, stop: asyncio.Event) -> None:
    """upsertPerson s{w}-{i}, then rateConnection from the previous person to it."""
    previous: str | None = None
    i = 0
    while not stop.is_set():
        person_id, name = f"s{w}-{i}", f"Stream {w} person {i}"
        i += 1
        if not await _write(
            client, out, ("person", person_id, name), PERSON, {"id": person_id, "name": name}
        ):
            previous = None
            continue
        if previous is not None:
            strength = 1 + i % 5
            rating = {"from": previous, "to": person_id, "strength": strength}
            await _write(client, out, ("rating", previous, person_id, strength), RATE, rating)
        previous = person_id


async def _read(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return body["data"]


async def _present(client: httpx.AsyncClient, key: tuple[Any, ...]) -> bool:
    if key[0] == "person":
        found = (await _read(client, READ_PERSON, {"id": key[1]}))["person"]
        assert found is None or found == {"id": key[1], "name": key[2]}, (key, found)
        return found is not None
    found = (await _read(client, READ_RATING, {"f": key[1], "t": key[2]}))["rating"]
    assert found is None or found == {"strength": key[3]}, (key, found)
    return found is not None


async def _until(what: str, check: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        await asyncio.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def _eval_exports(neo4j_dir: Path, port: int) -> str:
    """What a program started after README's `eval "$(scripts/neo4j-local start ...)"` sees."""
    script = ROOT / "scripts" / "neo4j-local"
    shell = (
        f'eval "$({script} start --data-dir {neo4j_dir} --port {port})" && exec '
        f'{sys.executable} -c \'import os; print(os.environ.get("TIEGRAPH_NEO4J_URI", ""))\''
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEGRAPH_NEO4J_")}
    env["TIEGRAPH_PYTHON"] = sys.executable
    done = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, env=env, timeout=300, check=True
    )
    return done.stdout.strip()


@pytest.mark.neo4j
@pytest.mark.slow
async def test_neo4j_killed_and_restarted_under_four_write_streams(tmp_path: Path) -> None:
    neo4j_dir, port = tmp_path / "neo4j", free_port()
    out = Outcomes()
    ready_reasons: list[str] = []
    with own_neo4j(neo4j_dir, port) as neo4j_env:
        # README's eval line exports the variables to what runs next (issue 11).
        assert _eval_exports(neo4j_dir, port) == f"bolt://127.0.0.1:{port}"
        settings = {
            **neo4j_env,
            "TIEGRAPH_QUERY_BUDGET": "60",
            "TIEGRAPH_NEO4J_WRITE_RETRY": "2",
            "TIEGRAPH_STORE_RETRY_INTERVAL": "0.5",
        }
        log = tmp_path / "service.log"
        with service(tmp_path / "unused", log, store="neo4j", **settings) as (proc, base):
            async with httpx.AsyncClient(base_url=base, timeout=120) as client:
                stop = asyncio.Event()
                streams = [asyncio.create_task(_stream(client, w, out, stop)) for w in range(4)]

                async def acked_at_least(n: int) -> bool:
                    assert not any(s.done() for s in streams), [s.exception() for s in streams]
                    return len(out.acked) >= n

                await _until("40 writes before the kill", lambda: acked_at_least(40), 120)
                server = neo4j_pid(neo4j_dir)
                os.kill(server, signal.SIGKILL)
                await _until("Neo4j gone", lambda: asyncio.sleep(0, not _alive(server)), 30)

                async def not_ready() -> bool:
                    response = await client.get("/readyz")
                    if response.status_code == 503:
                        ready_reasons.append(response.json()["reason"])
                    return response.status_code == 503

                await _until("/readyz 503 while Neo4j is down", not_ready, 30)
                refused_before = len(out.refused)
                probes = iter(range(10**6))

                async def a_probe_refused() -> bool:
                    # A fresh write of the test's own: the streams may all be re-running
                    # commits whose answer was lost (for up to OUTCOME_RETRY_SECONDS).
                    probe = f"probe-{next(probes)}"
                    key = ("person", probe, "Probe")
                    await _write(client, out, key, PERSON, {"id": probe, "name": "Probe"})
                    return len(out.refused) > refused_before

                await _until("a write refused while Neo4j is down", a_probe_refused, 60)
                await asyncio.to_thread(
                    neo4j_local, "start", "--data-dir", str(neo4j_dir), "--port", str(port)
                )

                async def ready() -> bool:
                    return (await client.get("/readyz")).status_code == 200

                await _until("/readyz 200 once Neo4j is back", ready, 120)
                after = len(out.acked)
                await _until("writes again", lambda: acked_at_least(after + 40), 120)
                stop.set()
                await asyncio.wait_for(asyncio.gather(*streams), timeout=180)

                assert proc.poll() is None, "the service exited"
                assert not out.violations, out.violations[:10]
                assert out.refused, "no write was refused: the kill was not exercised"
                lost = [k for k in out.acked if not await _present(client, k)]
                ghosts = [k for k in out.refused if await _present(client, k)]
    assert ready_reasons and all("Neo4j" in r or "store" in r for r in ready_reasons)
    assert not lost, f"{len(lost)} of {len(out.acked)} acknowledged writes lost: {lost[:10]}"
    assert not ghosts, f"{len(ghosts)} of {len(out.refused)} refused writes stored: {ghosts[:10]}"


# --- embedded: kill -9 the service mid-batch -------------------------------------------------

BATCH_PEOPLE = "mutation($input: [PersonInput!]!) { upsertPeople(input: $input) { id } }"
BATCH_RATINGS = "mutation($input: [RatingInput!]!) { rateConnections(input: $input) { count } }"
BATCH_SIZE = 200
PAGE = (
    "query($s: String!, $a: String) { people(search: $s, first: 100, after: $a) "
    "{ items { id } nextCursor } }"
)
RATED = (
    "query($id: ID!, $a: String) { person(id: $id) { ratings(first: 100, after: $a) "
    "{ items { to { id } } nextCursor } } }"
)


def _batch_ids(w: int, k: int) -> list[str]:
    return [f"s{w}b{k}p{j:03d}" for j in range(BATCH_SIZE)]


async def _batch_stream(
    client: httpx.AsyncClient, w: int, out: Outcomes, sent: list[tuple[Any, ...]]
) -> None:
    """People batch k of stream w, then once it is acknowledged the batch of ratings from its
    first person to all the others; until the service dies."""
    for k in range(10_000):
        ids = _batch_ids(w, k)
        people = [{"id": i, "name": f"Stream {w} batch {k} #{j}"} for j, i in enumerate(ids)]
        sent.append(("people", w, k))
        try:
            acked = await _write(client, out, ("people", w, k), BATCH_PEOPLE, people)
            if not acked:
                return
            ratings = [
                {"from": ids[0], "to": i, "strength": 1 + j % 5} for j, i in enumerate(ids[1:])
            ]
            sent.append(("ratings", w, k))
            if not await _write(client, out, ("ratings", w, k), BATCH_RATINGS, ratings):
                return
        except httpx.TransportError:
            return


async def _count_people(client: httpx.AsyncClient, w: int, k: int) -> int:
    found, after = 0, None
    while True:
        page = (await _read(client, PAGE, {"s": f"s{w}b{k}p", "a": after}))["people"]
        found += len(page["items"])
        after = page["nextCursor"]
        if after is None:
            return found


async def _count_ratings(client: httpx.AsyncClient, w: int, k: int) -> int:
    found, after = 0, None
    while True:
        person = (await _read(client, RATED, {"id": _batch_ids(w, k)[0], "a": after}))["person"]
        if person is None:
            return 0
        found += len(person["ratings"]["items"])
        after = person["ratings"]["nextCursor"]
        if after is None:
            return found


@pytest.mark.slow
async def test_embedded_service_killed_mid_batch_keeps_whole_batches(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "service.log"
    out = Outcomes()
    sent: list[tuple[Any, ...]] = []
    with service(data, log) as (proc, base):
        # No timeout: a request in flight at the kill fails with a transport error at once.
        async with httpx.AsyncClient(base_url=base, timeout=None) as client:
            streams = [
                asyncio.create_task(_batch_stream(client, w, out, sent)) for w in range(STREAMS)
            ]

            async def enough() -> bool:
                assert not any(s.done() for s in streams), [s.exception() for s in streams]
                return len(out.acked) >= 24

            await _until("24 batches acknowledged", enough, 120)
            in_flight = len(sent) - len(out.acked)
            kill_9(proc)
            await asyncio.wait_for(asyncio.gather(*streams), timeout=60)
    assert in_flight >= 1, "no batch was in flight at the kill"
    assert not out.refused, out.refused
    # The only failures are the kill's dropped connections (recorded as violations here).
    assert all("no HTTP answer" in v for v in out.violations), out.violations

    with service(data, log) as (_, base):
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            partial, lost = [], []
            for key in dict.fromkeys(sent):
                kind, w, k = key
                count = await (_count_people if kind == "people" else _count_ratings)(client, w, k)
                full = BATCH_SIZE if kind == "people" else BATCH_SIZE - 1
                if count not in (0, full):
                    partial.append((key, count))
                if key in out.acked and count != full:
                    lost.append((key, count))
    assert not partial, f"batches stored in part: {partial}"
    assert not lost, f"acknowledged batches missing: {lost}"

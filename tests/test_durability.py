"""A write that returned data survives a new store instance, a store restart and a kill -9.

- every store: write through the use-cases, close, open a new instance on the same data;
- Neo4j: stop and start the database itself (scripts/neo4j-local) between write and read;
- embedded: SIGKILL the real service in the middle of a stream of mutations, restart it on
  the same directory and find every acknowledged write over GraphQL.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from service import contacts, introductions
from service.domain import Person, PersonFields, Rating, RatingFields, Role, Viewer, Visibility
from service.scoring import ScoringTable
from service.store.base import Store
from tests.support.serve import free_port, kill_9, own_neo4j, service

ROOT = Path(__file__).resolve().parents[1]
ADMIN = Viewer("admin-1", Role.ADMIN)


@dataclass
class Written:
    """What the store acknowledged, to look for after the restart."""

    people: dict[str, Person] = field(default_factory=dict)
    ratings: dict[tuple[str, str], Rating] = field(default_factory=dict)
    removed_ratings: list[tuple[str, str]] = field(default_factory=list)
    deleted_people: list[str] = field(default_factory=list)


async def write_everything(store: Store, prefix: str) -> Written:
    """One of each kind of write, each checked as acknowledged."""
    done = Written()
    ids = [f"{prefix}{name}" for name in ("ann", "bob", "cy", "dee", "gone")]
    ann, bob, cy, dee, gone = ids
    for person in await contacts.upsert_people(
        store, ADMIN, [PersonFields(id=i, name=f"Name {i}", company="Acme") for i in ids]
    ):
        done.people[person.id] = person
    updated = await contacts.upsert_person(
        store, ADMIN, PersonFields(id=ann, name="Ann Renamed", headline="CTO")
    )
    done.people[ann] = updated
    batch = await contacts.rate_connections(
        store,
        ADMIN,
        [
            RatingFields(from_id=ann, to_id=bob, strength=1, groups=["Friends"]),
            RatingFields(from_id=bob, to_id=cy, strength=2, visibility=Visibility.PUBLIC),
            RatingFields(from_id=dee, to_id=cy, strength=3, since=date(2020, 2, 29)),
            RatingFields(from_id=cy, to_id=dee, strength=4),
            RatingFields(from_id=ann, to_id=gone, strength=1),
            RatingFields(from_id=gone, to_id=dee, strength=1),
        ],
    )
    for rating in batch:
        done.ratings[(rating.from_id, rating.to_id)] = rating
    replaced = await contacts.rate_connection(
        store,
        ADMIN,
        RatingFields(from_id=dee, to_id=cy, strength=2, visibility=Visibility.PRIVATE),
    )
    done.ratings[(dee, cy)] = replaced
    assert await contacts.remove_rating(store, ADMIN, cy, dee) is True
    del done.ratings[(cy, dee)]
    done.removed_ratings.append((cy, dee))
    assert await contacts.delete_person(store, ADMIN, gone) is True
    del done.people[gone]
    done.ratings = {k: v for k, v in done.ratings.items() if gone not in k}
    done.deleted_people.append(gone)
    return done


async def check_everything(store: Store, done: Written, prefix: str) -> None:
    for person_id, person in done.people.items():
        assert await contacts.person(store, person_id) == person
    for (source, target), rating in done.ratings.items():
        assert await contacts.rating(store, ADMIN, source, target) == rating
    for source, target in done.removed_ratings:
        assert await contacts.rating(store, ADMIN, source, target) is None
    for person_id in done.deleted_people:
        assert await contacts.person(store, person_id) is None
        assert await contacts.rating(store, ADMIN, f"{prefix}ann", person_id) is None
    # The traversal sees the same graph (the embedded store rebuilds it from disk).
    found = await introductions.warm_paths(
        store,
        ADMIN,
        ScoringTable.default(),
        from_id=f"{prefix}ann",
        target=f"{prefix}dee",
        max_hops=4,
        first=10,
    )
    ann, bob, cy, dee = (f"{prefix}{n}" for n in ("ann", "bob", "cy", "dee"))
    assert [p.people for p in found] == [(ann, bob, cy, dee)]
    assert [s.strength for s in found[0].steps] == [1, 2, 2]


async def _wipe_prefix(store: Store, prefix: str) -> None:
    for name in ("ann", "bob", "cy", "dee", "gone"):
        await contacts.delete_person(store, ADMIN, f"{prefix}{name}")


async def test_acknowledged_writes_survive_a_new_store_instance(
    store_factory: Callable[[], Store],
) -> None:
    prefix = f"dur-{uuid.uuid4().hex[:8]}-"
    new_store = store_factory

    first = new_store()
    await first.open()
    try:
        done = await write_everything(first, prefix)
    finally:
        await first.close()
    second = new_store()
    await second.open()
    try:
        await check_everything(second, done, prefix)
    finally:
        await _wipe_prefix(second, prefix)
        await second.close()


# --- Neo4j: restart the database itself -----------------------------------------------------


@contextmanager
def _own_neo4j(data_dir: Path, port: int) -> Iterator[dict[str, str | None]]:
    """A dedicated Neo4j (tests.support.serve.own_neo4j) as the store factory's settings."""
    with own_neo4j(data_dir, port) as env:
        assert "TIEGRAPH_NEO4J_URI" in env, f"no TIEGRAPH_NEO4J_URI in the output: {env}"
        yield {
            "uri": env["TIEGRAPH_NEO4J_URI"],
            "user": env.get("TIEGRAPH_NEO4J_USER") or None,
            "password": env.get("TIEGRAPH_NEO4J_PASSWORD") or None,
            "database": env.get("TIEGRAPH_NEO4J_DATABASE") or "neo4j",
        }


@pytest.mark.neo4j
@pytest.mark.slow
async def test_neo4j_acknowledged_writes_survive_a_database_restart(
    tmp_path: Path, neo4j_factory: Callable[[dict[str, str | None]], Store]
) -> None:
    data_dir = tmp_path / "neo4j-restart"
    port = int(os.environ.get("TIEGRAPH_TEST_RESTART_NEO4J_PORT") or free_port())
    prefix = "restart-"
    with _own_neo4j(data_dir, port) as settings:
        store = neo4j_factory(settings)
        await store.open()
        try:
            done = await write_everything(store, prefix)
        finally:
            await store.close()
    with _own_neo4j(data_dir, port) as settings:
        store = neo4j_factory(settings)
        await store.open()
        try:
            await check_everything(store, done, prefix)
        finally:
            await store.close()


# --- embedded: kill -9 the service mid-stream -----------------------------------------------

PERSON = "mutation($input: PersonInput!) { upsertPerson(input: $input) { id name } }"
RATE = "mutation($input: RatingInput!) { rateConnection(input: $input) { strength } }"
READ_PERSON = "query($id: ID!) { person(id: $id) { id name } }"
READ_RATING = "query($f: ID!, $t: ID!) { rating(from: $f, to: $t) { strength } }"

WORKERS = 4
KILL_AFTER_ACKS = 240
MAX_WRITES_PER_WORKER = 2000
STREAM_SECONDS = 30.0


async def _gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    if response.status_code != 200 or body.get("errors") or body.get("data") is None:
        raise AssertionError(f"GraphQL failed ({response.status_code}): {body}")
    return body["data"]


@dataclass
class Acks:
    people: dict[str, str] = field(default_factory=dict)
    ratings: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.people) + len(self.ratings)


async def _writer(client: httpx.AsyncClient, worker: int, acks: Acks, stop: asyncio.Event) -> None:
    """upsertPerson w-i, then rateConnection w-(i-1) -> w-i; record what was acknowledged."""
    previous: str | None = None
    for i in range(MAX_WRITES_PER_WORKER):
        if stop.is_set():
            return
        person_id = f"w{worker}-{i}"
        name = f"Worker {worker} person {i} é"
        try:
            data = await _gql(client, PERSON, {"input": {"id": person_id, "name": name}})
            assert data["upsertPerson"] == {"id": person_id, "name": name}
            acks.people[person_id] = name
            if previous is not None:
                strength = 1 + i % 5
                rating = {"from": previous, "to": person_id, "strength": strength}
                data = await _gql(client, RATE, {"input": rating})
                assert data["rateConnection"] == {"strength": strength}
                acks.ratings[(previous, person_id)] = strength
        except (httpx.TransportError, httpx.HTTPStatusError, ValueError):
            return  # the kill: this write was never acknowledged
        previous = person_id


@pytest.mark.slow
async def test_embedded_service_keeps_every_acknowledged_write_afterkill_9(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "service.log"
    acks = Acks()
    with service(data_dir, log) as (proc, base):
        stop = asyncio.Event()
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            writers = [asyncio.create_task(_writer(client, w, acks, stop)) for w in range(WORKERS)]
            deadline = time.monotonic() + STREAM_SECONDS
            while acks.count < KILL_AFTER_ACKS and time.monotonic() < deadline:
                assert not all(t.done() for t in writers), "the writers stopped before the kill"
                await asyncio.sleep(0.005)
            kill_9(proc)  # while the writers still have requests in flight
            stop.set()
            await asyncio.wait_for(asyncio.gather(*writers), timeout=30)
    assert acks.count >= 50, f"too few writes were acknowledged before the kill: {acks.count}"

    with service(data_dir, log) as (_, base):
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            missing: list[str] = []
            for person_id, name in acks.people.items():
                data = await _gql(client, READ_PERSON, {"id": person_id})
                if data["person"] != {"id": person_id, "name": name}:
                    missing.append(f"person {person_id}: {data['person']}")
            for (source, target), strength in acks.ratings.items():
                data = await _gql(client, READ_RATING, {"f": source, "t": target})
                if data["rating"] != {"strength": strength}:
                    missing.append(f"rating {source}->{target}: {data['rating']}")
    assert not missing, f"{len(missing)} of {acks.count} acknowledged writes lost: {missing[:20]}"

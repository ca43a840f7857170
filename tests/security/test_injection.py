"""Injection-looking text in every string the API takes, on both stores.

Each payload, put in one field, is either stored and returned exactly as sent, or refused with
BAD_USER_INPUT naming that field (only the 10 kB string, which is past every length limit, may
be refused). After every attempt the rest of the data is unchanged: a dump of every person and
rating read back as an admin, and the raw counts in the store itself (SQLite tables, Neo4j
labels and relationships), move only by what the attempt itself was allowed to add.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from service.domain import name_key
from service.settings import Settings
from tests.conftest import neo4j_settings, wipe_neo4j
from tests.security.conftest import ADMIN, NOTHING, Change, assert_unchanged, dump, seeded
from tests.support.api import Api, settings_for

LONG = ("' OR 1=1 --" * 1000)[:10240]
PAYLOADS: list[tuple[str, str]] = [
    ("sql-or", "' OR 1=1 --"),
    ("sql-quote-or", "x' OR '1'='1"),
    ("sql-drop", '"; DROP TABLE ratings; --'),
    ("sql-drop-real-table", "'); DROP TABLE rating; --"),
    ("cypher-break-out", "}) MATCH (n) DETACH DELETE n //"),
    ("cypher-quote", "' }) MATCH (n) DETACH DELETE n RETURN 1 //"),
    ("cypher-param", "$where"),
    ("nosql-operator", '{"$gt": ""}'),
    ("like-any", "%"),
    ("like-one", "_"),
    ("regex-any", ".*"),
    ("backslashes", "\\' \\\" \\\\ \\u0041"),
    ("unicode", "Ωμέγα 🚀 مرحبا"),
    ("rtl-marks", "\u202eevil\u202c \u200fRTL\u200f"),
    ("10kB", LONG),
]


def refusable(payload: str) -> bool:
    """Only the 10 kB string breaks a rule (a length limit); every other payload is valid
    text by the contract and must be accepted."""
    return payload is LONG


# --- the app on each store, and raw counts from the store itself ----------------------------


RawCounts = Counter[str]


@dataclass
class Target:
    api: Api
    raw: Callable[[], Awaitable[RawCounts]]


def _sqlite_counter(data_dir: Path) -> Callable[[], Awaitable[RawCounts]]:
    async def counts() -> RawCounts:
        uri = f"file:{data_dir / 'tiegraph.sqlite3'}?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
            found: RawCounts = Counter({f"object:{name}": 1 for name in tables})
            for table in ("person", "rating"):
                # Table names are constants here, never input.
                found[f"rows:{table}"] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        return found

    return counts


# A rating's relationship type carries its strength (RATED_1..RATED_5): all count as RATED.
NEO4J_COUNTS = """
CALL () {
  MATCH (n) UNWIND labels(n) AS label RETURN 'label:' + label AS key, count(*) AS n
  UNION ALL
  MATCH ()-[r]->()
  RETURN 'rel:' + CASE WHEN type(r) STARTS WITH 'RATED_' THEN 'RATED' ELSE type(r) END AS key,
         count(*) AS n
}
RETURN key, sum(n) AS n
"""


@pytest_asyncio.fixture
async def target(store_kind: str, tmp_path: Path) -> AsyncIterator[Target]:
    """The seeded app on an embedded store in tmp_path, or on the Neo4j of the environment
    (wiped of people first; the migration bookkeeping stays)."""
    if store_kind == "embedded":
        data_dir = tmp_path / "data"
        async with seeded(settings_for(data_dir)) as api:
            yield Target(api, _sqlite_counter(data_dir))
        return
    from neo4j import AsyncGraphDatabase

    neo4j = neo4j_settings()  # fails the test, with how to start one, when not configured
    await wipe_neo4j(neo4j)
    settings: Settings = settings_for(
        tmp_path / "unused",
        store="neo4j",
        neo4j_uri=neo4j["uri"],
        neo4j_user=neo4j["user"] or "neo4j",
        neo4j_password=neo4j["password"] or "",
        neo4j_database=neo4j["database"],
        store_startup_timeout=60,
    )
    user, password = neo4j["user"], neo4j["password"]
    auth = (user, password or "") if user else None
    async with AsyncGraphDatabase.driver(neo4j["uri"] or "", auth=auth) as driver:

        async def counts() -> RawCounts:
            records, _, _ = await driver.execute_query(NEO4J_COUNTS, database_=neo4j["database"])
            return Counter({record["key"]: record["n"] for record in records})

        async with seeded(settings) as api:
            yield Target(api, counts)


# --- one attempt: send, judge, and check that nothing else moved ------------------------------


@dataclass
class Attempt:
    """What one payload in one field did: the response to the request carrying it."""

    result: dict[str, Any]
    adds: Change = NOTHING


def refused(result: dict[str, Any]) -> bool:
    return bool(result.get("errors"))


def assert_refused_naming(result: dict[str, Any], field: str, payload: str) -> None:
    errors = result["errors"]
    assert len(errors) == 1, errors
    extensions = errors[0].get("extensions", {})
    assert extensions.get("code") == "BAD_USER_INPUT", errors
    named = {extensions.get("field")} | {i["field"] for i in extensions.get("invalid", [])}
    assert field in named, f"the error should name {field!r}: {errors}"
    assert refusable(payload), f"a valid value was refused: {payload!r} -> {errors}"
    # A nullable root field answers null beside its error; a non-null one nulls `data`.
    assert not any((result.get("data") or {}).values()), result


def check_counts(before: RawCounts, after: RawCounts, people: int, ratings: int) -> None:
    """The store's own counts moved by exactly the people and ratings the API shows added."""
    delta = Counter(after)
    delta.subtract(before)
    moved = {key: n for key, n in delta.items() if n}
    person_keys = {"label:Person", "rows:person"}
    rating_keys = {"rel:RATED", "rows:rating"}
    expected = {k: people for k in person_keys if k in before or k in after} | {
        k: ratings for k in rating_keys if k in before or k in after
    }
    assert moved == {k: n for k, n in expected.items() if n}, (before, after)


Attack = Callable[[Api, str, int], Awaitable[Attempt]]


async def run_attack(target: Target, field: str, attack: Attack) -> None:
    """Every payload, one after the other, in one field; each judged on its own."""
    before, raw_before = await dump(target.api), await target.raw()
    for index, (name, payload) in enumerate(PAYLOADS):
        attempt = await attack(target.api, payload, index)
        if refused(attempt.result):
            assert_refused_naming(attempt.result, field, payload)
        after, raw_after = await dump(target.api), await target.raw()
        why = f"{field} <- {name}"
        assert_unchanged(before, after, attempt.adds, why=why)
        check_counts(
            raw_before,
            raw_after,
            people=len(after["people"]) - len(before["people"]),
            ratings=len(after["ratings"]) - len(before["ratings"]),
        )
        before, raw_before = after, raw_after


async def admin(api: Api, query: str, **variables: Any) -> dict[str, Any]:
    return await api(query, variables, token=ADMIN)


def data_of(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result
    data: dict[str, Any] = result["data"]
    return data


UPSERT = """
mutation($input: PersonInput!) {
  upsertPerson(input: $input) { id name headline company location profileUrl }
}
"""
READ_PERSON = "query($id: ID!) { person(id: $id) { id name headline company location profileUrl } }"
RATE = """
mutation($input: RatingInput!) {
  rateConnection(input: $input) { from { id } to { id } groups context }
}
"""
READ_RATING = """
query($from: ID!, $to: ID!) {
  rating(from: $from, to: $to) { from { id } to { id } groups context }
}
"""


async def new_contact(api: Api, index: int) -> str:
    person_id = f"inj-{index}"
    data_of(await admin(api, UPSERT, input={"id": person_id, "name": f"Contact {index}"}))
    return person_id


# --- the attacks, one per field ---------------------------------------------------------------


async def attack_person_id(api: Api, payload: str, index: int) -> Attempt:
    result = await admin(api, UPSERT, input={"id": payload, "name": "Injected"})
    if refused(result):
        return Attempt(result)
    assert data_of(result)["upsertPerson"]["id"] == payload
    read = data_of(await admin(api, READ_PERSON, id=payload))["person"]
    assert read is not None and read["id"] == payload
    # The id as both ends of ratings, so that it is a key in the relationship store too.
    data_of(await admin(api, RATE, input={"from": payload, "to": "bob", "strength": 2}))
    data_of(await admin(api, RATE, input={"from": "alice", "to": payload, "strength": 3}))
    back = data_of(await admin(api, READ_RATING, **{"from": payload, "to": "bob"}))["rating"]
    assert back["from"]["id"] == payload
    back = data_of(await admin(api, READ_RATING, **{"from": "alice", "to": payload}))["rating"]
    assert back["to"]["id"] == payload
    return Attempt(
        result,
        Change(
            people=frozenset({payload}),
            ratings=frozenset({(payload, "bob"), ("alice", payload)}),
        ),
    )


# Every argument that names a person, given a payload naming no one: nothing is found, nothing
# is removed, or the (too long) id is refused naming the argument.
ID_ARGUMENTS: list[tuple[str, str, Any]] = [
    ("id", "query($p: ID!) { person(id: $p) { id } }", {"person": None}),
    ("from", 'query($p: ID!) { rating(from: $p, to: "alice") { strength } }', {"rating": None}),
    ("to", 'query($p: ID!) { rating(from: "alice", to: $p) { strength } }', {"rating": None}),
    (
        "a",
        'query($p: ID!) { mutualConnections(a: $p, b: "alice") { id } }',
        {"mutualConnections": []},
    ),
    (
        "b",
        'query($p: ID!) { mutualConnections(a: "bob", b: $p) { id } }',
        {"mutualConnections": []},
    ),
    (
        "target",
        'query($p: ID!) { warmPaths(from: "alice", target: $p) { hops } }',
        {"warmPaths": []},
    ),
    ("from", 'query($p: ID!) { warmPaths(from: $p, target: "dave") { hops } }', {"warmPaths": []}),
    (
        "target",
        'query($p: ID!) { introducers(from: "alice", target: $p) { score } }',
        {"introducers": []},
    ),
    (
        "from",
        'query($p: ID!) { introducers(from: $p, target: "carol") { score } }',
        {"introducers": []},
    ),
    ("to", 'mutation($p: ID!) { removeRating(from: "alice", to: $p) }', {"removeRating": False}),
    ("from", 'mutation($p: ID!) { removeRating(from: $p, to: "bob") }', {"removeRating": False}),
    ("id", "mutation($p: ID!) { deletePerson(id: $p) }", {"deletePerson": False}),
]


def attack_id_argument(field: str, query: str, expected: Any) -> Attack:
    async def attack(api: Api, payload: str, index: int) -> Attempt:
        result = await admin(api, query, p=payload)
        if not refused(result):
            assert result["data"] == expected, (query, payload, result)
        return Attempt(result)

    return attack


def attack_person_text(field: str, key: str, prefix: str = "") -> Attack:
    """`key` is the PersonInput field; its value is `prefix` + the payload."""

    async def attack(api: Api, payload: str, index: int) -> Attempt:
        person_id = f"inj-{index}"
        value = prefix + payload
        fields = {"id": person_id, "name": f"Person {index}", key: value}
        result = await admin(api, UPSERT, input=fields)
        if refused(result):
            return Attempt(result)
        assert data_of(result)["upsertPerson"][key] == value
        read = data_of(await admin(api, READ_PERSON, id=person_id))["person"]
        assert read[key] == value, (payload, read)
        return Attempt(result, Change(people=frozenset({person_id})))

    return attack


async def attack_group(api: Api, payload: str, index: int) -> Attempt:
    contact = await new_contact(api, index)
    rating = {"from": "alice", "to": contact, "strength": 3, "groups": ["Friends", payload]}
    result = await admin(api, RATE, input=rating)
    added = Change(people=frozenset({contact}), ratings=frozenset({("alice", contact)}))
    if refused(result):
        return Attempt(result, Change(people=added.people))
    assert data_of(result)["rateConnection"]["groups"] == ["Friends", payload]
    back = data_of(await admin(api, READ_RATING, **{"from": "alice", "to": contact}))["rating"]
    assert back["groups"] == ["Friends", payload]
    return Attempt(result, added)


async def attack_context(api: Api, payload: str, index: int) -> Attempt:
    contact = await new_contact(api, index)
    rating = {"from": "alice", "to": contact, "strength": 3, "context": payload}
    result = await admin(api, RATE, input=rating)
    added = Change(people=frozenset({contact}), ratings=frozenset({("alice", contact)}))
    if refused(result):
        return Attempt(result, Change(people=added.people))
    assert data_of(result)["rateConnection"]["context"] == payload
    back = data_of(await admin(api, READ_RATING, **{"from": "alice", "to": contact}))["rating"]
    assert back["context"] == payload
    return Attempt(result, added)


RATE_BATCH = "mutation($input: [RatingInput!]!) { rateConnections(input: $input) { count } }"


async def attack_batch_groups(api: Api, payload: str, index: int) -> Attempt:
    """The payload in one item of a batch: all items stored, or none."""
    contact = await new_contact(api, index)
    items = [
        {"from": "alice", "to": contact, "strength": 2, "groups": ["ok"]},
        {"from": contact, "to": "dave", "strength": 2, "groups": [payload]},
    ]
    result = await admin(api, RATE_BATCH, input=items)
    if refused(result):
        return Attempt(result, Change(people=frozenset({contact})))
    assert data_of(result)["rateConnections"]["count"] == 2
    back = data_of(await admin(api, READ_RATING, **{"from": contact, "to": "dave"}))["rating"]
    assert back["groups"] == [payload]
    return Attempt(
        result,
        Change(
            people=frozenset({contact}), ratings=frozenset({("alice", contact), (contact, "dave")})
        ),
    )


SEARCH = "query($s: String) { people(search: $s, first: 100) { items { id } } }"


async def attack_search(api: Api, payload: str, index: int) -> Attempt:
    """A person whose name holds the payload is found, and only the people it matches."""
    adds = NOTHING
    if not refusable(payload):
        person_id = f"inj-{index}"
        data_of(await admin(api, UPSERT, input={"id": person_id, "name": f"Needle {payload} end"}))
        adds = Change(people=frozenset({person_id}))
    result = await admin(api, SEARCH, s=payload)
    if refused(result):
        return Attempt(result, adds)
    found = [p["id"] for p in data_of(result)["people"]["items"]]
    everyone = (await dump(api))["people"].values()
    term = payload.strip()
    expected = {
        p["id"]
        for p in everyone
        if name_key(term) in name_key(p["name"]) or p["id"].startswith(term)
    }
    assert set(found) == expected, (payload, found)
    assert adds.people <= set(found)
    return Attempt(result, adds)


RATINGS_IN_GROUP = """
query($g: String) { person(id: "alice") { ratings(group: $g) { items { to { id } groups } } } }
"""


async def attack_ratings_group(api: Api, payload: str, index: int) -> Attempt:
    """`Person.ratings(group:)` matches the label exactly: nothing else, however it looks."""
    adds = NOTHING
    if not refusable(payload):
        contact = await new_contact(api, index)
        rating = {"from": "alice", "to": contact, "strength": 4, "groups": [payload]}
        data_of(await admin(api, RATE, input=rating))
        adds = Change(people=frozenset({contact}), ratings=frozenset({("alice", contact)}))
    result = await admin(api, RATINGS_IN_GROUP, g=payload)
    if refused(result):
        return Attempt(result, adds)
    items = data_of(result)["person"]["ratings"]["items"]
    assert all(payload in item["groups"] for item in items), (payload, items)
    everything = (await dump(api))["ratings"]
    expected = {
        to for (src, to), r in everything.items() if src == "alice" and payload in r["groups"]
    }
    assert {item["to"]["id"] for item in items} == expected
    return Attempt(result, adds)


WARM = """
query($avoid: [ID!]) {
  warmPaths(from: "alice", target: "dave", avoid: $avoid, first: 20) { people { id } }
}
"""


async def attack_avoid(api: Api, payload: str, index: int) -> Attempt:
    """A person with the payload as id sits on the best path; `avoid` drops exactly it."""
    adds = NOTHING
    if not refusable(payload):
        data_of(await admin(api, UPSERT, input={"id": payload, "name": "Via"}))
        data_of(await admin(api, RATE, input={"from": "alice", "to": payload, "strength": 1}))
        data_of(await admin(api, RATE, input={"from": payload, "to": "dave", "strength": 1}))
        adds = Change(
            people=frozenset({payload}),
            ratings=frozenset({("alice", payload), (payload, "dave")}),
        )
        everything = data_of(await admin(api, WARM, avoid=[]))["warmPaths"]
        assert ["alice", payload, "dave"] in [[p["id"] for p in w["people"]] for w in everything]
    result = await admin(api, WARM, avoid=[payload])
    if refused(result):
        return Attempt(result, adds)
    paths = [[p["id"] for p in w["people"]] for w in data_of(result)["warmPaths"]]
    assert paths, "avoiding one person left no path at all"
    assert not [path for path in paths if payload in path], (payload, paths)
    return Attempt(result, adds)


PEOPLE_AFTER = "query($after: String) { people(first: 100, after: $after) { items { id } } }"
RATINGS_AFTER = """
query($after: String) { person(id: "alice") { ratings(after: $after) { items { to { id } } } } }
"""


async def attack_raw_cursor(api: Api, payload: str, index: int) -> Attempt:
    """Cursors are opaque: any text that is not one of ours is refused naming `after`."""
    for query in (PEOPLE_AFTER, RATINGS_AFTER):
        result = await admin(api, query, after=payload)
        errors = result.get("errors") or []
        assert [e["extensions"].get("code") for e in errors] == ["BAD_USER_INPUT"], result
        assert errors[0]["extensions"].get("field") == "after", result
    return Attempt({"data": {}})


def _cursor(values: list[Any]) -> str:
    """A cursor in the service's own format (base64url JSON), carrying the payload inside:
    what a client that decodes and edits a cursor would send."""
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def attack_crafted_cursor(api: Api, payload: str, index: int) -> Attempt:
    """The payload inside a well-formed cursor reaches the store's query as a sort key: it
    pages (a subset of what exists, in order) and changes nothing."""
    everything = await dump(api)
    people = await admin(api, PEOPLE_AFTER, after=_cursor(["people", payload, payload]))
    ratings = await admin(api, RATINGS_AFTER, after=_cursor(["ratings", 3, payload]))
    for result in (people, ratings):
        if refused(result):
            assert_refused_naming(result, "after", payload)
            return Attempt(result)
    found = [p["id"] for p in data_of(people)["people"]["items"]]
    assert set(found) <= everything["people"].keys()
    rated = [r["to"]["id"] for r in data_of(ratings)["person"]["ratings"]["items"]]
    assert set(rated) <= {to for src, to in everything["ratings"] if src == "alice"}
    return Attempt(people)


ATTACKS: list[Any] = [
    pytest.param("id", attack_person_id, id="person-id"),
    *[
        pytest.param(
            field, attack_id_argument(field, query, expected), id=f"id-argument-{i}-{field}"
        )
        for i, (field, query, expected) in enumerate(ID_ARGUMENTS)
    ],
    pytest.param("name", attack_person_text("name", "name"), id="name"),
    pytest.param("headline", attack_person_text("headline", "headline"), id="headline"),
    pytest.param("company", attack_person_text("company", "company"), id="company"),
    pytest.param("location", attack_person_text("location", "location"), id="location"),
    pytest.param(
        "profileUrl", attack_person_text("profileUrl", "profileUrl", "http://"), id="profileUrl"
    ),
    pytest.param("groups", attack_group, id="rating-groups"),
    pytest.param("groups", attack_batch_groups, id="batch-rating-groups"),
    pytest.param("context", attack_context, id="rating-context"),
    pytest.param("search", attack_search, id="people-search"),
    pytest.param("group", attack_ratings_group, id="person-ratings-group"),
    pytest.param("avoid", attack_avoid, id="warmPaths-avoid"),
    pytest.param("after", attack_raw_cursor, id="cursor-raw"),
    pytest.param("after", attack_crafted_cursor, id="cursor-crafted"),
]


@pytest.mark.parametrize("field, attack", ATTACKS)
async def test_injection_text_is_data(target: Target, field: str, attack: Attack) -> None:
    await run_attack(target, field, attack)

"""`tiegraph export` -> `tiegraph import tiegraph`: embedded -> Neo4j -> embedded, field by field;
and v1 data (ratings without `reviewed` / `history`) reads as reviewed with no history."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from service import bulkload, contacts, imports
from service.domain import PersonFields, RatingFields, Role, Viewer, Visibility
from service.export import export_store
from service.imports import CsvText, ImportOptions
from service.requests import RequestStatus, TriagePolicy
from service.store.base import Store
from service.store.embedded import DB_FILENAME, MIGRATIONS, EmbeddedStore
from tests.conftest import make_embedded_store, neo4j_settings

ADMIN = Viewer("root", Role.ADMIN)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "linkedin"
# Ids whose order differs between UTF-16 and code points, and one with a quote in it.
ODD_IDS = ["\U0001f600-astral", "\ue000-private-use", 'quote"d', "zeta"]


async def populate(store: Store) -> None:
    people = [
        PersonFields(
            id="owner",
            name="Owner",
            headline="Builder",
            company="Acme",
            location="Lisbon",
            profile_url="https://example.com/owner",
        ),
        *(PersonFields(id=i, name=f"Person {i}") for i in ODD_IDS),
    ]
    await contacts.upsert_people(store, ADMIN, people)
    await imports.import_linkedin(
        store,
        ADMIN,
        ImportOptions(owner="owner", visibility=Visibility.PUBLIC),
        CsvText("Connections.csv", (FIXTURES / "Connections.csv").read_text("utf-8"), "x"),
    )
    ratings = [
        RatingFields(
            from_id="owner",
            to_id=ODD_IDS[0],
            strength=1,
            groups=["Friends", "Met once at a conference"],
            context="School\nfriend",
            visibility=Visibility.PRIVATE,
            since=date(2001, 9, 1),
            last_interaction=date(2026, 11, 1),
        ),
        RatingFields(from_id=ODD_IDS[1], to_id="owner", strength=5),
        RatingFields(from_id=ODD_IDS[2], to_id=ODD_IDS[3], strength=3),
    ]
    await contacts.rate_connections(store, ADMIN, ratings)
    # Requests: two pending from the import's Invitations.csv, one answered; a policy.
    await imports.import_linkedin(
        store,
        ADMIN,
        ImportOptions(owner="owner"),
        None,
        CsvText("Invitations.csv", (FIXTURES / "Invitations.csv").read_text("utf-8"), "y"),
    )
    (first, *_) = await store.list_requests("owner", RequestStatus.PENDING, 10, None)
    await store.answer_request(
        first.id, RequestStatus.DECLINED, None, datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC)
    )
    await store.put_policy(
        "owner", TriagePolicy(home_areas=("Lisbon",), interests=("graphs",), signature="O.")
    )
    # Two replaces: a history of two versions, one of them across a change of strength.
    for strength in (2, 3):
        await contacts.rate_connection(
            store,
            ADMIN,
            RatingFields(from_id="owner", to_id="linkedin:ana-ortiz-1a2b3c", strength=strength),
        )


async def export_lines(store: Store) -> list[dict[str, Any]]:
    out = io.BytesIO()
    await export_store(store, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    header, *records = lines
    assert header["kind"] == "tiegraph" and header["format"] == 1
    return records


def canonical(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records in code point order of their keys, whatever order a store wrote them in."""
    rank = {"person": 0, "rating": 1, "request": 2, "policy": 3}

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        return (rank[r["kind"]], r.get("id") or "", r.get("from") or "", r.get("to") or "",
                r.get("owner") or "")  # fmt: skip

    return sorted(records, key=key)


def write_lines(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", "utf-8")


async def restore(store: Store, records: list[dict[str, Any]], path: Path) -> None:
    header = {"kind": "tiegraph", "format": 1, "exportedAt": "2026-01-01T00:00:00+00:00"}
    write_lines(path, [header, *records])
    await bulkload.load_file(store, path, batch_size=7)


@pytest.mark.neo4j
async def test_embedded_to_neo4j_and_back_reproduces_every_field(
    embedded_store: Store, neo4j_store: Store, tmp_path: Path
) -> None:
    await populate(embedded_store)
    original = await export_lines(embedded_store)
    kinds = [r["kind"] for r in original]
    assert kinds.count("person") == 14 and kinds.count("rating") == 9
    assert kinds.count("request") == 3 and kinds.count("policy") == 1
    assert {r["status"] for r in original if r["kind"] == "request"} == {"PENDING", "DECLINED"}
    ana = next(r for r in original if r.get("to") == "linkedin:ana-ortiz-1a2b3c")
    assert ana["reviewed"] is True and [v["strength"] for v in ana["history"]] == [4, 2]
    assert any(r.get("reviewed") is False for r in original)

    await restore(neo4j_store, original, tmp_path / "to-neo4j.jsonl")
    from_neo4j = await export_lines(neo4j_store)
    # Neo4j pages by id in its own (UTF-16) order: the same lines, the astral id elsewhere.
    assert canonical(from_neo4j) == canonical(original)

    back = make_embedded_store(tmp_path / "back")
    await back.open()
    try:
        await restore(back, from_neo4j, tmp_path / "to-embedded.jsonl")
        assert await export_lines(back) == original
        # The restored store answers like the original, not only exports like it.
        rating = await contacts.rating(back, ADMIN, "owner", "linkedin:ana-ortiz-1a2b3c")
        assert rating == await contacts.rating(
            embedded_store, ADMIN, "owner", "linkedin:ana-ortiz-1a2b3c"
        )
    finally:
        await back.close()


async def test_a_restore_replaces_ratings_without_adding_history(
    store: Store, tmp_path: Path
) -> None:
    await populate(store)
    records = await export_lines(store)
    await restore(store, records, tmp_path / "again.jsonl")
    assert canonical(await export_lines(store)) == canonical(records)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"kind": "connection", "from": "a", "to": "b"}, "'connection' is not a kind"),
        ({"kind": "request", "id": "r-1", "from": "a", "to": "b", "status": "MAYBE"}, "status"),
        ({"kind": "tiegraph", "format": 2}, "export format 1"),
        (
            {"kind": "rating", "from": "a", "to": "b", "strength": 2, "createdAt": "yesterday"},
            "createdAt",
        ),
        (
            {
                "kind": "rating", "from": "a", "to": "b", "strength": 2,
                "createdAt": "2026-01-01T00:00:00+00:00", "updatedAt": "2026-01-01T00:00:00+00:00",
                "history": [{"strength": 9}],
            },
            "history",
        ),
    ],
)  # fmt: skip
async def test_the_reader_refuses_unknown_kinds_and_bad_restores(
    store: Store, tmp_path: Path, line: dict[str, Any], message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    people = [{"kind": "person", "id": i, "name": i} for i in ("a", "b")]
    write_lines(path, [*people, line])
    with pytest.raises(bulkload.BadRecord) as raised:
        await bulkload.load_file(store, path)
    assert raised.value.line == 3
    assert message in str(raised.value)
    assert await store.get_people(["a", "b"]) == {}


async def test_v1_embedded_ratings_read_as_reviewed_without_history(tmp_path: Path) -> None:
    data = tmp_path / "v1"
    data.mkdir()
    conn = sqlite3.connect(data / DB_FILENAME, isolation_level=None)
    for statements in MIGRATIONS[:2]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    for pid in ("a", "b"):
        conn.execute("INSERT INTO person (id, name, name_key) VALUES (?, ?, ?)", (pid, pid, pid))
    stamp = "2025-01-01T00:00:00+00:00"
    conn.execute(
        "INSERT INTO rating VALUES ('a', 'b', 3, ?, NULL, 'PUBLIC', NULL, NULL, ?, ?)",
        ('["Friends"]', stamp, stamp),
    )
    conn.close()
    store = EmbeddedStore(data)
    await store.open()
    try:
        old = await contacts.rating(store, ADMIN, "a", "b")
        assert old is not None and (old.reviewed, old.history) == (True, ())
        new = await contacts.rate_connection(
            store, ADMIN, RatingFields(from_id="a", to_id="b", strength=1)
        )
        assert [(v.strength, v.groups, v.changed_at) for v in new.history] == [
            (3, ("Friends",), datetime(2025, 1, 1, tzinfo=UTC))
        ]
    finally:
        await store.close()


@pytest.mark.neo4j
async def test_v1_neo4j_ratings_read_as_reviewed_without_history(neo4j_store: Store) -> None:
    from neo4j import AsyncGraphDatabase

    settings = neo4j_settings()
    auth = (settings["user"] or "", settings["password"] or "") if settings["user"] else None
    async with AsyncGraphDatabase.driver(settings["uri"] or "", auth=auth) as driver:
        await driver.execute_query(
            "CREATE (:Person {id: 'a', name: 'a', idSort: 'a', nameSort: 'a', nameKey: 'a'})"
            "-[:RATED_3 {strength: 3, groups: ['Friends'], visibility: 'PUBLIC', "
            "createdAt: datetime('2025-01-01T00:00:00Z'), "
            "updatedAt: datetime('2025-01-01T00:00:00Z')}]->"
            "(:Person {id: 'b', name: 'b', idSort: 'b', nameSort: 'b', nameKey: 'b'})",
            database_=settings["database"],
        )
    old = await contacts.rating(neo4j_store, ADMIN, "a", "b")
    assert old is not None and (old.reviewed, old.history) == (True, ())
    new = await contacts.rate_connection(
        neo4j_store, ADMIN, RatingFields(from_id="a", to_id="b", strength=1)
    )
    assert [(v.strength, v.groups, v.changed_at) for v in new.history] == [
        (3, ("Friends",), datetime(2025, 1, 1, tzinfo=UTC))
    ]
    assert new.created_at == datetime(2025, 1, 1, tzinfo=UTC)

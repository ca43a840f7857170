"""What only the embedded store has: SQLite durability settings, reopening, and all-or-nothing
batches across SQLite and the in-memory graph. Its path search, `service.pathsearch`, is
tested on its own in `tests/test_pathsearch.py`."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path as FsPath
from typing import Any

import networkx as nx
import pytest
import pytest_asyncio

from service import contacts, pathsearch
from service.domain import (
    PathQuery,
    PersonFields,
    PersonPatch,
    RatingDraft,
    RatingFields,
    Role,
    Viewer,
    Visibility,
)
from service.errors import NotFound, StoreUnavailable, StoreUnusable
from service.scoring import ScoringTable
from service.store.base import LoadBatch, PeopleAfter
from service.store.embedded import DB_FILENAME, SCHEMA_VERSION, EmbeddedStore

ADMIN = Viewer("admin", Role.ADMIN)
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest_asyncio.fixture
async def store(tmp_path: FsPath) -> AsyncIterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "data", busy_timeout=0.2)
    await opened.open()
    yield opened
    await opened.close()


async def fill(store: EmbeddedStore) -> None:
    """A few people and ratings using every field, through the use-cases."""
    await contacts.upsert_people(
        store,
        ADMIN,
        [
            PersonFields(id="ann", name="Ann Émile", headline="CTO", company="Acme"),
            PersonFields(id="bob", name="bob", location="Lyon", profile_url="https://b.example"),
            PersonFields(id="cat", name="Ωmega Cat"),
            PersonFields(id="dan", name="Dan"),
        ],
    )
    await contacts.rate_connections(
        store,
        ADMIN,
        [
            RatingFields(
                from_id="ann",
                to_id="bob",
                strength=1,
                groups=["Friends", "Former colleagues"],
                context="school",
                visibility=Visibility.PUBLIC,
                since=date(2010, 9, 1),
                last_interaction=date(2026, 1, 1),
            ),
            RatingFields(from_id="bob", to_id="cat", strength=3, visibility=Visibility.PRIVATE),
            RatingFields(from_id="cat", to_id="ann", strength=5),
            RatingFields(from_id="dan", to_id="ann", strength=2, groups=["Vendors"]),
        ],
    )


def graph_snapshot(store: EmbeddedStore) -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    graph: nx.DiGraph = store._graph
    return dict(graph.nodes(data=True)), {(u, v): d for u, v, d in graph.edges(data=True)}


def table_rows(store: EmbeddedStore, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.path) as conn:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall())  # noqa: S608


# --- SQLite settings and lifecycle ------------------------------------------------------------


async def test_wal_synchronous_full_and_foreign_keys_are_set(store: EmbeddedStore) -> None:
    assert store.path.name == DB_FILENAME and store.path.exists()
    conn = store._conn
    assert conn is not None
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # WAL is a property of the file: a fresh connection sees it too.
    with sqlite3.connect(store.path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_data_survives_close_and_reopen(store: EmbeddedStore) -> None:
    await fill(store)
    before = graph_snapshot(store)
    names_before = list(store._by_name)
    await store.close()

    reopened = EmbeddedStore(store.data_dir)
    await reopened.open()
    try:
        assert graph_snapshot(reopened) == before
        assert reopened._by_name == names_before
        rating = await reopened.get_rating("ann", "bob", ADMIN)
        assert rating is not None
        assert rating.groups == ("Friends", "Former colleagues")
        assert rating.since == date(2010, 9, 1)
        assert rating.created_at.tzinfo is not None
    finally:
        await reopened.close()


async def test_opening_groups_the_hubs_neighbours_before_any_search(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search reads a hub's neighbours a tie group at a time; the store groups them as
    it loads, so that the first search through each hub does not pay for it."""
    monkeypatch.setattr(pathsearch, "_GROUPED_FROM", 3)  # ann has 3 neighbours, the rest 2
    await fill(store)
    await store.close()
    reopened = EmbeddedStore(store.data_dir)
    await reopened.open()
    try:
        graph = reopened._graph
        assert set(graph._by_tie) == {"ann"}
        groups = graph._by_tie["ann"][1]
        assert sorted(p for members in groups.values() for p in members) == ["bob", "cat", "dan"]
        assert graph.neighbours_by_tie("ann") is groups  # what the search reads
    finally:
        await reopened.close()


async def test_paths_come_with_their_people(store: EmbeddedStore) -> None:
    """A search's paths carry their people as stored, read with them (`Path.known`)."""
    await fill(store)
    query = PathQuery("dan", "cat", min_hops=1, max_hops=4, first=5, max_strength=5)
    found = await store.find_paths(query, ADMIN, ScoringTable.default())
    assert [path.people for path in found] == [("dan", "ann", "bob", "cat"), ("dan", "ann", "cat")]
    for path in found:
        assert [person.id for person in path.known] == list(path.people)
        stored = await store.get_people(list(path.people))
        assert {person.id: person for person in path.known} == stored


async def test_replacing_keeps_created_at_across_reopen(store: EmbeddedStore) -> None:
    await fill(store)
    draft = RatingDraft("dan", "cat", 4)
    (first,) = await store.put_ratings([draft], T0)
    await store.close()
    await store.open()
    later = datetime(2026, 5, 6, tzinfo=UTC)
    (second,) = await store.put_ratings([RatingDraft("dan", "cat", 2)], later)
    assert (second.created_at, second.updated_at, second.strength) == (T0, later, 2)
    assert first.created_at == T0
    row = [r for r in table_rows(store, "rating") if r[:2] == ("dan", "cat")]
    assert [(r[2], r[8], r[9]) for r in row] == [(2, T0.isoformat(), later.isoformat())]


async def test_a_newer_schema_is_refused(tmp_path: FsPath) -> None:
    data = tmp_path / "newer"
    data.mkdir()
    with sqlite3.connect(data / DB_FILENAME) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreUnavailable, match="schema version"):
        await EmbeddedStore(data).open()


# --- all or nothing ---------------------------------------------------------------------------


async def test_a_batch_naming_a_missing_person_changes_nothing(store: EmbeddedStore) -> None:
    await fill(store)
    before_graph, before_rows = graph_snapshot(store), table_rows(store, "rating")
    drafts = [
        RatingDraft("ann", "cat", 2),
        RatingDraft("ann", "bob", 4),
        RatingDraft("dan", "zed", 1),
    ]
    with pytest.raises(NotFound) as caught:
        await store.put_ratings(drafts, T0)
    assert (caught.value.field, caught.value.person_id, caught.value.index) == ("to", "zed", 2)
    assert graph_snapshot(store) == before_graph
    assert table_rows(store, "rating") == before_rows


async def test_a_single_rating_from_a_missing_person_has_no_index(store: EmbeddedStore) -> None:
    await fill(store)
    with pytest.raises(NotFound) as caught:
        await store.put_ratings([RatingDraft("zed", "ann", 1)], T0)
    assert (caught.value.field, caught.value.index) == ("from", None)


async def test_a_locked_database_is_unavailable_and_changes_nothing(
    store: EmbeddedStore,
) -> None:
    await fill(store)
    before_graph, before_rows = graph_snapshot(store), table_rows(store, "rating")
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StoreUnavailable):
            await store.put_ratings([RatingDraft("ann", "cat", 2)], T0)
        with pytest.raises(StoreUnavailable):
            await store.upsert_people([PersonPatch(id="eve", name="Eve")])
        with pytest.raises(StoreUnavailable):
            await store.delete_person("ann")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert graph_snapshot(store) == before_graph
    assert table_rows(store, "rating") == before_rows
    assert "eve" not in store._graph
    # Once the lock is gone the same write goes through.
    await store.put_ratings([RatingDraft("ann", "cat", 2)], T0)
    assert store._graph.has_edge("ann", "cat")


async def test_delete_person_removes_ratings_both_ways_on_disk_and_in_memory(
    store: EmbeddedStore,
) -> None:
    await fill(store)
    assert await store.delete_person("ann") is True
    assert "ann" not in store._graph
    assert all("ann" not in row[:2] for row in table_rows(store, "rating"))
    assert [row[0] for row in table_rows(store, "person")] == ["bob", "cat", "dan"]
    assert await store.delete_person("ann") is False


async def test_renaming_moves_the_person_in_the_name_order(store: EmbeddedStore) -> None:
    await fill(store)
    await store.upsert_people([PersonPatch(id="dan", name="Zoe")])
    everyone = await store.search_people(None, None, 10, None)
    assert [p.id for p in everyone] == ["ann", "dan", "bob", "cat"]  # "Zoe" < "bob" < "Ω"
    after_zoe = await store.search_people(None, None, 10, PeopleAfter("Zoe", "dan"))
    assert [p.id for p in after_zoe] == ["bob", "cat"]


async def test_a_read_only_store_reads_beside_the_directorys_holder_and_writes_nothing(
    store: EmbeddedStore, tmp_path: FsPath
) -> None:
    """`tiegraph export` and `tiegraph report` run while `tiegraph serve` holds the directory:
    they open it read-only. A second writer is still refused."""
    await contacts.upsert_people(store, ADMIN, [PersonFields(id="ana", name="Ana")])
    with pytest.raises(StoreUnusable, match="in use by another tiegraph process"):
        await EmbeddedStore(store.data_dir).open()
    reader = EmbeddedStore(store.data_dir, read_only=True)
    await reader.open()
    try:
        assert [p.id for p in (await reader.get_people(["ana"])).values()] == ["ana"]
        with pytest.raises(StoreUnusable, match="read-only"):
            await contacts.upsert_people(reader, ADMIN, [PersonFields(id="ben", name="Ben")])
    finally:
        await reader.close()
    assert await store.get_people(["ben"]) == {}


async def test_a_read_only_store_does_not_migrate(tmp_path: FsPath) -> None:
    with pytest.raises(StoreUnusable, match="tiegraph serve"):
        await EmbeddedStore(tmp_path / "new", read_only=True).open()


# --- bulk load: one statement per batch (`_UPSERT_RATINGS_JSON`) ----------------------------

_ROW = """
    SELECT from_id, to_id, strength, groups, context, visibility, since, last_interaction,
           reviewed, history, typeof(strength), typeof(since), created_at = updated_at
    FROM rating ORDER BY from_id, to_id
"""


def _rows(data_dir: FsPath) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data_dir / DB_FILENAME) as conn:
        return conn.execute(_ROW).fetchall()


async def test_put_ratings_naming_a_pair_twice_returns_each_write_as_it_was(
    store: EmbeddedStore,
) -> None:
    """The API refuses such a batch; the store writes it in order, and each returned rating
    is that write's own (the second one's history holds the first)."""
    await store.upsert_people([PersonPatch(id="a", name="A"), PersonPatch(id="b", name="B")])
    first, second = await store.put_ratings(
        [RatingDraft("a", "b", 5), RatingDraft("a", "b", 1)], T0
    )
    assert (first.strength, first.history) == (5, ())
    assert second.strength == 1
    assert [v.strength for v in second.history] == [5]


async def test_a_loaded_batch_stores_the_rows_put_ratings_stores(tmp_path: FsPath) -> None:
    """The batch write and the API's write leave the same rows: values, types, history (the
    same pair twice in a batch: the later one wins, the earlier is in the history)."""
    people = tuple(PersonPatch(id=i, name=f"Name {i}") for i in ("ann", "bob", "çé 名"))
    first = (RatingDraft("ann", "bob", 4), RatingDraft("bob", "ann", 2, ("x",)))
    second = (
        RatingDraft("ann", "bob", 1, ("Friends", "Ex-collègues"), 'met at "school"\n'),
        RatingDraft("ann", "çé 名", 3, (), None, Visibility.PRIVATE, date(2010, 9, 1)),
        RatingDraft("ann", "bob", 2, ("Friends",), None, Visibility.PUBLIC, None, date(2026, 1, 1)),
        RatingDraft("çé 名", "ann", 5, ("Never met",), reviewed=False),
    )
    loaded = EmbeddedStore(tmp_path / "loaded")
    await loaded.open()
    await loaded.load_batch(LoadBatch("k", 0, people, first, T0))
    await loaded.load_batch(LoadBatch("k", 1, (), second, T0))
    await loaded.close()
    put = EmbeddedStore(tmp_path / "put")
    await put.open()
    await put.upsert_people(people)
    for draft in first + second:  # one at a time: the API's statement, row by row
        await put.put_ratings([draft], T0)
    await put.close()
    rows = _rows(tmp_path / "loaded")
    assert rows == _rows(tmp_path / "put")
    (ann_bob,) = [r for r in rows if r[:2] == ("ann", "bob")]
    assert ann_bob[2] == 2 and ann_bob[9].count("changedAt") == 2


@pytest.mark.parametrize("seed", range(5))
async def test_a_put_ratings_batch_stores_and_returns_what_one_at_a_time_does(
    tmp_path: FsPath, seed: int
) -> None:
    """A batch of distinct pairs is one statement; rating by rating, each is its own. Both
    leave the same rows and return the same ratings, replaces and their history included."""
    rng = random.Random(seed)
    ids = [f"p{i}" for i in range(8)]
    people = [PersonPatch(id=i, name=f"Name {i}") for i in ids]
    pairs = [(a, b) for a in ids for b in ids if a != b]
    batches = []
    for _ in range(4):  # later batches replace some pairs of earlier ones
        chosen = rng.sample(pairs, rng.randint(2, 20))
        batches.append(
            [
                RatingDraft(
                    a,
                    b,
                    rng.randint(1, 5),
                    tuple(rng.sample(["Friends", "Vendors", "x"], 2)),
                    rng.choice([None, "met once"]),
                    rng.choice(list(Visibility)),
                    rng.choice([None, date(2019, 4, 1)]),
                    None,
                    rng.random() < 0.8,
                )
                for a, b in chosen
            ]
        )
    returned: dict[str, list[Any]] = {}
    for name in ("batch", "one at a time"):
        store = EmbeddedStore(tmp_path / name)
        await store.open()
        await store.upsert_people(people)
        got = returned.setdefault(name, [])
        for number, drafts in enumerate(batches):
            now = T0.replace(minute=number)
            if name == "batch":
                got += await store.put_ratings(drafts, now)
            else:
                for draft in drafts:
                    got += await store.put_ratings([draft], now)
        await store.close()
    assert returned["batch"] == returned["one at a time"]
    assert _rows(tmp_path / "batch") == _rows(tmp_path / "one at a time")
    assert any(rating.history for rating in returned["batch"])


async def test_a_loaded_batch_naming_a_missing_person_in_its_middle_writes_nothing(
    store: EmbeddedStore,
) -> None:
    people = tuple(PersonPatch(id=f"p{i}", name=f"P {i}") for i in range(100))
    drafts = [RatingDraft(f"p{i}", f"p{i + 1}", 2) for i in range(99)]
    drafts[50] = RatingDraft("p50", "ghost", 2)
    with pytest.raises(NotFound) as caught:
        await store.load_batch(LoadBatch("k", 0, people, tuple(drafts), T0))
    assert (caught.value.field, caught.value.person_id, caught.value.index) == ("to", "ghost", 50)
    assert await store.load_checkpoint("k") is None
    assert await store.get_people(["p0", "p1"]) == {}
    assert _rows(store.data_dir) == []
    assert store._graph.number_of_nodes() == 0


async def test_foreign_keys_are_checked_again_after_every_loaded_batch(
    store: EmbeddedStore,
) -> None:
    """A batch is written with SQLite's foreign keys off (the store has checked its people
    itself); every other write, and the next batch's own check, still has them."""
    people = (PersonPatch(id="a", name="A"), PersonPatch(id="b", name="B"))
    assert await store.load_batch(LoadBatch("k", 0, people, (RatingDraft("a", "b", 2),), T0))
    assert not await store.load_batch(LoadBatch("k", 0, (), (RatingDraft("b", "a", 2),), T0))
    conn = store._connection()
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute(
            "INSERT INTO rating (from_id, to_id, strength, groups, visibility, created_at,"
            " updated_at) VALUES ('a', 'ghost', 1, '[]', 'PUBLIC', 'x', 'x')"
        )

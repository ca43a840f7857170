"""What only the Neo4j store has: query plans that use the schema's indexes, start-up and ping
against a Neo4j that is not there, all-or-nothing batches in one transaction, Neo4j's UTF-16
string order hidden behind the sort keys, and the path/visibility Cypher checked against a
brute-force reading of the traversal rule.

Needs a real Neo4j (TIEGRAPH_NEO4J_*); without one these tests fail, never skip.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import random
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from neo4j import AsyncDriver, AsyncGraphDatabase

from graph_schema import queries as q
from service.access import can_see
from service.domain import (
    KEEP,
    Path,
    PathQuery,
    PersonPatch,
    Rating,
    RatingDraft,
    RatingVersion,
    Role,
    Step,
    Viewer,
    Visibility,
)
from service.errors import NotFound, StoreUnavailable
from service.scoring import ScoringTable, rank_paths
from service.store import neo4j as store_module
from service.store import neo4j_paths
from service.store.base import ImportBatch, PeopleAfter, RatingsAfter
from service.store.neo4j import Neo4jStore
from tests.conftest import TEST_QUERY_BUDGET, neo4j_settings, wipe_neo4j

pytestmark = pytest.mark.neo4j

ADMIN = Viewer("admin", Role.ADMIN)
TABLE = ScoringTable.default()
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def new_store() -> Neo4jStore:
    settings = neo4j_settings()
    return Neo4jStore(
        settings["uri"], settings["user"], settings["password"], settings["database"],
        query_budget=TEST_QUERY_BUDGET,
    )  # fmt: skip


@pytest_asyncio.fixture
async def store() -> AsyncIterator[Neo4jStore]:
    opened = new_store()
    await opened.open()
    await wipe_neo4j(neo4j_settings())
    yield opened
    await opened.close()


@pytest_asyncio.fixture
async def second_process(store: Neo4jStore) -> AsyncIterator[Neo4jStore]:
    """Another store on the database of `store`, as a second service process has."""
    other = new_store()
    await other.open()
    yield other
    await other.close()


@pytest_asyncio.fixture
async def driver() -> AsyncIterator[AsyncDriver]:
    settings = neo4j_settings()
    auth = (settings["user"], settings["password"]) if settings["password"] else None
    async with AsyncGraphDatabase.driver(settings["uri"], auth=auth) as opened:
        yield opened


async def people(store: Neo4jStore, *ids: str) -> None:
    await store.upsert_people([PersonPatch(id=i, name=f"Name of {i}") for i in ids])


def draft(src: str, dst: str, strength: int, **fields: Any) -> RatingDraft:
    return RatingDraft(from_id=src, to_id=dst, strength=strength, **fields)


# --- query plans ----------------------------------------------------------------------------


def operators(plan: dict[str, Any]) -> list[str]:
    """Every operator of an EXPLAIN plan, depth first, without ``@database`` or ``(Locking)``."""
    name = str(plan["operatorType"]).split("@")[0].split("(")[0]
    return [name, *(op for child in plan.get("children", []) for op in operators(child))]


async def explain(driver: AsyncDriver, statement: str, **params: Any) -> list[str]:
    settings = neo4j_settings()
    async with driver.session(database=settings["database"]) as session:
        result = await session.run("EXPLAIN " + statement, params)
        summary = await result.consume()
    assert summary.plan is not None
    return operators(summary.plan)


LAYER_PARAMS: dict[str, Any] = {
    "frontier": ["4:x:1"],
    "viewerId": "v",
    "isAdmin": False,
}
JOIN_PARAMS: dict[str, Any] = {
    **LAYER_PARAMS,
    "nearBest": {"4:x:1": 0.5},
    "farBest": {"4:x:2": 0.5},
    "p": [0.0, 0.9, 0.7, 0.45, 0.2, 0.05],
    "tau": 0.1,
}

SEEKING_BY_ID = [
    pytest.param(q.PEOPLE_GET, q.bundle({"ids": ["a"]}), id="PEOPLE_GET"),
    pytest.param(q.PEOPLE_MISSING, {"ids": ["a"]}, id="PEOPLE_MISSING"),
    pytest.param(q.PEOPLE_LOCKED_MISSING, {"ids": ["a"]}, id="PEOPLE_LOCKED_MISSING"),
    pytest.param(q.PERSON_DELETE, {"id": "a"}, id="PERSON_DELETE"),
    pytest.param(
        q.RATING_GET, {"fromId": "a", "toId": "b", "viewerId": "v", "isAdmin": False}, id="GET"
    ),
    pytest.param(q.RATING_REMOVE, {"fromId": "a", "toId": "b"}, id="RATING_REMOVE"),
    pytest.param(
        q.RATINGS_BY,
        {
            "fromId": "a",
            "viewerId": "v",
            "isAdmin": False,
            "limit": 10,
            "maxStrength": None,
            "group": None,
            "afterStrength": None,
            "afterId": None,
        },
        id="RATINGS_BY",
    ),
    pytest.param(
        q.MUTUAL_CONNECTIONS, {"a": "a", "b": "b", "viewerId": "v", "isAdmin": False}, id="MUTUAL"
    ),
    pytest.param(q.PATH_ENDS, q.bundle({"source": "a", "target": "b"}), id="PATH_ENDS"),
    pytest.param(
        q.TWO_HOP_PATHS,
        q.bundle(
            {
                "source": "a",
                "target": "b",
                "viewerId": "v",
                "isAdmin": False,
                "avoid": [],
                "maxStrength": 5,
                "first": 10,
                "keep": 0.5,
                "p": [0.0, 0.9, 0.7, 0.45, 0.2, 0.05],
            }
        ),
        id="TWO_HOP_PATHS",
    ),
]


BUNDLED = {
    **{f"LAYERS{key}": text for key, text in q.LAYERS.items()},
    **{f"JOINS{key}": text for key, text in q.JOINS.items()},
    **{name: getattr(q, name) for name in ("PATH_ENDS", "DEGREES", "STEP_GROUPS", "PEOPLE_GET")},
    "TWO_HOP_PATHS": q.TWO_HOP_PATHS,
}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_path_statements_read_every_parameter_from_one_map(name: str) -> None:
    # A top-level string or list parameter makes Neo4j plan the statement again for each
    # size class of its value (0.5 s each at tier L); a map parameter does not.
    assert set(re.findall(r"\$(\w+)", BUNDLED[name])) == {q.BUNDLE}


@pytest.mark.parametrize("key", sorted(q.LAYERS), ids=str)
async def test_search_layers_seek_people_by_element_id(
    store: Neo4jStore, driver: AsyncDriver, key: tuple[int, int, bool]
) -> None:
    ops = await explain(driver, q.LAYERS[key], **q.bundle(LAYER_PARAMS))
    assert "NodeByElementIdSeek" in ops, ops
    assert not {"AllNodesScan", "NodeByLabelScan"} & set(ops), ops


@pytest.mark.parametrize("key", sorted(q.JOINS), ids=str)
async def test_search_joins_seek_people_by_element_id(
    store: Neo4jStore, driver: AsyncDriver, key: tuple[int, bool]
) -> None:
    ops = await explain(driver, q.JOINS[key], **q.bundle(JOIN_PARAMS))
    assert "NodeByElementIdSeek" in ops, ops
    assert not {"AllNodesScan", "NodeByLabelScan"} & set(ops), ops


@pytest.mark.parametrize(("statement", "params"), SEEKING_BY_ID)
async def test_hot_statements_seek_people_by_the_unique_id_index(
    store: Neo4jStore, driver: AsyncDriver, statement: str, params: dict[str, Any]
) -> None:
    ops = await explain(driver, statement, **params)
    assert "NodeUniqueIndexSeek" in ops, ops
    assert not {"AllNodesScan", "NodeByLabelScan"} & set(ops), ops


async def test_rating_writes_seek_both_people_by_id(store: Neo4jStore, driver: AsyncDriver) -> None:
    ops = await explain(driver, q.RATINGS_WRITE, rows=[], now=T0)
    assert ops.count("NodeUniqueIndexSeek") >= 2, ops
    assert "NodeByLabelScan" not in ops, ops


async def test_search_uses_the_text_index_and_an_id_prefix_seek(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    ops = await explain(
        driver, q.PEOPLE_SEARCH, namePart="an", idPrefix="an", afterName="", afterId="", limit=5
    )
    assert "NodeIndexContainsScan" in ops, ops
    assert "NodeUniqueIndexSeekByRange" in ops, ops
    assert "NodeByLabelScan" not in ops, ops


async def test_listing_people_reads_the_sort_index_in_order(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    ops = await explain(driver, q.PEOPLE_LIST, afterName="", afterId="", limit=5)
    assert {"NodeIndexSeek", "NodeIndexSeekByRange"} & set(ops), ops
    # The index gives the order: no sort of every person before the LIMIT.
    assert not {"Sort", "Top", "PartialSort", "PartialTop"} & set(ops), ops


# --- availability ---------------------------------------------------------------------------


async def test_open_against_a_closed_port_is_unavailable_and_bounded() -> None:
    closed = Neo4jStore("bolt://127.0.0.1:1", "neo4j", "secret", connection_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        await closed.open()
    assert time.monotonic() - started < 10
    assert caught.value.code == "SERVICE_UNAVAILABLE"
    assert "Neo4j" in caught.value.message
    with pytest.raises(StoreUnavailable, match="not open"):
        await closed.ping()


async def test_wrong_password_is_unavailable_with_the_reason() -> None:
    settings = neo4j_settings()
    wrong = Neo4jStore(
        settings["uri"], settings["user"], settings["password"] + "-wrong", connection_timeout=2
    )
    if not settings["password"]:
        pytest.fail("this Neo4j runs without auth; the test needs TIEGRAPH_NEO4J_PASSWORD")
    with pytest.raises(StoreUnavailable, match="(?i)auth|credential|unauthorized"):
        await wrong.open()


# --- writes -------------------------------------------------------------------------------


async def count_ratings(driver: AsyncDriver) -> int:
    records, _, _ = await driver.execute_query(
        f"MATCH ()-[r:{q.ANY_RATING}]->() RETURN count(r) AS n",
        database_=neo4j_settings()["database"],
    )
    return int(records[0]["n"])


async def test_a_batch_naming_a_missing_person_writes_nothing(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    await people(store, "a", "b", "c")
    (before,) = await store.put_ratings([draft("a", "b", 3)], T0)
    later = T0 + timedelta(days=1)
    batch = [draft("a", "b", 1), draft("a", "c", 2), draft("c", "ghost", 2)]
    with pytest.raises(NotFound) as caught:
        await store.put_ratings(batch, later)
    assert (caught.value.field, caught.value.person_id, caught.value.index) == ("to", "ghost", 2)
    assert await count_ratings(driver) == 1
    assert await store.get_rating("a", "b", ADMIN) == before


async def test_a_single_rating_names_the_missing_rater_without_index(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    await people(store, "b")
    with pytest.raises(NotFound) as caught:
        await store.put_ratings([draft("ghost", "b", 1)], T0)
    assert (caught.value.field, caught.value.index) == ("from", None)
    assert await count_ratings(driver) == 0


async def test_replacing_keeps_created_at_and_round_trips_every_field(
    store: Neo4jStore,
) -> None:
    await people(store, "a", "b")
    await store.put_ratings([draft("a", "b", 4)], T0)
    later = T0 + timedelta(hours=5)
    full = draft(
        "a",
        "b",
        2,
        groups=("Friends", "Former colleagues"),
        context="Met at Ørsted",
        visibility=Visibility.PRIVATE,
        since=date(2019, 5, 1),
        last_interaction=date(2026, 1, 1),
    )
    (stored,) = await store.put_ratings([full], later)
    # A replace keeps the replaced version (issue 8).
    assert stored.history == (RatingVersion(4, (), Visibility.CONNECTIONS, T0),)
    assert dataclasses.replace(stored, history=()) == full.stamped(T0, later)
    assert stored.created_at.utcoffset() == timedelta(0)
    assert await store.get_rating("a", "b", ADMIN) == stored


async def test_a_person_patch_keeps_fields_not_sent_and_clears_fields_sent_empty(
    store: Neo4jStore,
) -> None:
    await store.upsert_people(
        [PersonPatch(id="a", name="Ann", headline="CTO", company="Acme", location="Lyon")]
    )
    (updated,) = await store.upsert_people(
        [PersonPatch(id="a", name="Ann B", headline=KEEP, company=None, location=KEEP)]
    )
    assert (updated.name, updated.headline, updated.company, updated.location) == (
        "Ann B",
        "CTO",
        None,
        "Lyon",
    )


# --- string order -------------------------------------------------------------------------


async def test_people_are_ordered_by_code_point_not_utf16(store: Neo4jStore) -> None:
    # UTF-16 puts the astral U+1F600 (a surrogate pair, 0xD83D...) before U+E000.
    names = {"x1": "\U0001f600", "x2": "\ue000", "x3": "z", "x4": "\ue000"}
    await store.upsert_people([PersonPatch(id=i, name=n) for i, n in names.items()])
    listed = await store.search_people(None, None, 10, None)
    assert [p.id for p in listed] == ["x3", "x2", "x4", "x1"]
    rest = await store.search_people(None, "x", 10, PeopleAfter("\ue000", "x2"))
    assert [p.id for p in rest] == ["x4", "x1"]


async def test_ratings_page_by_strength_then_code_point_id(store: Neo4jStore) -> None:
    await people(store, "a", "\U0001f600", "\ue000", "b")
    await store.put_ratings(
        [draft("a", "\U0001f600", 2), draft("a", "\ue000", 2), draft("a", "b", 1)], T0
    )
    found = await store.ratings_by("a", ADMIN, 10, None, None, None)
    assert [r.to_id for r in found] == ["b", "\ue000", "\U0001f600"]
    rest = await store.ratings_by("a", ADMIN, 10, RatingsAfter(2, "\ue000"), None, None)
    assert [r.to_id for r in rest] == ["\U0001f600"]


# --- traversal against a brute-force reading of API.md ----------------------------------------


def random_ratings(rng: random.Random, size: int, count: int) -> list[Rating]:
    ids = [f"p{i}" for i in range(size)]
    pairs = rng.sample(list(itertools.permutations(ids, 2)), count)
    return [
        Rating(u, v, rng.randint(1, 5), (f"g{rng.randint(1, 2)}",), None,
               rng.choice(list(Visibility)), None, None, T0, T0)
        for u, v in pairs
    ]  # fmt: skip


async def store_random_graph(
    store: Neo4jStore, rng: random.Random, *, size: int, count: int
) -> tuple[list[str], list[Rating]]:
    """`size` people p0, p1, ... and `count` random ratings among them, stored."""
    ids = [f"p{i}" for i in range(size)]
    ratings = random_ratings(rng, size, count)
    await people(store, *ids)
    await store.put_ratings(
        [draft(r.from_id, r.to_id, r.strength, groups=r.groups, visibility=r.visibility)
         for r in ratings],
        T0,
    )  # fmt: skip
    return ids, ratings


class Reference:
    """The traversal rule of API.md read literally, over all ratings in memory."""

    def __init__(self, ratings: list[Rating]) -> None:
        self.by_pair = {(r.from_id, r.to_id): r for r in ratings}

    def visible(self, rating: Rating, viewer: Viewer) -> bool:
        rated_viewer = (rating.from_id, viewer.person_id) in self.by_pair
        return can_see(viewer, rating.from_id, rating.visibility, rater_rated_viewer=rated_viewer)

    def step(self, u: str, v: str, viewer: Viewer, max_strength: int) -> Step | None:
        for rating in (self.by_pair.get((u, v)), self.by_pair.get((v, u))):
            if rating is not None and self.visible(rating, viewer):
                if rating.strength > max_strength:
                    return None
                return Step(u, v, rating.strength, rating.from_id, rating.groups)
        return None

    def paths(self, query: PathQuery, viewer: Viewer, ids: list[str]) -> Iterator[Path]:
        inner = [i for i in ids if i not in {query.source, query.target} | query.avoid]
        for hops in range(query.min_hops, query.max_hops + 1):
            for middle in itertools.permutations(inner, hops - 1):
                people = (query.source, *middle, query.target)
                steps = [
                    self.step(u, v, viewer, query.max_strength)
                    for u, v in itertools.pairwise(people)
                ]
                if all(s is not None for s in steps):
                    yield Path(people, tuple(s for s in steps if s is not None))

    def mutuals(self, a: str, b: str, viewer: Viewer, ids: list[str]) -> set[str]:
        return {
            m
            for m in ids
            if m not in (a, b) and self.step(m, a, viewer, 5) and self.step(m, b, viewer, 5)
        }


@pytest.mark.parametrize("seed", range(4))
async def test_paths_mutuals_and_ratings_match_the_rule(store: Neo4jStore, seed: int) -> None:
    rng = random.Random(seed)
    ids, ratings = await store_random_graph(store, rng, size=8, count=22)
    reference = Reference(ratings)
    viewers = [ADMIN, Viewer.dev(), *(Viewer(i, Role.USER) for i in ids[:4])]
    for viewer in viewers:
        for _ in range(4):
            source, target = rng.sample(ids, 2)
            max_hops = rng.randint(1, 4)
            query = PathQuery(
                source=source,
                target=target,
                min_hops=2 if max_hops == 2 and rng.random() < 0.5 else 1,
                max_hops=max_hops,
                first=rng.randint(1, 4),
                max_strength=rng.choice([3, 4, 5]),
                avoid=frozenset(rng.sample(ids, 1)) - {source, target},
            )
            found = await store.find_paths(query, viewer, TABLE)
            assert len({p.people for p in found}) == len(found), "a node path came twice"
            expected_all = list(reference.paths(query, viewer, ids))
            assert {p.people: p.steps for p in found}.items() <= {
                p.people: p.steps for p in expected_all
            }.items()
            assert rank_paths(found, TABLE, query.first) == rank_paths(
                expected_all, TABLE, query.first
            ), (query, viewer)

            mutual = await store.mutual_connections(source, target, viewer)
            assert {p.id for p in mutual} == reference.mutuals(source, target, viewer, ids)

            shown = await store.ratings_by(source, viewer, 100, None, None, None)
            expected = sorted(
                (r for r in ratings if r.from_id == source and reference.visible(r, viewer)),
                key=lambda r: (r.strength, r.to_id),
            )
            assert [(r.to_id, r.strength) for r in shown] == [
                (r.to_id, r.strength) for r in expected
            ]


@pytest.mark.parametrize("seed", range(3))
async def test_joins_read_by_cap_match_the_rule(
    store: Neo4jStore, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    # Every person is a hub here, so every last layer is a join statement, and each cap of
    # its frontier gets a statement of its own. The small graphs of the property test rarely
    # make a join with two caps; these denser ones make dozens.
    monkeypatch.setattr(neo4j_paths, "WHOLE_READ_DEGREE", 0)
    monkeypatch.setattr(neo4j_paths, "WHOLE_JOIN_RATINGS", 0)
    monkeypatch.setattr(neo4j_paths, "JOIN_SPLIT_PEOPLE", 1)
    statements_per_join: list[int] = []
    plan = neo4j_paths.join_groups

    def spied(caps: dict[str, int]) -> list[tuple[int, list[str]]]:
        groups = plan(caps)
        statements_per_join.append(len(groups))
        return groups

    monkeypatch.setattr(neo4j_paths, "join_groups", spied)
    rng = random.Random(100 + seed)
    ids, ratings = await store_random_graph(store, rng, size=12, count=60)
    reference = Reference(ratings)
    for viewer in (ADMIN, Viewer(ids[0], Role.USER)):
        for source, target in rng.sample(list(itertools.permutations(ids, 2)), 8):
            query = PathQuery(source, target, min_hops=1, max_hops=rng.choice([3, 4]),
                              first=rng.randint(1, 6), max_strength=5)  # fmt: skip
            found = await store.find_paths(query, viewer, TABLE)
            expected = list(reference.paths(query, viewer, ids))
            assert rank_paths(found, TABLE, query.first) == rank_paths(
                expected, TABLE, query.first
            ), (query, viewer)
    assert any(count > 1 for count in statements_per_join), statements_per_join


async def test_paths_prune_to_the_candidates_that_can_rank(store: Neo4jStore) -> None:
    # s-t directly (0.9) beats every two-step path (at most 0.81): with first=1 nothing
    # longer may come back, and the pruned longer statements must not be needed.
    await people(store, "s", "t", "m1", "m2", "m3")
    await store.put_ratings(
        [draft("s", "t", 1), *(draft("s", m, 1) for m in ("m1", "m2", "m3")),
         *(draft(m, "t", 1) for m in ("m1", "m2", "m3"))],
        T0,
    )  # fmt: skip
    query = PathQuery("s", "t", min_hops=1, max_hops=4, first=1, max_strength=5)
    found = await store.find_paths(query, ADMIN, TABLE)
    assert [p.people for p in found] == [("s", "t")]
    query = PathQuery("s", "t", min_hops=1, max_hops=4, first=2, max_strength=5)
    found = await store.find_paths(query, ADMIN, TABLE)
    # Three two-step paths tie for second place; all of them must stay for the caller.
    assert sorted(p.people for p in found) == [
        ("s", "m1", "t"),
        ("s", "m2", "t"),
        ("s", "m3", "t"),
        ("s", "t"),
    ]


async def test_two_step_paths_come_back_as_the_best_first_and_their_ties(
    store: Neo4jStore,
) -> None:
    # Through m1 and m2: 0.9 * 0.9; through m3 and m4: 0.7 * 0.9; through m5: 0.45 * 0.9.
    await people(store, "s", "t", "m1", "m2", "m3", "m4", "m5")
    strengths = {"m1": 1, "m2": 1, "m3": 2, "m4": 2, "m5": 3}
    await store.put_ratings(
        [*(draft("s", m, k) for m, k in strengths.items()), *(draft(m, "t", 1) for m in strengths)],
        T0,
    )
    query = PathQuery("s", "t", min_hops=2, max_hops=2, first=3, max_strength=5)
    found = await store.find_paths(query, ADMIN, TABLE)
    # The third place is a tie between m3 and m4: both stay; m5 cannot rank.
    assert sorted(p.people[1] for p in found) == ["m1", "m2", "m3", "m4"]
    query = PathQuery("s", "t", min_hops=2, max_hops=2, first=3, max_strength=1)
    found = await store.find_paths(query, ADMIN, TABLE)
    assert sorted(p.people[1] for p in found) == ["m1", "m2"]
    assert all(st.rated_by == st.from_id and st.strength == 1 for p in found for st in p.steps)


async def test_two_step_paths_come_with_their_people(store: Neo4jStore) -> None:
    await people(store, "s", "t", "m")
    await store.put_ratings([draft("s", "m", 1), draft("m", "t", 2), draft("s", "t", 3)], T0)
    query = PathQuery("s", "t", min_hops=1, max_hops=2, first=5, max_strength=5)
    found = await store.find_paths(query, ADMIN, TABLE)
    assert sorted(p.people for p in found) == [("s", "m", "t"), ("s", "t")]
    for path in found:
        assert {person.id for person in path.known} == set(path.people)
        stored = await store.get_people(list(path.people))
        assert {person.id: person for person in path.known} == stored


async def test_introducers_through_graphql_need_no_second_read_of_people(
    store: Neo4jStore,
) -> None:
    from service.api.context import RequestContext
    from service.api.schema import build_schema

    await people(store, "s", "t", "m1", "m2")
    await store.put_ratings(
        [draft("s", "m1", 1), draft("m1", "t", 2), draft("m2", "s", 2), draft("m2", "t", 1)], T0
    )
    reads: list[list[str]] = []
    get_people = store.get_people

    async def counting(ids: Any) -> Any:
        reads.append(list(ids))
        return await get_people(ids)

    store.get_people = counting  # type: ignore[method-assign]
    context = RequestContext(
        request_id="test", table=TABLE, viewer=ADMIN, store=store, failure=None
    )
    result = await build_schema().execute(
        '{ introducers(from: "s", target: "t") { person { id name } score '
        "toIntroducer { from { id } ratedBy { name } } toTarget { to { name } } } }",
        context_value=context,
    )
    assert result.errors is None
    assert result.data is not None
    assert [i["person"]["id"] for i in result.data["introducers"]] == ["m1", "m2"]
    assert reads == []


async def test_a_reverse_rating_is_used_only_when_the_forward_one_is_hidden(
    store: Neo4jStore,
) -> None:
    await people(store, "s", "m", "t", "v")
    await store.put_ratings(
        [
            draft("s", "m", 5, visibility=Visibility.PRIVATE),
            draft("m", "s", 1, visibility=Visibility.PUBLIC),
            draft("m", "t", 4, visibility=Visibility.PUBLIC),
            draft("t", "m", 1, visibility=Visibility.PUBLIC),
        ],
        T0,
    )
    query = PathQuery("s", "t", min_hops=2, max_hops=2, first=5, max_strength=5)
    (as_stranger,) = await store.find_paths(query, Viewer("v", Role.USER), TABLE)
    assert [(st.strength, st.rated_by) for st in as_stranger.steps] == [(1, "m"), (4, "m")]
    (as_admin,) = await store.find_paths(query, ADMIN, TABLE)
    assert [(st.strength, st.rated_by) for st in as_admin.steps] == [(5, "s"), (4, "m")]
    capped = PathQuery("s", "t", min_hops=2, max_hops=2, first=5, max_strength=4)
    assert await store.find_paths(capped, ADMIN, TABLE) == []


# --- the strength is the relationship type --------------------------------------------------


async def test_a_rating_is_stored_with_its_strength_as_type_and_moves_when_it_changes(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    await people(store, "a", "b")
    (first,) = await store.put_ratings([draft("a", "b", 2)], T0)
    (second,) = await store.put_ratings([draft("a", "b", 4)], T0 + timedelta(days=1))
    records, _, _ = await driver.execute_query(
        "MATCH (:Person {id: 'a'})-[r]->(:Person {id: 'b'}) RETURN type(r) AS type",
        database_=neo4j_settings()["database"],
    )
    assert [r["type"] for r in records] == ["RATED_4"]
    assert second.created_at == first.created_at == T0
    assert second.updated_at == T0 + timedelta(days=1)


async def test_a_batch_naming_one_pair_twice_keeps_the_last_as_one_relationship(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    await people(store, "a", "b")
    stored = await store.put_ratings([draft("a", "b", 1), draft("a", "b", 3)], T0)
    assert [r.strength for r in stored] == [3, 3]
    assert await count_ratings(driver) == 1


async def test_migration_v004_moves_old_rated_relationships_to_typed_ones(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    from graph_schema.migrate import load_migrations

    (v004,) = [m for m in load_migrations() if m.version == 4]
    await people(store, "a", "b", "c")
    database = neo4j_settings()["database"]
    await driver.execute_query(
        "MATCH (a:Person {id: 'a'}), (b:Person {id: 'b'}), (c:Person {id: 'c'}) "
        "CREATE (a)-[:RATED {strength: 2, visibility: 'PUBLIC', createdAt: $t}]->(b), "
        "(b)-[:RATED {strength: 5, visibility: 'PRIVATE', createdAt: $t}]->(c)",
        t=T0,
        database_=database,
    )
    async with driver.session(database=database) as session:
        for statement in v004.statements:
            await (await session.run(statement)).consume()
    records, _, _ = await driver.execute_query(
        "MATCH (x)-[r]->(y) WHERE x:Person RETURN x.id AS x, type(r) AS type, "
        "r.visibility AS visibility ORDER BY x",
        database_=database,
    )
    assert [(r["x"], r["type"], r["visibility"]) for r in records] == [
        ("a", "RATED_2", "PUBLIC"),
        ("b", "RATED_5", "PRIVATE"),
    ]


@pytest.mark.parametrize("inward", [False, True])
async def test_a_layer_of_strong_ties_reads_only_the_strong_types(
    store: Neo4jStore, driver: AsyncDriver, inward: bool
) -> None:
    ops_plan = await profile_db_hits(driver, q.layer_query(1, 2, inward=inward), inward)
    # A hub with 300 weak ties and 3 strong ones: the layer touches about the strong ones
    # (each strong pair may come back twice, own and reverse rating: the search keeps one).
    assert ops_plan["rows"] == 3
    assert ops_plan["db_hits"] < 300, ops_plan


async def test_the_last_layer_sends_only_steps_that_reach_the_bound(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    await create_hub(driver)
    async with driver.session(database=neo4j_settings()["database"]) as session:
        keys = {
            record["id"]: record["k"]
            async for record in await session.run(
                "MATCH (p:Person) RETURN p.id AS id, elementId(p) AS k"
            )
        }
        params = {
            "frontier": [keys["hub"]],
            "viewerId": None,
            "isAdmin": True,
            "nearBest": {keys["hub"]: 1.0},
            "farBest": {k: 0.5 for person, k in keys.items() if person != "hub"},
            "p": [0.0, 0.9, 0.7, 0.45, 0.2, 0.05],
            "tau": 0.3,
            "floor": 0.05,
        }
        result = await session.run(q.join_query(5, inward=False), q.bundle(params))
        record = await result.single(strict=True)
        lower = {**params, "floor": 0.02}
        deeper = await (await session.run(q.join_query(5, inward=False), q.bundle(lower))).single()
        assert deeper is not None
    # The hub's three strength-1 ratings reach 0.9 * 0.5 = 0.45 >= 0.3. Its 300 strength-5
    # ones (0.025) and the reverse strength-4 ones (0.1) stay in Neo4j; the best of those is
    # reported as left out. Left out is a bound, so it may count a reverse rating that an own
    # one blocks: checking the blocker for every dropped row would cost what the bound saves.
    # The reverse strength-2 ratings reach 0.35 but the hub's own visible ratings block them.
    assert sorted((far_id, strength, own) for _, _, far_id, strength, own in record["steps"]) == [
        ("s1", 1, True),
        ("s2", 1, True),
        ("s3", 1, True),
    ]
    assert record["leftOut"] == pytest.approx(0.2 * 0.5)
    # What it left out down to the floor, one score per path the search may look for next:
    # above 0.05 the 300 reverse strength-4 ratings (0.1), above 0.02 the own strength-5 ones
    # (0.025) too.
    assert sorted(record["dropped"]) == pytest.approx([0.1] * 300)
    assert sorted(deeper["dropped"]) == pytest.approx([0.025] * 300 + [0.1] * 300)


async def create_private_hub(store: Neo4jStore) -> None:
    """A hub rated by 300 people (CONNECTIONS, strength 4), two of whom also rated the viewer
    `me` (strength 3): a user sees only those two of the hub's ratings."""
    fans = [f"f{i:03d}" for i in range(300)]
    await people(store, "hub", "me", *fans)
    connections = {"visibility": Visibility.CONNECTIONS}
    await store.put_ratings(
        [draft(fan, "hub", 4, **connections) for fan in fans]
        + [draft(fan, "me", 3, **connections) for fan in fans[:2]],
        T0,
    )


async def run_layer_as_me(
    driver: AsyncDriver, raters: dict[str, bool] | None
) -> tuple[set[tuple[str, int, bool]], int]:
    """The inward layer (strengths 1-5) at the hub, seen by the user `me`: its steps (far id,
    strength, own) and the statement's db hits (PROFILE)."""
    async with driver.session(database=neo4j_settings()["database"]) as session:
        hub = await (
            await session.run("MATCH (h:Person {id: 'hub'}) RETURN elementId(h) AS k")
        ).single()
        assert hub is not None
        params: dict[str, Any] = {"frontier": [hub["k"]], "viewerId": "me", "isAdmin": False}
        if raters is not None:
            params["raters"] = raters
        statement = q.layer_query(1, 5, inward=True)
        result = await session.run("PROFILE " + statement, q.bundle(params))
        record = await result.single(strict=True)
        summary = await result.consume()
    assert summary.profile is not None
    steps = {(far_id, strength, own) for _, _, far_id, strength, own in record["steps"]}
    return steps, total_db_hits(summary.profile)


async def test_a_users_layer_looks_the_viewers_raters_up_in_a_map_not_per_rating(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    await create_private_hub(store)
    async with driver.session(database=neo4j_settings()["database"]) as session:
        result = await session.run(
            q.PATH_ENDS,
            q.bundle(
                {"source": "me", "target": "hub", "viewerId": "me", "isAdmin": False,
                 "ratersCap": 1_000}
            ),
        )  # fmt: skip
        ends = await result.single(strict=True)
    raters = dict.fromkeys(ends["raters"], True)
    assert len(raters) == 2  # f000 and f001 rated me
    looked_up, per_rating = await run_layer_as_me(driver, None)
    from_map, with_map = await run_layer_as_me(driver, raters)
    # The same two steps either way: the ratings of the hub by those who rated me.
    assert looked_up == from_map == {("f000", 4, True), ("f001", 4, True)}
    # Without the map, each of the 300 CONNECTIONS ratings asks whether its rater rated me:
    # at least a db hit each (here `me` has two ratings to read; at tier L, ~18 per rating).
    assert per_rating - with_map >= 300, (with_map, per_rating)


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [(Viewer("me", Role.USER), 2), (ADMIN, None), (Viewer("nobody", Role.USER), 0)],
    ids=["a user", "an admin", "a viewer who is not a person"],
)
async def test_a_search_reads_the_viewers_raters_with_its_ends(
    store: Neo4jStore,
    monkeypatch: pytest.MonkeyPatch,
    viewer: Viewer,
    expected: int | None,
) -> None:
    await create_private_hub(store)
    seen: list[Any] = []

    class Recording(store_module._Neighbourhoods):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            seen.append(self._viewer.get("raters"))

    monkeypatch.setattr(store_module, "_Neighbourhoods", Recording)
    source = "me" if viewer.person_id == "me" else "f005"
    query = PathQuery(source=source, target="hub", min_hops=1, max_hops=3, first=5, max_strength=5)
    await store.find_paths(query, viewer, TABLE)
    assert len(seen) == 1
    assert (None if seen[0] is None else len(seen[0])) == expected
    # Past the limit nothing is sent, and each rating looks its rater up.
    monkeypatch.setattr(store_module, "RATERS_IN_SEARCH", 1)
    await store.find_paths(query, viewer, TABLE)
    assert seen[1] == ({} if expected == 0 else None)


async def create_hub(driver: AsyncDriver) -> None:
    """A hub with 300 weak ties each way (5 out, 4 back) and 3 strong ones (1 out, 2 back)."""
    database = neo4j_settings()["database"]
    await driver.execute_query(
        "CREATE (h:Person {id: 'hub', name: 'Hub', idSort: 'hub'}) "
        "WITH h UNWIND range(1, 300) AS i "
        "CREATE (p:Person {id: 'w' + i, name: 'W', idSort: 'w' + i}) "
        "CREATE (h)-[:RATED_5 {strength: 5, visibility: 'PUBLIC'}]->(p) "
        "CREATE (p)-[:RATED_4 {strength: 4, visibility: 'PUBLIC'}]->(h)",
        database_=database,
    )
    await driver.execute_query(
        "MATCH (h:Person {id: 'hub'}) UNWIND range(1, 3) AS i "
        "CREATE (p:Person {id: 's' + i, name: 'S', idSort: 's' + i}) "
        "CREATE (h)-[:RATED_1 {strength: 1, visibility: 'PUBLIC'}]->(p) "
        "CREATE (p)-[:RATED_2 {strength: 2, visibility: 'PUBLIC'}]->(h)",
        database_=database,
    )


async def profile_db_hits(driver: AsyncDriver, statement: str, inward: bool) -> dict[str, int]:
    database = neo4j_settings()["database"]
    await create_hub(driver)
    async with driver.session(database=database) as session:
        hub = await (
            await session.run("MATCH (h:Person {id: 'hub'}) RETURN elementId(h) AS k")
        ).single()
        assert hub is not None
        params = {"frontier": [hub["k"]], "viewerId": None, "isAdmin": True}
        result = await session.run("PROFILE " + statement, q.bundle(params))
        record = await result.single(strict=True)
        rows = len({(near, far) for near, far, *_ in record["steps"]})
        summary = await result.consume()
    assert summary.profile is not None
    return {"rows": rows, "db_hits": total_db_hits(summary.profile)}


def total_db_hits(plan: dict[str, Any]) -> int:
    own = int(plan.get("dbHits", 0))
    return own + sum(total_db_hits(child) for child in plan.get("children", []))


# --- time budget and concurrent writers ------------------------------------------------------


async def test_a_search_past_the_time_budget_is_cancelled_as_too_complex(
    store: Neo4jStore,
) -> None:
    from service.errors import QueryTooComplex

    settings = neo4j_settings()
    # A dense graph whose exhaustive 4-hop search cannot finish within 1 ms.
    ids = [f"k{i}" for i in range(60)]
    await people(store, *ids)
    await store.put_ratings([draft(a, b, 5) for a in ids for b in ids if a < b], T0)
    tight = Neo4jStore(
        settings["uri"], settings["user"], settings["password"], settings["database"],
        query_budget=0.001,
    )  # fmt: skip
    await tight.open()
    try:
        query = PathQuery("k0", "k1", min_hops=1, max_hops=4, first=100, max_strength=5)
        with pytest.raises(QueryTooComplex) as caught:
            await tight.find_paths(query, ADMIN, TABLE)
        assert caught.value.extensions() == {"code": "QUERY_TOO_COMPLEX", "reason": "time budget"}
        # Neo4j still answers afterwards: the budget cancelled a query, not the database.
        assert await store.get_people(["k0"])
    finally:
        await tight.close()


async def test_a_one_statement_read_past_the_time_budget_is_cancelled_as_too_complex(
    store: Neo4jStore,
) -> None:
    """One statement runs as an auto-commit transaction, under the same server timeout."""
    from service.errors import QueryTooComplex

    settings = neo4j_settings()
    tight = Neo4jStore(
        settings["uri"], settings["user"], settings["password"], settings["database"],
        query_budget=0.5,
    )  # fmt: skip
    await tight.open()
    slow = "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n"
    try:
        started = time.monotonic()
        with pytest.raises(QueryTooComplex) as caught:
            await tight._read(store_module._single_value, slow, {}, "n")
        assert caught.value.extensions() == {"code": "QUERY_TOO_COMPLEX", "reason": "time budget"}
        assert time.monotonic() - started < 10
        # the server cancelled it: no transaction of that statement is left running
        running = await tight.with_driver(_running_statements)
        assert slow not in running
    finally:
        await tight.close()


async def _running_statements(driver: AsyncDriver) -> list[str]:
    records, _, _ = await driver.execute_query("SHOW TRANSACTIONS YIELD currentQuery")
    return [record["currentQuery"] for record in records]


async def test_one_statement_reads_run_auto_commit_and_fall_back_when_retryable(
    store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup is one auto-commit round trip; an error worth retrying sends it through the
    managed transaction, which the driver retries. The failure is injected: a connection
    that Neo4j drops at just that moment cannot be produced on demand here."""
    from neo4j.exceptions import ClientError, SessionExpired

    await people(store, "a", "b")
    statements: list[str] = []
    fail_with: list[Exception] = []
    run = store_module._AutoCommit.run

    async def spied(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        statements.append(query)
        if fail_with:
            raise fail_with.pop()
        return await run(self, query, *args, **kwargs)

    monkeypatch.setattr(store_module._AutoCommit, "run", spied)
    assert set(await store.get_people(["a", "b"])) == {"a", "b"}
    assert statements == [q.PEOPLE_GET]

    fail_with.append(SessionExpired("the connection was closed by the server"))
    assert set(await store.get_people(["a"])) == {"a"}  # answered by the managed retry
    assert len(statements) == 2

    fail_with.append(ClientError("not worth retrying"))
    with pytest.raises(ClientError):
        await store.get_people(["a"])


async def test_people_are_locked_one_by_one_in_the_order_given(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    # With an Eager between the seeks and the writes (a FOREACH over the found person made
    # one), every id was looked up before the first lock, and two writers of one pair
    # deadlocked on the upgrade.
    ops = await explain(driver, q.PEOPLE_LOCKED_MISSING, ids=["a", "b"])
    assert "Eager" not in ops, ops
    assert "SetProperty" in ops, ops


async def test_two_processes_rating_one_pair_at_once_leave_one_rating_that_remembers_the_other(
    store: Neo4jStore, second_process: Neo4jStore, driver: AsyncDriver
) -> None:
    """Two service processes (two stores) rate the same pairs at once, with different
    strengths. A write reads the pair's old rating before it writes; before the people were
    locked first, both writers could read "none" and each MERGE its own type: two ratings of
    one pair (72 of 300 pairs in a trial with two stores)."""
    pairs = [(f"a{i:02d}", f"b{i:02d}") for i in range(60)]
    await people(store, *itertools.chain.from_iterable(pairs))
    await asyncio.gather(
        *(
            writer.put_ratings([draft(a, b, strength)], T0)
            for a, b in pairs
            for writer, strength in ((store, 2), (second_process, 3))
        )
    )
    for a, b in pairs:
        found = await store.get_rating(a, b, ADMIN)
        assert found is not None
        # The second write replaced the first, whose version is in its history.
        assert [v.strength for v in found.history] == [5 - found.strength], found
    assert await count_ratings(driver) == len(pairs)


async def test_two_processes_importing_one_network_at_once_create_each_rating_once(
    store: Neo4jStore, second_process: Neo4jStore, driver: AsyncDriver
) -> None:
    # An import reads which pairs its raters rated, then creates the others: unlocked, two
    # processes importing the same export both created every rating.
    contacts = [f"c{i:02d}" for i in range(40)]
    await people(store, "owner", *contacts)
    batches = [ImportBatch(people=(), ratings=(draft("owner", c, 3),), now=T0) for c in contacts]
    await asyncio.gather(
        *(writer.import_network(b) for b in batches for writer in (store, second_process))
    )
    assert await count_ratings(driver) == len(contacts)


async def test_concurrent_batches_through_a_hub_all_commit_without_deadlock(
    store: Neo4jStore, driver: AsyncDriver
) -> None:
    import asyncio

    ids = [f"c{i:03d}" for i in range(400)]
    await people(store, "hub", *ids)
    rng = random.Random(7)

    def batch(k: int) -> list[RatingDraft]:
        chosen = rng.sample(ids, 150)
        # Both directions through the hub, in shuffled order: the locks overlap.
        return [draft("hub", c, 4) if (i + k) % 2 else draft(c, "hub", 3)
                for i, c in enumerate(chosen)]  # fmt: skip

    batches = [batch(k) for k in range(8)]
    results = await asyncio.gather(*(store.put_ratings(b, T0) for b in batches))
    assert [len(r) for r in results] == [len(b) for b in batches]
    expected = {(d.from_id, d.to_id) for b in batches for d in b}
    assert await count_ratings(driver) == len(expected)


def test_the_store_works_on_its_own_thread_for_any_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The driver and a search's Python half run on the store's thread (`LoopThread`), not
    on the caller's loop: a long search cannot hold the app's loop, and a store opened under
    one event loop serves another (each `asyncio.run` is a new loop)."""
    searched_on: list[threading.Thread] = []
    search = neo4j_paths.MeetInTheMiddle.run

    async def spied(self: neo4j_paths.MeetInTheMiddle) -> list[Path]:
        searched_on.append(threading.current_thread())
        return await search(self)

    monkeypatch.setattr(neo4j_paths.MeetInTheMiddle, "run", spied)
    opened = new_store()
    asyncio.run(opened.open())
    try:
        asyncio.run(wipe_neo4j(neo4j_settings()))

        async def seed() -> None:
            await people(opened, "a", "b", "c", "d")
            await opened.put_ratings(
                [draft("a", "b", 1), draft("b", "c", 2), draft("c", "d", 1)], T0
            )

        asyncio.run(seed())
        query = PathQuery(source="a", target="d", min_hops=1, max_hops=3, first=5, max_strength=5)
        found = asyncio.run(opened.find_paths(query, ADMIN, TABLE))
        assert [p.people for p in found] == [("a", "b", "c", "d")]
        assert [thread.name for thread in searched_on] == ["tiegraph-neo4j"]
        assert searched_on[0] is not threading.current_thread()
    finally:
        asyncio.run(opened.close())
    assert not searched_on[0].is_alive(), "close() left the store's thread running"


async def test_searches_take_turns_and_a_wait_past_the_budget_is_too_complex(
    store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most `searches` path searches of 3-4 hops run at once; the others wait for a turn,
    and one that cannot get a turn within the time budget is answered as over the budget.
    The search itself is replaced by one that holds its turn until the test lets it go."""
    from service.errors import QueryTooComplex

    running, most = [0], [0]
    release = threading.Event()

    async def held_search(tx: Any, query: PathQuery, *args: Any) -> list[Path]:
        running[0] += 1
        most[0] = max(most[0], running[0])
        await asyncio.to_thread(release.wait, 30)
        running[0] -= 1
        return []

    monkeypatch.setattr(store_module, "_find_paths", held_search)
    settings = neo4j_settings()

    def opened(budget: float) -> Neo4jStore:
        return Neo4jStore(
            settings["uri"], settings["user"], settings["password"], settings["database"],
            query_budget=budget, searches=2,
        )  # fmt: skip

    query = PathQuery("a", "b", min_hops=1, max_hops=3, first=5, max_strength=5)
    turns = opened(budget=20.0)
    await turns.open()
    try:
        # Four at once: two run, two wait, and all four are answered once the first go.
        searches = [asyncio.ensure_future(turns.find_paths(query, ADMIN, TABLE)) for _ in range(4)]
        await asyncio.sleep(0.5)
        assert (running[0], most[0]) == (2, 2)
        # Two hops are one statement and need no turn: answered while both turns are taken.
        short = dataclasses.replace(query, max_hops=2)
        assert await asyncio.wait_for(turns.find_paths(short, ADMIN, TABLE), 5) == []
        release.set()
        assert await asyncio.gather(*searches) == [[], [], [], []]
        assert most[0] == 2
    finally:
        release.set()
        await turns.close()

    # Both turns held (taken directly, so that no transaction outlives its own budget): a
    # search that cannot start within the budget is answered as past it.
    tight = opened(budget=0.5)
    await tight.open()
    try:
        home, semaphore = tight._home, tight._search_turns
        for _ in range(2):
            await home.run(semaphore.acquire)
        with pytest.raises(QueryTooComplex) as caught:
            await tight.find_paths(query, ADMIN, TABLE)
        assert caught.value.extensions() == {"code": "QUERY_TOO_COMPLEX", "reason": "time budget"}
    finally:

        async def give_back() -> None:
            semaphore.release()
            semaphore.release()

        await home.run(give_back)
        await tight.close()

"""Fixtures shared by every test: the stores, the viewers and a graph loader.

`store` runs a test once per store ("embedded", "neo4j"), so `-k embedded` / `-k neo4j`
select one. The Neo4j store needs TIEGRAPH_NEO4J_URI (scripts/test sets it); without it
those tests fail, because a store that cannot start is a failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import pytest
import pytest_asyncio

from service import contacts
from service.domain import PersonFields, RatingFields, Role, Viewer, Visibility
from service.store.base import Store

STORE_KINDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]

# ("a", "b", 2), ("a", "b", 2, Visibility.PRIVATE) or ("a", "b", 2, Visibility.PUBLIC, ["Friends"])
EdgeSpec: TypeAlias = tuple[Any, ...]
GraphLoader: TypeAlias = Callable[..., Awaitable[None]]

# In pieces: a database left with a benchmark's millions of ratings is past one
# transaction's memory.
WIPE_PEOPLE = (
    "MATCH (n) WHERE n:Person OR n:`__Load` "
    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 500 ROWS"
)


# The tests check answers, not speed: on a shared 2-core CI machine Neo4j replans statements
# after the data changes under them (every test wipes it), which has taken a path search past
# the 5 s default. The budget's own tests set a tight one on purpose.
TEST_QUERY_BUDGET = float(os.environ.get("TIEGRAPH_QUERY_BUDGET", "60"))


def neo4j_settings() -> dict[str, str | None]:
    """The Neo4j the tests use, from the environment; fails the test when it is not set."""
    uri = os.environ.get("TIEGRAPH_NEO4J_URI")
    if not uri:
        pytest.fail(
            "TIEGRAPH_NEO4J_URI is not set: start a Neo4j with "
            "`scripts/neo4j-local start --data-dir DIR --port P` and export the lines it "
            "prints (scripts/test does this)",
            pytrace=False,
        )
    return {
        "uri": uri,
        "user": os.environ.get("TIEGRAPH_NEO4J_USER") or None,
        "password": os.environ.get("TIEGRAPH_NEO4J_PASSWORD") or None,
        "database": os.environ.get("TIEGRAPH_NEO4J_DATABASE") or "neo4j",
    }


def make_neo4j_store(settings: dict[str, str | None]) -> Store:
    from service.store.neo4j import Neo4jStore

    store: Store = Neo4jStore(
        uri=settings["uri"] or "",
        user=settings["user"],
        password=settings["password"],
        database=settings["database"] or "neo4j",
        query_budget=TEST_QUERY_BUDGET,
    )
    return store


def make_embedded_store(data_dir: Path) -> Store:
    from service.store.embedded import EmbeddedStore

    store: Store = EmbeddedStore(data_dir)
    return store


async def wipe_neo4j(settings: dict[str, str | None]) -> None:
    """Delete every person (and so every rating), keeping the migration bookkeeping."""
    from neo4j import AsyncGraphDatabase

    user, password = settings["user"], settings["password"]
    auth = (user, password or "") if user else None
    async with AsyncGraphDatabase.driver(settings["uri"] or "", auth=auth) as driver:
        async with driver.session(database=settings["database"]) as session:
            # IN TRANSACTIONS needs an auto-commit transaction: session.run, not execute_query.
            await (await session.run(WIPE_PEOPLE)).consume()


@pytest_asyncio.fixture(scope="session")
async def neo4j_session_store() -> AsyncIterator[Store]:
    """One Neo4jStore for the whole session: opening it (and migrating) once is enough."""
    store = make_neo4j_store(neo4j_settings())
    await store.open()
    yield store
    await store.close()


@pytest_asyncio.fixture
async def neo4j_store(neo4j_session_store: Store) -> Store:
    await wipe_neo4j(neo4j_settings())
    return neo4j_session_store


@pytest_asyncio.fixture
async def embedded_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = make_embedded_store(tmp_path / "embedded")
    await store.open()
    yield store
    await store.close()


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def store(request: pytest.FixtureRequest, store_kind: str) -> Store:
    """An empty store of each kind, ready to use."""
    # Only the chosen kind's fixture is set up, so `-k embedded` never touches Neo4j.
    chosen: Store = request.getfixturevalue(f"{store_kind}_store")
    return chosen


@pytest.fixture
def store_factory(store_kind: str, tmp_path: Path) -> Callable[[], Store]:
    """New, unopened store instances of each kind, all on the same data."""
    if store_kind == "embedded":
        return lambda: make_embedded_store(tmp_path / "reopened")
    settings = neo4j_settings()
    return lambda: make_neo4j_store(settings)


@pytest.fixture
def neo4j_factory() -> Callable[[dict[str, str | None]], Store]:
    """`neo4j_factory(settings)`: a Neo4jStore for a database the test started itself."""
    return make_neo4j_store


@pytest.fixture
def admin() -> Viewer:
    return Viewer("admin-1", Role.ADMIN)


@pytest.fixture
def dev() -> Viewer:
    return Viewer.dev()


def user(person_id: str) -> Viewer:
    return Viewer(person_id, Role.USER)


def person_name(person_id: str) -> str:
    return f"Name of {person_id}"


def rating_fields(edge: EdgeSpec) -> RatingFields:
    src, dst, strength, *rest = edge
    visibility: Visibility = rest[0] if rest else Visibility.CONNECTIONS
    groups: Sequence[str] = rest[1] if len(rest) > 1 else ()
    return RatingFields(
        from_id=src, to_id=dst, strength=strength, visibility=visibility, groups=groups
    )


async def load_graph(store: Store, edges: Iterable[EdgeSpec], people: Iterable[str] = ()) -> None:
    """Create every person named (name: `person_name(id)`) and every rating, as an admin."""
    edge_list = list(edges)
    ids = list(dict.fromkeys([*people, *(e[0] for e in edge_list), *(e[1] for e in edge_list)]))
    admin = Viewer("loader", Role.ADMIN)
    if ids:
        await contacts.upsert_people(
            store, admin, [PersonFields(id=i, name=person_name(i)) for i in ids]
        )
    if edge_list:
        await contacts.rate_connections(store, admin, [rating_fields(e) for e in edge_list])


@pytest.fixture
def graph() -> GraphLoader:
    """`await graph(store, edges, people=())`: load a small graph through the use-cases."""
    return load_graph

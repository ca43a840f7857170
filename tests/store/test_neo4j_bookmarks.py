"""Read-your-writes on Neo4j (issue 11): the store's sessions share one bookmark manager, so
a read in a new session starts after the last write of any earlier one, through `bolt://` and
through `neo4j://` routing alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from neo4j import AsyncDriver

from service import contacts
from service.domain import PersonFields, Role, Viewer
from service.store.neo4j import Neo4jStore
from tests.conftest import TEST_QUERY_BUDGET, neo4j_settings, wipe_neo4j

ADMIN = Viewer("admin", Role.ADMIN)
READ_NAME = "MATCH (p:Person {id: $id}) RETURN p.name AS name"

pytestmark = pytest.mark.neo4j


def _routing(uri: str) -> str:
    scheme, sep, rest = uri.partition("://")
    assert sep and scheme in ("bolt", "neo4j"), uri
    return f"neo4j://{rest}"


@pytest_asyncio.fixture(params=["bolt", "neo4j"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Neo4jStore]:
    settings = neo4j_settings()
    await wipe_neo4j(settings)
    uri = settings["uri"] or ""
    opened = Neo4jStore(
        uri=_routing(uri) if request.param == "neo4j" else uri,
        user=settings["user"],
        password=settings["password"],
        database=settings["database"] or "neo4j",
        query_budget=TEST_QUERY_BUDGET,
    )
    await opened.open()
    yield opened
    await opened.close()


async def test_every_write_moves_the_bookmark_the_next_session_starts_from(
    store: Neo4jStore,
) -> None:
    seen: set[frozenset[str]] = set()
    for i in range(5):
        await contacts.upsert_person(store, ADMIN, PersonFields(id="p", name=f"Name {i}"))
        bookmarks = frozenset(await store._bookmarks.get_bookmarks())
        assert bookmarks, "a committed write left no bookmark"
        assert bookmarks not in seen, "the bookmark did not move with the write"
        seen.add(bookmarks)
        # The read runs in a new session, which starts from those bookmarks.
        found = await contacts.person(store, "p")
        assert found is not None
        assert found.name == f"Name {i}"


async def test_a_read_in_a_new_session_sees_the_write_of_another(store: Neo4jStore) -> None:
    for i in range(20):
        person_id = f"ryw-{i}"
        await contacts.upsert_person(store, ADMIN, PersonFields(id=person_id, name=f"N{i}"))

        # Another session, opened by hand on the same driver and bookmark manager.
        async def read_name(driver: AsyncDriver, person_id: str = person_id) -> Any:
            async with store._session(driver) as session:
                result = await session.run(
                    "MATCH (p:Person {id: $id}) RETURN p.name AS name", id=person_id
                )
                return await result.single()

        record = await store.with_driver(read_name)
        assert record is not None and record["name"] == f"N{i}"

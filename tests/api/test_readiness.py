"""Readiness while the store is down: the process serves, says why it is not ready, and
answers GraphQL with SERVICE_UNAVAILABLE."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from service.errors import StoreUnavailable, StoreUnusable
from service.store.embedded import DB_FILENAME, EmbeddedStore
from service.store.factory import StoreHandle
from tests.support.api import Api, running, settings_for, token_for

# Port 1 on localhost: nothing listens, the connection is refused at once.
DEAD_NEO4J = "bolt://127.0.0.1:1"


@pytest_asyncio.fixture
async def down_api(tmp_path: Path) -> AsyncIterator[Api]:
    settings = settings_for(tmp_path / "unused", store="neo4j", neo4j_uri=DEAD_NEO4J)
    async with running(settings, token=token_for("alice")) as api:
        yield api


async def test_readyz_is_503_with_a_reason(down_api: Api) -> None:
    response = await down_api.client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "127.0.0.1:1" in body["reason"]


async def test_healthz_is_still_200(down_api: Api) -> None:
    response = await down_api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_queries_and_writes_get_service_unavailable(down_api: Api) -> None:
    for query in (
        "{ people { items { id } } }",
        'mutation { upsertPerson(input: {id: "x", name: "X"}) { id } }',
    ):
        error = await down_api.error(query)
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        # The driver's reason names the host and port; clients get a generic message.
        assert "127.0.0.1" not in error["message"]
        assert "nothing was written" in error["message"]


async def test_graphiql_still_renders(down_api: Api) -> None:
    response = await down_api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_a_data_directory_that_can_never_work_fails_the_start_up(tmp_path: Path) -> None:
    """A file where the data directory should be: nothing to wait for, so the start-up fails
    at once with the reason (issue 11) instead of serving 503 forever."""
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the data directory should be")
    settings = settings_for(blocker / "data", dev=True, store_startup_timeout=30)
    started = time.monotonic()
    with pytest.raises(StoreUnusable, match="Not a directory"):
        async with running(settings):
            pytest.fail("the app started on an unusable data directory")
    assert time.monotonic() - started < 10  # not the 30 s start-up wait


async def test_a_store_that_is_down_is_retried_and_recovers(tmp_path: Path) -> None:
    """A temporary failure (here another process briefly holding SQLite's write lock while
    the store opens) is retried: 503 first, ready without a restart once it is gone."""
    data = tmp_path / "data"
    data.mkdir()
    blocker = sqlite3.connect(data / DB_FILENAME, isolation_level=None)
    blocker.execute("PRAGMA journal_mode=WAL")
    blocker.execute("BEGIN EXCLUSIVE")
    settings = settings_for(data, dev=True, store_retry_interval=0)
    handle = StoreHandle(lambda: EmbeddedStore(data, busy_timeout=0.05), 0)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            await handle.get()
        assert not isinstance(caught.value, StoreUnusable), caught.value
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    async with running(settings) as api:
        assert (await api.client.get("/readyz")).status_code == 200
    await handle.get()
    await handle.close()

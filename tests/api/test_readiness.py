"""Readiness while the store is down: the process serves, says why it is not ready, and
answers GraphQL with SERVICE_UNAVAILABLE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

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


async def test_the_store_is_retried_after_a_failed_start(tmp_path: Path) -> None:
    """An embedded store whose directory cannot be created fails to open; once the obstacle
    is gone, the next readiness check opens it."""
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the data directory should be")
    settings = settings_for(blocker / "data", dev=True, store_retry_interval=0)
    async with running(settings) as api:
        assert (await api.client.get("/readyz")).status_code == 503
        error = await api.error("{ people { items { id } } }")
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        blocker.unlink()
        blocker.mkdir()
        assert (await api.client.get("/readyz")).status_code == 200
        assert await api.data("{ people { items { id } } }") == {"people": {"items": []}}

"""The real app (lifespan included) on an embedded store, called through httpx's ASGI
transport; tokens and seed data for it. Shared by the API, security, CLI and README tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from service.api.auth import mint_token
from service.app import create_app
from service.domain import Role
from service.settings import Settings

SECRET = "test-secret-that-is-long-enough-0123456789"
OTHER_SECRET = "another-secret-that-is-long-enough-98765"

SEED_PEOPLE = """
mutation {
  upsertPeople(input: [
    {id: "alice", name: "Alice"}, {id: "bob", name: "Bob"},
    {id: "carol", name: "Carol"}, {id: "dave", name: "Dave"}
  ]) { id }
}
"""
SEED_RATINGS = """
mutation {
  rateConnections(input: [
    {from: "alice", to: "bob", strength: 1, groups: ["Friends"]},
    {from: "bob", to: "carol", strength: 2, visibility: PUBLIC},
    {from: "carol", to: "dave", strength: 2},
    {from: "alice", to: "carol", strength: 4}
  ]) { count }
}
"""


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    """Test settings: explicit values win over any TIEGRAPH_* in the environment."""
    values: dict[str, Any] = {
        "store": "embedded",
        "data_dir": data_dir,
        "dev": False,
        "jwt_secret": SECRET,
        "jwt_previous_secret": None,
        "jwt_issuer": None,
        "jwt_audience": None,
        "store_startup_timeout": 0,
    }
    values.update(overrides)
    return Settings(**values)


def token_for(sub: str, role: Role = Role.USER, secret: str = SECRET) -> str:
    settings = Settings(jwt_secret=secret, jwt_issuer=None, jwt_audience=None)
    return mint_token(settings, sub=sub, role=role, ttl=timedelta(hours=1))


@dataclass
class Api:
    """POSTs GraphQL to the app; `token` is sent as a bearer token when given."""

    client: httpx.AsyncClient
    token: str | None = None

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {}
        bearer = token or self.token
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        body = {"query": query, "variables": variables}
        return await self.client.post("/graphql", json=body, headers=headers)

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        result = await self(query, variables, token)
        assert "errors" not in result, result
        data: dict[str, Any] = result["data"]
        return data

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The only error of the response; every error carries a code."""
        result = await self(query, variables, token)
        errors = result.get("errors")
        assert errors, result
        assert all("code" in e.get("extensions", {}) for e in errors), errors
        assert len(errors) == 1, errors
        error: dict[str, Any] = errors[0]
        return error


@asynccontextmanager
async def running(settings: Settings, token: str | None = None) -> AsyncIterator[Api]:
    """The app with its lifespan running (httpx's ASGI transport does not run it)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tiegraph.test") as c:
            yield Api(c, token)

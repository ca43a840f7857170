"""Fixtures for API tests: the real app on an embedded store in tmp_path (`tests.support.api`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from service.domain import Role
from tests.support.api import SEED_PEOPLE, SEED_RATINGS, Api, running, settings_for, token_for


@pytest_asyncio.fixture
async def dev_api(tmp_path: Path) -> AsyncIterator[Api]:
    """An app in --dev mode (no auth), with no data."""
    async with running(settings_for(tmp_path / "data", dev=True)) as api:
        yield api


@pytest_asyncio.fixture
async def seeded_api(dev_api: Api) -> Api:
    """`dev_api` with alice -1-> bob -2-> carol -2-> dave and alice -4-> carol."""
    await dev_api.data(SEED_PEOPLE)
    await dev_api.data(SEED_RATINGS)
    return dev_api


@pytest_asyncio.fixture
async def auth_api(tmp_path: Path) -> AsyncIterator[Api]:
    """An app with authentication on (SECRET), seeded as an admin; no default token."""
    async with running(settings_for(tmp_path / "data")) as api:
        admin = token_for("root", Role.ADMIN)
        await api.data(SEED_PEOPLE, token=admin)
        await api.data(SEED_RATINGS, token=admin)
        yield api


@pytest.fixture
def admin_token() -> str:
    return token_for("root", Role.ADMIN)

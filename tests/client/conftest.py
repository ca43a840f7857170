"""A real uvicorn serving the app (embedded store, authentication on) for the client tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api import SECRET, settings_for
from tests.support.live import serving


@pytest.fixture
def live_url(tmp_path: Path) -> Iterator[str]:
    with serving(settings_for(tmp_path / "data")) as url:
        yield url


@pytest.fixture
def secret() -> str:
    return SECRET

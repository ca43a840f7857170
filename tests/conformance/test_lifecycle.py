"""What every store does once it is closed: answer nothing, and say so."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from service.errors import StoreUnavailable
from service.store.base import Store


async def test_a_closed_store_is_unavailable(store_factory: Callable[[], Store]) -> None:
    store = store_factory()
    await store.open()
    await store.ping()
    await store.close()
    with pytest.raises(StoreUnavailable):
        await store.ping()
    with pytest.raises(StoreUnavailable):
        await store.get_people(["ann"])

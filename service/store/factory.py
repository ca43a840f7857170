"""Build the store the settings name, and keep it open for the life of the app.

`StoreHandle` is what the app holds: the store may fail to open at start-up (Neo4j still
starting, or stopped); the handle then retries on later requests, so that the process stays
up, `/readyz` reports why it is not ready, and requests get `SERVICE_UNAVAILABLE`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable

from service.errors import StoreUnavailable, StoreUnusable, TiegraphError
from service.settings import Settings
from service.store.base import Store

logger = logging.getLogger("tiegraph.store")


def make_store(settings: Settings, *, read_only: bool = False) -> Store:
    """A new, not yet opened store of the kind `settings.store` names. `read_only`: an
    embedded store that only reads, beside a service that may hold its directory (Neo4j
    serves any number of clients and ignores it)."""
    if settings.store == "neo4j":
        # Imported here: the embedded default must not need the Neo4j driver loaded.
        from service.store.neo4j import Neo4jStore

        neo4j_store: Store = Neo4jStore(
            uri=settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
            query_budget=settings.query_budget,
            retry_time=settings.neo4j_write_retry,
            searches=settings.neo4j_searches,
        )
        return neo4j_store
    from service.store.embedded import EmbeddedStore

    embedded_store: Store = EmbeddedStore(
        settings.data_dir, query_budget=settings.query_budget, read_only=read_only
    )
    return embedded_store


def _permanent(error: BaseException) -> bool:
    """Whether a failure to open will recur however long we wait (see `StoreUnusable`).

    A Neo4j that is starting, restarting or unreachable is temporary; a URI the driver
    rejects, credentials the server refuses or a migration that cannot apply are not.
    """
    from graph_schema import MigrationError

    permanent: tuple[type[BaseException], ...] = (StoreUnusable, MigrationError)
    if "neo4j" in sys.modules:
        from neo4j.exceptions import AuthError, ConfigurationError

        permanent += (AuthError, ConfigurationError)
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, permanent):
            return True
        seen = seen.__cause__
    return False


def _reason(error: BaseException) -> str:
    if isinstance(error, TiegraphError):
        return error.message
    return f"{type(error).__name__}: {error}"


class StoreHandle:
    """The app's one store: opened once, re-opened on demand after a failed open."""

    def __init__(self, factory: Callable[[], Store], retry_interval: float = 1.0) -> None:
        self._factory = factory
        # A failed open is retried at most this often, so that a dead database does not cost
        # every request a new connection attempt.
        self._retry_interval = retry_interval
        self._store: Store | None = None
        self._lock = asyncio.Lock()
        self._last_error: StoreUnavailable | None = None
        self._last_attempt = float("-inf")

    @property
    def is_open(self) -> bool:
        return self._store is not None

    async def open_with_retry(self, wait_seconds: float, interval: float = 1.0) -> bool:
        """Try to open until it works or `wait_seconds` have passed; True when open.

        Raises `StoreUnusable` at once when the store can never open (nothing to wait for).
        """
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                await self.get(force=True)
                return True
            except StoreUnusable:
                raise
            except StoreUnavailable as e:
                if time.monotonic() + interval > deadline:
                    logger.error("store unavailable at start-up, serving anyway: %s", e.message)
                    return False
                logger.warning("waiting for the store: %s", e.message)
                await asyncio.sleep(interval)

    async def get(self, *, force: bool = False) -> Store:
        """The open store; opens it first when needed. Raises `StoreUnavailable`."""
        if self._store is not None:
            return self._store
        async with self._lock:
            if self._store is not None:
                return self._store
            recent = time.monotonic() - self._last_attempt < self._retry_interval
            if self._last_error is not None and recent and not force:
                raise self._last_error
            self._last_attempt = time.monotonic()
            store = self._factory()
            try:
                await store.open()
            except Exception as e:  # any failure to open means "not available", with why
                with contextlib.suppress(Exception):
                    await store.close()
                kind = StoreUnusable if _permanent(e) else StoreUnavailable
                self._last_error = kind(f"the store did not open: {_reason(e)}")
                raise self._last_error from e
            self._store, self._last_error = store, None
            logger.info("store open: %s", type(getattr(store, "inner", store)).__name__)
            return store

    async def ping(self) -> None:
        """Return when the store answers; raise `StoreUnavailable` with the reason otherwise."""
        store = await self.get()
        try:
            await store.ping()
        except StoreUnavailable:
            raise
        except Exception as e:  # a driver error that escaped the store still means "down"
            raise StoreUnavailable(_reason(e)) from e

    async def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            await store.close()

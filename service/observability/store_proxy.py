"""The Store seam, timed: one proxy around whatever store the factory built.

Every coroutine method of the store (those of `service.store.base.Store` and any added later)
is timed into ``tiegraph_store_call_duration_seconds{method, outcome}``; a call that raises
`StoreUnavailable` sets ``tiegraph_store_available`` to 0, one that returns sets it to 1.
Nothing else changes: arguments, results and errors pass through untouched.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from service.errors import StoreUnavailable, TiegraphError
from service.observability.metrics import Metrics
from service.store.base import Store

# Methods whose failure, whatever the error, means the store is not there.
_CONNECTING = frozenset({"open", "ping"})


class InstrumentedStore:
    """Delegates to `inner`; wraps its coroutine methods (once each) with timing."""

    def __init__(self, inner: Store, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    @property
    def inner(self) -> Store:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name.startswith("_") or not inspect.iscoroutinefunction(attribute):
            return attribute
        wrapped = self._timed(name, attribute)
        setattr(self, name, wrapped)  # later lookups find it without __getattr__
        return wrapped

    def _timed(
        self, name: str, method: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        metrics = self._metrics

        @functools.wraps(method)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            outcome = "ok"
            try:
                result = await method(*args, **kwargs)
            except TiegraphError as e:
                outcome = e.code
                if isinstance(e, StoreUnavailable) or name in _CONNECTING:
                    metrics.store_available.set(0)
                raise
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            except Exception:
                outcome = TiegraphError.code
                if name in _CONNECTING:  # the driver's own error: it did not connect
                    metrics.store_available.set(0)
                raise
            finally:
                elapsed = time.perf_counter() - started
                metrics.store_duration.labels(name, outcome).observe(elapsed)
            metrics.store_available.set(0 if name == "close" else 1)
            return result

        return timed


def instrument(store: Store, metrics: Metrics) -> Store:
    """`store`, timed into `metrics` (a `Store` to every caller)."""
    return cast(Store, InstrumentedStore(store, metrics))

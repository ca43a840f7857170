"""GraphQL operations run off the event loop, so that one large request cannot stall the rest.

Parsing, validating, coercing variables, converting thousands of inputs, the use-cases' checks
and completing the result are all CPU work in pure Python: a 31,000-item document held the
loop for 8 s, and `/healthz` waited as long. Here each operation runs in a worker thread, on
that thread's own event loop; only the store's calls hop back to the app's loop, through
`LoopBoundStore` (the embedded store works in the app loop's executor; the Neo4j store hops on
to a loop of its own, `service.store.loop_thread`). The loop itself only reads requests,
writes responses and awaits the store.

The workers are a dedicated pool: the embedded store runs its work in the default executor,
and an operation waiting for the store must never hold the thread that the store needs.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

from service.runtime import new_event_loop
from service.store.base import Store

T = TypeVar("T")

# Operations in flight at once; more wait for a worker (each mostly waits for the store).
DEFAULT_WORKERS = 32


class LoopBoundStore:
    """A `Store` whose coroutine methods always run on `loop`, whichever loop awaits them."""

    def __init__(self, store: Store, loop: asyncio.AbstractEventLoop) -> None:
        self._store = store
        self._loop = loop

    @property
    def inner(self) -> Store:
        return self._store

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute
        home = self._loop

        async def on_home_loop(*args: Any, **kwargs: Any) -> Any:
            if asyncio.get_running_loop() is home:
                return await attribute(*args, **kwargs)
            future = asyncio.run_coroutine_threadsafe(attribute(*args, **kwargs), home)
            return await asyncio.wrap_future(future)

        return on_home_loop


def bound_to(store: Store, loop: asyncio.AbstractEventLoop) -> Store:
    """`store`, callable from any worker's loop (see `LoopBoundStore`)."""
    if isinstance(store, LoopBoundStore):
        return cast(Store, store)
    return cast(Store, LoopBoundStore(store, loop))


class OffLoopRunner:
    """Runs coroutines in a pool of worker threads, each with one event loop of its own."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._guard = threading.Lock()
        self._local = threading.local()

    def _pool(self) -> ThreadPoolExecutor:
        with self._guard:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="tiegraph-graphql"
                )
            return self._executor

    def _run_here(self, context: contextvars.Context, work: Callable[[], Awaitable[T]]) -> T:
        # One loop per worker thread, kept: a new loop per operation cost 0.7 ms.
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = new_event_loop()

        async def main() -> T:
            return await work()

        # In a copy of the caller's context, so request ids and trace context follow the work.
        return context.run(loop.run_until_complete, main())

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """`await work()` on a worker thread's loop; its result or exception comes back here."""
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(
            self._pool(), self._run_here, context, work
        )

    def close(self) -> None:
        with self._guard:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


# Below these sizes an operation runs on the loop: parsing and completing it costs well under
# a millisecond, less than the hop to a worker (measured: 20% fewer small requests per second
# when every operation hopped).
HEAVY_QUERY_CHARS = 2048
HEAVY_VARIABLE_ITEMS = 64


def is_heavy(query: str | None, variables: object) -> bool:
    """Whether an operation's input is large enough to be worth running off the loop."""
    if query is not None and len(query) > HEAVY_QUERY_CHARS:
        return True
    budget = HEAVY_VARIABLE_ITEMS
    pending = [variables]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            budget -= len(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            budget -= len(value)
            pending.extend(value)
        elif isinstance(value, str) and len(value) > HEAVY_QUERY_CHARS:
            return True
        if budget < 0:
            return True
    return False

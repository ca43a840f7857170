"""An event loop of its own, in a thread of its own, for a store's driver and its Python work.

A warm-path search on Neo4j is a dozen round trips with Python work between them: decoding a
layer of thousands of steps, joining prefixes to suffixes. On the app's event loop each of
those pieces held the loop for up to 80 ms (tier L, from a hub), and with 8 such questions in
flight `/healthz` waited behind all of them (p99 108 ms). On a loop of its own the search still
uses the same CPU, but the app's loop gets the interpreter back within Python's switch interval
(1 ms under `tiegraph serve`, see `service.runtime`) to read requests and answer cheap ones.

`LoopThread.run` may be awaited from any loop (the app's, a GraphQL worker's, a test's); the
caller's context variables follow the work, and cancelling the caller cancels the work.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from service.runtime import new_event_loop

T = TypeVar("T")


class LoopThread:
    """A daemon thread running one event loop until `stop()`; started on first use.

    >>> home = LoopThread("doc")
    >>> async def answer() -> int:
    ...     return 42
    >>> asyncio.run(home.run(answer))
    42
    >>> home.stop()
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._guard:
            if self._loop is None:
                loop = new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """`await work()` on this thread's loop; its result or exception comes back here."""
        loop = self._started()
        if asyncio.get_running_loop() is loop:
            return await work()

        async def main() -> T:
            return await work()

        # The coroutine starts on `loop` in a copy of this context (call_soon_threadsafe
        # copies it); cancelling the wrapper cancels the task there.
        future = asyncio.run_coroutine_threadsafe(main(), loop)
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        """Stop the loop once its current callbacks are done, and wait for the thread."""
        with self._guard:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if thread is not threading.current_thread():
            thread.join()
            loop.close()

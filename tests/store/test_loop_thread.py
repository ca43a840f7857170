"""`LoopThread`: work awaited from any event loop runs on the thread's own loop, with the
caller's context; results, errors and cancellation cross back."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest
import uvloop

from service.store.loop_thread import LoopThread

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


@pytest.fixture
def home() -> LoopThread:
    return LoopThread("test-home")


async def test_work_runs_on_the_thread_with_the_callers_context(home: LoopThread) -> None:
    async def where() -> tuple[str, str, asyncio.AbstractEventLoop]:
        return threading.current_thread().name, REQUEST_ID.get(), asyncio.get_running_loop()

    REQUEST_ID.set("r-1")
    try:
        name, request_id, loop = await home.run(where)
        assert (name, request_id) == ("test-home", "r-1")
        assert loop is not asyncio.get_running_loop()
        # Awaited from its own loop, the work runs there directly.
        assert await home.run(lambda: home.run(where)) == (name, request_id, loop)
    finally:
        home.stop()


async def test_the_thread_runs_uvloops_loop(home: LoopThread) -> None:
    # uvloop is a dependency wherever it exists (not on Windows): the Neo4j driver's round
    # trips on it cost less CPU (service.runtime.new_event_loop).
    async def loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    try:
        assert isinstance(await home.run(loop), uvloop.Loop)
    finally:
        home.stop()


async def test_an_error_crosses_back_and_the_loop_keeps_serving(home: LoopThread) -> None:
    async def fail() -> None:
        raise ValueError("no such person")

    async def fine() -> int:
        return 7

    try:
        with pytest.raises(ValueError, match="no such person"):
            await home.run(fail)
        assert await home.run(fine) == 7
    finally:
        home.stop()


async def test_cancelling_the_caller_cancels_the_work(home: LoopThread) -> None:
    started, cancelled = threading.Event(), threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    try:
        caller = asyncio.ensure_future(home.run(forever))
        await asyncio.to_thread(started.wait, 5)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert await asyncio.to_thread(cancelled.wait, 5), "the work went on after its caller"
    finally:
        home.stop()


def test_any_event_loop_may_await_it_and_stop_ends_the_thread() -> None:
    home = LoopThread("test-home-2")

    async def thread_name() -> str:
        return threading.current_thread().name

    # Two `asyncio.run`s are two event loops, one after the other.
    assert asyncio.run(home.run(thread_name)) == "test-home-2"
    assert asyncio.run(home.run(thread_name)) == "test-home-2"
    home.stop()
    assert "test-home-2" not in {t.name for t in threading.enumerate()}
    # Used again after stop, it starts a new thread.
    assert asyncio.run(home.run(thread_name)) == "test-home-2"
    home.stop()

"""Large operations run off the event loop (issue 11), with the store still called on the
app's loop; small ones stay on it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import uvloop

from service.api.context import RequestContext
from service.api.offloop import HEAVY_VARIABLE_ITEMS, OffLoopRunner, is_heavy
from service.api.schema import build_schema
from service.domain import Person, PersonPatch, Viewer
from service.scoring import ScoringTable
from service.store.embedded import EmbeddedStore

T = TypeVar("T")
UPSERT = "mutation($input: [PersonInput!]!) { upsertPeople(input: $input) { id } }"


class WhereStore(EmbeddedStore):
    """The real embedded store, noting the loop and thread each call was made on."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.calls: list[tuple[asyncio.AbstractEventLoop, threading.Thread]] = []

    async def upsert_people(self, patches: Sequence[PersonPatch]) -> list[Person]:
        self.calls.append((asyncio.get_running_loop(), threading.current_thread()))
        return await super().upsert_people(patches)


class WhereRunner(OffLoopRunner):
    """The real runner, noting the thread each operation ran in."""

    def __init__(self) -> None:
        super().__init__(2)
        self.threads: list[threading.Thread] = []
        self.loops: list[asyncio.AbstractEventLoop] = []

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        async def noted() -> T:
            self.threads.append(threading.current_thread())
            self.loops.append(asyncio.get_running_loop())
            return await work()

        return await super().run(noted)


def test_is_heavy_by_document_and_variable_size() -> None:
    assert not is_heavy('{ person(id: "a") { id } }', None)
    assert not is_heavy("query", {"input": {"id": "a", "name": "A"}})
    assert is_heavy("x" * 5000, None)
    many = [{"id": str(i), "name": "N"} for i in range(HEAVY_VARIABLE_ITEMS)]
    assert is_heavy("query", {"input": many})
    assert is_heavy("query", {"input": {"id": "a", "name": "x" * 5000}})


async def test_a_large_operation_runs_on_a_worker_and_the_store_on_the_apps_loop(
    tmp_path: Path,
) -> None:
    store = WhereStore(tmp_path / "data")
    await store.open()
    schema = build_schema()
    runner = WhereRunner()
    schema.off_loop = runner  # type: ignore[attr-defined]

    def context() -> RequestContext:
        return RequestContext(
            request_id="t", table=ScoringTable.default(), viewer=Viewer.dev(), store=store,
            failure=None,
        )  # fmt: skip

    try:
        people = [{"id": f"p{i}", "name": f"P{i}"} for i in range(500)]
        result = await schema.execute(UPSERT, {"input": people}, context_value=context())
        assert result.errors is None, result.errors
        assert result.data is not None and len(result.data["upsertPeople"]) == 500
        small = await schema.execute(UPSERT, {"input": people[:1]}, context_value=context())
        assert small.errors is None, small.errors
    finally:
        await store.close()
        runner.close()
    here = asyncio.get_running_loop()
    # Both calls ran on this loop (the Neo4j driver's loop in the service)...
    assert [loop for loop, _ in store.calls] == [here, here]
    # ...the large operation itself on a worker thread, the small one not.
    assert len(runner.threads) == 1
    assert runner.threads[0] is not threading.current_thread()
    assert runner.threads[0].name.startswith("tiegraph-graphql")
    assert isinstance(runner.loops[0], uvloop.Loop)  # service.runtime.new_event_loop

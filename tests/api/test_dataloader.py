"""People named by ratings and paths are loaded in batches: one store call, not one each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest_asyncio

from service.api.context import RequestContext
from service.api.schema import build_schema
from service.domain import Person, Viewer
from service.scoring import ScoringTable
from service.store.embedded import EmbeddedStore


class CountingStore(EmbeddedStore):
    """The real embedded store, counting how often people are fetched."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.get_people_calls: list[list[str]] = []

    async def get_people(self, ids: Sequence[str]) -> dict[str, Person]:
        self.get_people_calls.append(list(ids))
        return await super().get_people(ids)


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[CountingStore]:
    store = CountingStore(tmp_path / "data")
    await store.open()
    yield store
    await store.close()


def context(store: CountingStore) -> RequestContext:
    return RequestContext(
        request_id="test",
        table=ScoringTable.default(),
        viewer=Viewer.dev(),
        store=store,
        failure=None,
    )


async def test_rating_ends_are_loaded_in_one_batch(store: CountingStore) -> None:
    schema = build_schema()
    people = ", ".join(f'{{id: "p{i}", name: "P{i}"}}' for i in range(12))
    ratings = ", ".join(f'{{from: "p0", to: "p{i}", strength: 2}}' for i in range(1, 12))
    setup = await schema.execute(
        f"mutation {{ upsertPeople(input: [{people}]) {{ id }} }}", context_value=context(store)
    )
    assert setup.errors is None
    store.get_people_calls.clear()
    result = await schema.execute(
        f"mutation {{ rateConnections(input: [{ratings}]) "
        "{ ratings { from { name } to { name } } } }",
        context_value=context(store),
    )
    assert result.errors is None
    assert result.data is not None
    assert len(result.data["rateConnections"]["ratings"]) == 11
    assert len(store.get_people_calls) == 1
    assert sorted(store.get_people_calls[0]) == sorted(f"p{i}" for i in range(12))


async def test_path_people_come_with_the_paths(store: CountingStore) -> None:
    """The embedded store answers a search with its paths' people: showing them, and the
    people of each step, reads nothing more from the store."""
    schema = build_schema()
    setup = await schema.execute(
        'mutation { upsertPeople(input: [{id: "a", name: "A"}, {id: "b", name: "B"}, '
        '{id: "c", name: "C"}, {id: "d", name: "D"}]) { id } '
        'rateConnections(input: [{from: "a", to: "b", strength: 1}, '
        '{from: "b", to: "d", strength: 1}, {from: "a", to: "c", strength: 2}, '
        '{from: "c", to: "d", strength: 2}]) { count } }',
        context_value=context(store),
    )
    assert setup.errors is None
    store.get_people_calls.clear()
    result = await schema.execute(
        '{ warmPaths(from: "a", target: "d") { people { id } '
        "steps { from { id } to { id } ratedBy { id } } } }",
        context_value=context(store),
    )
    assert result.errors is None
    assert result.data is not None
    assert sorted(
        [person["id"] for person in path["people"]] for path in result.data["warmPaths"]
    ) == [["a", "b", "d"], ["a", "c", "d"]]
    steps = [step for path in result.data["warmPaths"] for step in path["steps"]]
    assert {(s["from"]["id"], s["to"]["id"], s["ratedBy"]["id"]) for s in steps} == {
        ("a", "b", "a"),
        ("b", "d", "b"),
        ("a", "c", "a"),
        ("c", "d", "c"),
    }
    assert store.get_people_calls == []

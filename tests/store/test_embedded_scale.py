"""The embedded store at scale: what a rating costs in memory, and the search's work bounds.

Timings are measured by the benchmarks; these tests pin the properties that make them hold:
no object per rating, and an unreachable target answered from the smaller side.
"""

from __future__ import annotations

import gc
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from service import pathsearch
from service.domain import PathQuery, PersonPatch, Rating, RatingDraft, Role, Viewer, Visibility
from service.scoring import ScoringTable
from service.store.base import LoadBatch
from service.store.embedded import EmbeddedStore

T0 = datetime(2026, 1, 2, tzinfo=UTC)


async def test_a_rating_is_two_dict_entries_not_an_object(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "data")
    await store.open()
    try:
        rng = random.Random(3)
        people = tuple(PersonPatch(id=f"p{i}", name=f"P {i}") for i in range(200))
        pairs = {tuple(rng.sample(range(200), 2)) for _ in range(2000)}
        drafts = tuple(
            RatingDraft(
                f"p{a}", f"p{b}", rng.randint(1, 5), ("G",), None, rng.choice(list(Visibility))
            )
            for a, b in pairs
        )
        await store.load_batch(LoadBatch("k", 0, people, drafts, T0))
        await store.close()
        await store.open()  # the graph as rebuilt at start-up
        graph = store._graph
        data = {id(d) for _, nbrs in graph.adjacency() for d in nbrs.values()}
        assert len(data) <= 1024  # every edge points at one of the shared tie dicts
        assert graph.number_of_edges() <= len(pairs)
        assert not any(isinstance(o, Rating) for o in gc.get_objects())
        # One string per person: the adjacency holds the node's own id objects.
        ids = {id(n) for n in graph}
        assert all(id(v) in ids for _, nbrs in graph.adjacency() for v in nbrs)
    finally:
        await store.close()


def test_tie_data_is_shared_and_read_only() -> None:
    graph = pathsearch.RatingGraph()
    graph.add_nodes_from(["a", "b", "c", "d"])
    graph.set_rating("a", "b", 2, Visibility.PUBLIC)
    graph.set_rating("c", "d", 2, Visibility.PUBLIC)
    assert graph["a"]["b"] is graph["c"]["d"]
    with pytest.raises(TypeError):
        graph["a"]["b"]["tie"] = 0
    with pytest.raises(TypeError):
        graph.add_edge("a", "b", tie=0)  # networkx would update the shared dict in place
    graph.set_rating("b", "a", 5, Visibility.PRIVATE)
    assert graph.rating("a", "b") == (2, Visibility.PUBLIC)
    assert graph.rating("b", "a") == (5, Visibility.PRIVATE)
    graph.remove_rating("a", "b")
    assert graph.rating("a", "b") is None and graph.has_edge("a", "b")
    graph.remove_rating("b", "a")
    assert not graph.has_edge("a", "b")


def hub_world(closed: list[str]) -> pathsearch.RatingGraph:
    """A hub with 3,000 neighbours who each know a few more people, and a closed group."""
    rng = random.Random(5)
    ratings = [
        Rating("hub", f"n{i}", 4, (), None, Visibility.PUBLIC, None, None, T0, T0)
        for i in range(3000)
    ]
    ratings += [
        Rating(
            f"n{i}", f"m{rng.randrange(3000)}", 2, (), None, Visibility.PUBLIC, None, None, T0, T0
        )
        for i in range(3000)
        for _ in range(3)
    ]
    ratings += [
        Rating(a, b, 1, (), None, Visibility.PUBLIC, None, None, T0, T0)
        for a in closed
        for b in closed
        if a != b
    ]
    return pathsearch.rating_graph(ratings)


@pytest.mark.parametrize("target_in_group", [True, False])
def test_a_closed_group_is_proven_unreachable_from_its_own_side(
    monkeypatch: pytest.MonkeyPatch, target_in_group: bool
) -> None:
    closed = [f"c{i}" for i in range(6)]
    graph = hub_world(closed)
    looked_at: list[str] = []
    hops = ((pathsearch._TargetSide, "grow"), (pathsearch._SourceSide, "grow_to_meet"))
    for side, name in hops:
        grow = getattr(side, name)

        def counted(self: Any, *args: object, _grow: Any = grow) -> object:
            before = set(self.hops)
            result = _grow(self, *args)
            looked_at.extend(set(self.hops) - before)  # the people the hop met
            return result

        monkeypatch.setattr(side, name, counted)
    source, target = ("n7", "c0") if target_in_group else ("c0", "n7")
    for max_hops in (3, 4):
        looked_at.clear()
        query = PathQuery(source, target, 1, max_hops, 5, 5)
        found = pathsearch.find_paths(graph, query, Viewer("n7", Role.USER), ScoringTable.default())
        assert found == []
        # The group, and at most the first hop of the other end (n7 knows the hub and 3 more):
        # never the hub's 3,000 neighbours.
        assert len(looked_at) <= 5 + 4, looked_at


async def test_a_search_past_the_time_budget_is_cancelled_as_too_complex(tmp_path: Path) -> None:
    from service.errors import QueryTooComplex

    store = EmbeddedStore(tmp_path, query_budget=1e-6)
    await store.open()
    try:
        ids = [f"k{i:02d}" for i in range(60)]
        await store.upsert_people([PersonPatch(id=i, name=i) for i in ids])
        now = datetime(2026, 1, 1, tzinfo=UTC)
        # Every pair rated 5: a 4-hop search for 100 paths has millions of equal candidates.
        await store.put_ratings(
            [RatingDraft(from_id=a, to_id=b, strength=5) for a in ids for b in ids if a < b], now
        )
        query = PathQuery("k00", "k01", min_hops=1, max_hops=4, first=100, max_strength=5)
        with pytest.raises(QueryTooComplex) as caught:
            await store.find_paths(query, Viewer("k00", Role.USER), ScoringTable.default())
        assert caught.value.extensions() == {"code": "QUERY_TOO_COMPLEX", "reason": "time budget"}
        # The store answers the next question: the budget ended a search, not the store.
        assert await store.get_people(["k00"])
    finally:
        await store.close()

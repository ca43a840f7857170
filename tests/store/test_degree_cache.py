"""The Neo4j search's degree cache: fresh degrees are reused, stale and evicted ones asked again."""

from __future__ import annotations

from service.store.neo4j_paths import DegreeCache


def test_a_degree_older_than_max_age_is_asked_again() -> None:
    now = [100.0]
    cache = DegreeCache(max_age=60.0, clock=lambda: now[0])
    cache.remember({"hub": 30_000})
    now[0] += 59.0
    assert cache.known(["hub", "new"]) == ({"hub": 30_000}, ["new"])
    now[0] += 2.0
    assert cache.known(["hub"]) == ({}, ["hub"])


def test_the_oldest_remembered_degrees_go_first_when_full() -> None:
    cache = DegreeCache(max_size=2)
    cache.remember({"a": 1, "b": 2})
    cache.remember({"a": 5})  # refreshed: now the newest
    cache.remember({"c": 3})
    assert cache.known(["a", "b", "c"]) == ({"a": 5, "c": 3}, ["b"])

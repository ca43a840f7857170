"""How the Neo4j search plans its statements: threshold grids that end, join statements by cap."""

from __future__ import annotations

import pytest

from service.domain import MAX_HOPS_LIMIT
from service.store import neo4j_paths
from service.store.neo4j_paths import THRESHOLDS, join_groups


@pytest.mark.parametrize("max_hops", range(3, MAX_HOPS_LIMIT + 1))
def test_each_multi_step_search_has_a_falling_grid_that_ends_admitting_every_path(
    max_hops: int,
) -> None:
    grid = THRESHOLDS[max_hops]
    assert grid[0] <= 1.0
    assert all(later < earlier for earlier, later in zip(grid, grid[1:], strict=False))
    # The last threshold admits every path: the search's loop relies on reaching it.
    assert grid[-1] == 0.0


def _people(prefix: str, count: int, cap: int) -> dict[str, int]:
    return {f"{prefix}{i:04d}": cap for i in range(count)}


def test_a_big_group_of_strong_caps_gets_its_own_join_statement() -> None:
    split = neo4j_paths.JOIN_SPLIT_PEOPLE
    caps = {**_people("hubfriend", split, 2), **_people("other", 11, 4)}
    groups = join_groups(caps)
    assert [(weakest, len(people)) for weakest, people in groups] == [(2, split), (4, 11)]
    assert sorted(p for _, people in groups for p in people) == sorted(caps)


def test_small_groups_are_read_with_the_next_weaker_cap() -> None:
    split = neo4j_paths.JOIN_SPLIT_PEOPLE
    few = {**_people("a", 5, 2), **_people("b", 3, 4)}
    assert [(w, len(p)) for w, p in join_groups(few)] == [(4, 8)]
    mixed = {**_people("a", split, 2), **_people("b", 5, 3), **_people("c", 16, 4)}
    assert [(w, len(p)) for w, p in join_groups(mixed)] == [(2, split), (4, 21)]
    # A strong group that reaches the limit only with a weaker cap's people is read at that cap.
    merged = {**_people("a", split - 1, 1), **_people("b", 1, 2)}
    assert [(w, len(p)) for w, p in join_groups(merged)] == [(2, split)]

"""The Neo4j search's threshold grids: every search that runs on them can end."""

from __future__ import annotations

import pytest

from service.domain import MAX_HOPS_LIMIT
from service.store.neo4j_paths import THRESHOLDS


@pytest.mark.parametrize("max_hops", range(3, MAX_HOPS_LIMIT + 1))
def test_each_multi_step_search_has_a_falling_grid_that_ends_admitting_every_path(
    max_hops: int,
) -> None:
    grid = THRESHOLDS[max_hops]
    assert grid[0] <= 1.0
    assert all(later < earlier for earlier, later in zip(grid, grid[1:], strict=False))
    # The last threshold admits every path: the search's loop relies on reaching it.
    assert grid[-1] == 0.0

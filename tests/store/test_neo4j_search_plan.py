"""How the Neo4j search plans its statements: threshold grids that end, join statements by cap,
steps in score order."""

from __future__ import annotations

from typing import cast

import pytest

from service.domain import MAX_HOPS_LIMIT, PathQuery
from service.scoring import ScoringTable
from service.store import neo4j_paths
from service.store.neo4j_paths import THRESHOLDS, Neighbourhoods, join_groups

# Ordering a person's steps asks the database nothing.
_NO_DATABASE = cast(Neighbourhoods, None)


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


@pytest.mark.parametrize(
    "table",
    [
        ScoringTable.default(),
        # Not monotone in the strength: strength 2 scores best, then 3 and 4, then 1.
        ScoringTable.from_mapping({1: 0.3, 2: 0.9, 3: 0.6, 4: 0.6, 5: 0.1}),
    ],
    ids=["default", "not monotone"],
)
def test_a_persons_steps_come_best_score_first_whatever_the_table(table: ScoringTable) -> None:
    # A pass stops at the first step too weak for its threshold: a better one after it would
    # be left out while the pass claims nothing better was.
    query = PathQuery("a", "z", min_hops=1, max_hops=4, first=3, max_strength=5)
    search = neo4j_paths.MeetInTheMiddle(query, table, _NO_DATABASE, ("ka", "kz"), (9, 9))
    strengths = [5, 1, 3, 2, 4, 1, 5, 3, 2, 4]
    steps = [neo4j_paths._Hop("a", f"p{i}", s, "a") for i, s in enumerate(strengths)]
    ordered = search._strongest_first(steps)
    scores = [table.p(step.strength) for step in ordered]
    assert scores == sorted(scores, reverse=True)
    assert sorted(ordered) == sorted(steps)


GRID = [0.4, 0.2, 0.1, 0.05, 0.025, 0.0125]


def test_without_a_forecast_the_next_threshold_follows_the_grid() -> None:
    assert neo4j_paths.next_threshold(GRID, 2, 10, [], skips_after_nothing=1) == 0.4
    # A pass that found nothing is usually far above the answer.
    assert neo4j_paths.next_threshold(GRID, 0, 10, [], skips_after_nothing=1) == 0.2
    # Fewer missed paths than are missing forecast nothing.
    assert neo4j_paths.next_threshold(GRID, 2, 10, [0.3] * 7, skips_after_nothing=1) == 0.4


def test_the_next_threshold_is_the_highest_that_takes_in_the_missing_paths() -> None:
    # 8 missing: the eighth best missed path scores 0.15, which 0.1 takes in and 0.2 does not.
    missed = [0.35, 0.3, 0.3, 0.25, 0.2, 0.19, 0.18, 0.15, 0.11, 0.02]
    assert neo4j_paths.next_threshold(GRID, 2, 10, missed, skips_after_nothing=1) == 0.1
    # A threshold equal to a missed score takes it in.
    assert neo4j_paths.next_threshold(GRID, 9, 10, [0.2], skips_after_nothing=1) == 0.2
    # Missed paths that the grid's next threshold takes in change nothing.
    assert neo4j_paths.next_threshold(GRID, 2, 10, [0.4] * 8, skips_after_nothing=1) == 0.4


def test_a_forecast_skips_at_most_a_few_thresholds_past_the_grid() -> None:
    far_below = [0.013] * 8
    skips = neo4j_paths.MAX_AIMED_SKIPS
    assert neo4j_paths.next_threshold(GRID, 2, 10, far_below, 1) == GRID[skips]
    # Never past the last threshold there is.
    assert neo4j_paths.next_threshold(GRID[:2], 2, 10, far_below, 1) == GRID[1]

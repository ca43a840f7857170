"""A brute-force model of the path queries, written from API.md alone.

Slow on purpose: every sequence of distinct people is tried, every rule is applied literally,
and the ranking has its own comparator. It shares no code with `service.scoring` or the
stores, so the property tests compare two independent readings of the contract.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.domain import Visibility

# API.md "Default scoring": strength -> probability that an introduction succeeds.
DEFAULT_TABLE: Mapping[int, float] = {1: 0.90, 2: 0.70, 3: 0.45, 4: 0.20, 5: 0.05}


@dataclass(frozen=True)
class RefRating:
    rater: str
    rated: str
    strength: int
    visibility: Visibility
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class RefViewer:
    """`person_id` None with admin: the --dev viewer."""

    person_id: str | None
    admin: bool


@dataclass(frozen=True)
class RefStep:
    source: str
    dest: str
    strength: int
    rated_by: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class RefPath:
    people: tuple[str, ...]
    steps: tuple[RefStep, ...]
    score: float


@dataclass(frozen=True)
class RefIntroducer:
    person: str
    to_introducer: RefStep
    to_target: RefStep
    score: float


class RefGraph:
    def __init__(self, people: Iterable[str], ratings: Iterable[RefRating]) -> None:
        self.people = sorted(set(people))
        self.ratings = {(r.rater, r.rated): r for r in ratings}

    def visible(self, rating: RefRating, viewer: RefViewer) -> bool:
        """API.md "Visibility": admins see all; PUBLIC every viewer; CONNECTIONS the rater
        and the people the rater has rated; PRIVATE the rater alone."""
        if viewer.admin or rating.visibility is Visibility.PUBLIC:
            return True
        if rating.rater == viewer.person_id:
            return True
        if rating.visibility is Visibility.CONNECTIONS:
            return (rating.rater, viewer.person_id) in self.ratings
        return False

    def step(self, u: str, v: str, viewer: RefViewer) -> RefStep | None:
        """API.md "Traversal rule": u's rating of v when it exists and is visible, else v's."""
        for key in ((u, v), (v, u)):
            rating = self.ratings.get(key)
            if rating is not None and self.visible(rating, viewer):
                return RefStep(u, v, rating.strength, rating.rater, rating.groups)
        return None

    def all_paths(
        self,
        viewer: RefViewer,
        source: str,
        target: str,
        max_hops: int,
        max_strength: int,
        avoid: Iterable[str],
        table: Mapping[int, float],
        min_hops: int = 1,
    ) -> list[RefPath]:
        avoided = set(avoid)
        inner = [p for p in self.people if p not in (source, target) and p not in avoided]
        found: list[RefPath] = []
        if source not in self.people or target not in self.people or source == target:
            return found
        for hops in range(min_hops, max_hops + 1):
            for middle in itertools.permutations(inner, hops - 1):
                people = (source, *middle, target)
                steps = [self.step(u, v, viewer) for u, v in itertools.pairwise(people)]
                if any(s is None or s.strength > max_strength for s in steps):
                    continue
                kept = tuple(s for s in steps if s is not None)
                score = math.prod(table[s.strength] for s in kept)
                found.append(RefPath(people, kept, score))
        return found


def _equal_scores(a: float, b: float) -> bool:
    # "Two scores that differ by less than 1e-9 of the larger count as equal."
    return abs(a - b) < 1e-9 * max(a, b)


def _ranking(a: RefPath, b: RefPath) -> int:
    if not _equal_scores(a.score, b.score):
        return -1 if a.score > b.score else 1
    if len(a.steps) != len(b.steps):
        return -1 if len(a.steps) < len(b.steps) else 1
    for x, y in zip(a.people, b.people, strict=False):
        if x != y:
            return -1 if [ord(c) for c in x] < [ord(c) for c in y] else 1
    return (len(a.people) > len(b.people)) - (len(a.people) < len(b.people))


def rank(paths: Iterable[RefPath], first: int) -> list[RefPath]:
    return sorted(paths, key=functools.cmp_to_key(_ranking))[:first]


def warm_paths(
    graph: RefGraph,
    viewer: RefViewer,
    source: str,
    target: str,
    *,
    max_hops: int,
    first: int,
    max_strength: int,
    avoid: Iterable[str],
    table: Mapping[int, float] = DEFAULT_TABLE,
) -> list[RefPath]:
    found = graph.all_paths(viewer, source, target, max_hops, max_strength, avoid, table)
    return rank(found, first)


def introducers(
    graph: RefGraph,
    viewer: RefViewer,
    source: str,
    target: str,
    *,
    first: int,
    max_strength: int,
    table: Mapping[int, float] = DEFAULT_TABLE,
) -> list[RefIntroducer]:
    found = graph.all_paths(viewer, source, target, 2, max_strength, (), table, min_hops=2)
    return [RefIntroducer(p.people[1], p.steps[0], p.steps[1], p.score) for p in rank(found, first)]


def mutual_connections(graph: RefGraph, viewer: RefViewer, a: str, b: str) -> list[str]:
    if a not in graph.people or b not in graph.people:
        return []
    return sorted(
        (
            p
            for p in graph.people
            if p not in (a, b)
            and graph.step(p, a, viewer) is not None
            and graph.step(p, b, viewer) is not None
        ),
        key=lambda person_id: [ord(c) for c in person_id],
    )

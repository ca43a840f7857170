"""A brute-force model of `networkReport`, written from API.md alone.

It shares no code with `service.network` or the stores: visibility and the traversal rule come
from `reference.RefGraph` (itself written from API.md), and every count is a literal reading
of the field's description.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .reference import RefGraph, RefRating, RefViewer


@dataclass(frozen=True)
class DatedRating:
    rating: RefRating
    since: date | None
    last_interaction: date | None


@dataclass(frozen=True)
class RefReport:
    connections: int
    by_strength: list[tuple[int, int]]
    by_group: list[tuple[str, int]]
    never_met: int
    reciprocated: int
    mismatches: list[tuple[str, int, int]]
    stale: int
    warm_reach: int


def _months_back(today: date, months: int) -> date:
    """Today minus `months` calendar months, by counting months one at a time."""
    year, month = today.year, today.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    day = today.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def report(
    people: Iterable[str],
    ratings: list[DatedRating],
    viewer: RefViewer,
    owner: str,
    today: date,
    months: int = 24,
) -> RefReport:
    graph = RefGraph(people, [d.rating for d in ratings])
    seen = [d for d in ratings if graph.visible(d.rating, viewer)]
    mine = [d for d in seen if d.rating.rater == owner]
    back = {d.rating.rater: d.rating.strength for d in seen if d.rating.rated == owner}
    groups: dict[str, int] = {}
    for d in mine:
        for label in d.rating.groups:
            groups[label] = groups.get(label, 0) + 1
    mismatches = []
    for d in mine:
        other = d.rating.rated
        if other in back and abs(d.rating.strength - back[other]) >= 2:
            mismatches.append((other, d.rating.strength, back[other]))
    mismatches.sort(key=lambda m: (-abs(m[1] - m[2]), [ord(c) for c in m[0]]))
    cutoff = _months_back(today, months)
    stale = 0
    for d in mine:
        last = d.last_interaction if d.last_interaction is not None else d.since
        if last is not None and last < cutoff:
            stale += 1
    # Warm reach: every person t, literally.
    reach = 0
    for t in graph.people:
        if t == owner or graph.step(owner, t, viewer) is not None:
            continue
        for x in graph.people:
            if x in (owner, t):
                continue
            first = graph.step(owner, x, viewer)
            second = graph.step(x, t, viewer)
            if first and second and first.strength <= 2 and second.strength <= 2:
                reach += 1
                break
    return RefReport(
        connections=len(mine),
        by_strength=[(s, sum(1 for d in mine if d.rating.strength == s)) for s in range(1, 6)],
        by_group=sorted(groups.items(), key=lambda g: (-g[1], [ord(c) for c in g[0]])),
        never_met=sum(1 for d in mine if d.rating.strength == 5),
        reciprocated=sum(1 for d in mine if d.rating.rated in back),
        mismatches=mismatches,
        stale=stale,
        warm_reach=reach,
    )

"""The value of a network beyond its size: `NetworkReport` from the ratings the viewer sees.

`build_report` is pure: it takes the owner's ratings and the ratings of the owner (both as the
viewer sees them, the stores filter) and the warm reach (`Store.warm_reach`), and counts.

Examples
--------
>>> from datetime import UTC, date, datetime
>>> from service.domain import Person, Rating, Visibility
>>> t = datetime(2026, 1, 1, tzinfo=UTC)
>>> def rate(a, b, s, groups=(), since=None):
...     return Rating(a, b, s, groups, None, Visibility.PUBLIC, since, None, t, t)
>>> given = [rate("me", "ann", 1, ("Friends",)), rate("me", "bob", 5, ("Never met",)),
...          rate("me", "cy", 2, ("Friends",), since=date(2020, 5, 1))]
>>> received = [rate("bob", "me", 2), rate("ann", "me", 1)]
>>> r = build_report(Person("me", "Me"), given, received, warm_reach=4)
>>> r.connections, [c for _, c in r.by_strength], r.by_group
(3, [1, 1, 0, 0, 1], (('Friends', 2), ('Never met', 1)))
>>> r.never_met, r.reciprocated, r.mismatches, r.warm_reach
(1, 2, (Mismatch(person_id='bob', yours=5, theirs=2),), 4)
>>> r.stale(24, today=date(2026, 11, 27)), r.stale(120, today=date(2026, 11, 27))
(1, 0)
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from service.domain import Person, Rating

MISMATCH_GAP: Final = 2
DEFAULT_MISMATCHES_FIRST: Final = 20
DEFAULT_STALE_MONTHS: Final = 24
STALE_MONTHS_MAX: Final = 1200  # a century


@dataclass(frozen=True, slots=True)
class Mismatch:
    person_id: str
    yours: int
    theirs: int


@dataclass(frozen=True, slots=True)
class NetworkReport:
    owner: Person
    connections: int
    by_strength: tuple[tuple[int, int], ...]
    by_group: tuple[tuple[str, int], ...]
    unreviewed: int
    never_met: int
    reciprocated: int
    # Every mismatch, the largest gap first, then by id; `mismatches(first:)` cuts.
    mismatches: tuple[Mismatch, ...]
    warm_reach: int
    # lastInteraction, else since, of each rating that has one: what `stale` reads.
    last_dates: tuple[date, ...]

    def stale(self, months: int, today: date | None = None) -> int:
        """Ratings whose last date is before `today` minus `months` calendar months."""
        cutoff = months_before(today or datetime.now(UTC).date(), months)
        return sum(1 for d in self.last_dates if d < cutoff)


def months_before(day: date, months: int) -> date:
    """`day` minus `months` calendar months; a day the month lacks becomes its last day.

    >>> months_before(date(2026, 3, 31), 1)
    datetime.date(2026, 2, 28)
    >>> months_before(date(2026, 11, 27), 24)
    datetime.date(2024, 11, 27)
    """
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def is_unreviewed(rating: Rating) -> bool:
    """THE ONE PLACE that reads the `reviewed` flag (issue 8 adds it to `Rating`): until that
    lands no rating has the attribute, and every rating counts as reviewed."""
    return getattr(rating, "reviewed", True) is False


def _id_key(person_id: str) -> list[int]:
    return [ord(ch) for ch in person_id]


def build_report(
    owner: Person,
    given: Sequence[Rating],
    received: Sequence[Rating],
    warm_reach: int,
) -> NetworkReport:
    """Count the owner's network.

    Parameters
    ----------
    owner : Person
    given : ratings by the owner that the viewer may see
    received : ratings of the owner that the viewer may see
    warm_reach : `Store.warm_reach` for the owner and the viewer
    """
    mine = [r for r in given if r.from_id == owner.id]
    theirs = {r.from_id: r.strength for r in received if r.to_id == owner.id}
    strengths = Counter(r.strength for r in mine)
    groups = Counter(label for r in mine for label in r.groups)
    mismatches = sorted(
        (
            Mismatch(r.to_id, r.strength, theirs[r.to_id])
            for r in mine
            if r.to_id in theirs and abs(r.strength - theirs[r.to_id]) >= MISMATCH_GAP
        ),
        key=lambda m: (-abs(m.yours - m.theirs), _id_key(m.person_id)),
    )
    return NetworkReport(
        owner=owner,
        connections=len(mine),
        by_strength=tuple((s, strengths.get(s, 0)) for s in range(1, 6)),
        by_group=tuple(sorted(groups.items(), key=lambda item: (-item[1], _id_key(item[0])))),
        unreviewed=sum(1 for r in mine if is_unreviewed(r)),
        never_met=strengths.get(5, 0),
        reciprocated=sum(1 for r in mine if r.to_id in theirs),
        mismatches=tuple(mismatches),
        warm_reach=warm_reach,
        last_dates=tuple(d for r in mine if (d := r.last_interaction or r.since) is not None),
    )

"""How paths are scored and ranked: the one definition both stores share.

A step of strength s succeeds with probability ``table[s]``; a path's score is the product of
its steps' probabilities. Ranking: higher score first; scores closer than `TIE_TOLERANCE` of the
larger are equal, and then fewer hops win, then the smaller sequence of person ids (compared id
by id, by Unicode code point, which is Python's own string order).

Examples
--------
>>> table = ScoringTable.default()
>>> round(table.score([1, 2]), 4)
0.63
>>> scores_equal(0.63, 0.63 + 1e-12)
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from service.domain import Introducer, Path

TIE_TOLERANCE = 1e-9
DEFAULT_PROBABILITIES: Mapping[int, float] = {1: 0.90, 2: 0.70, 3: 0.45, 4: 0.20, 5: 0.05}


@dataclass(frozen=True, slots=True)
class ScoringTable:
    """strength (1-5) -> probability that an introduction over that step succeeds."""

    probabilities: tuple[float, float, float, float, float]

    @classmethod
    def default(cls) -> ScoringTable:
        return cls.from_mapping(DEFAULT_PROBABILITIES)

    @classmethod
    def from_mapping(cls, table: Mapping[int, float]) -> ScoringTable:
        """Build a table; every strength 1-5 needs a probability in (0, 1].

        Scores must not grow along a path, or pruning by "best score still reachable"
        would be wrong; hence p <= 1.
        """
        if sorted(table) != [1, 2, 3, 4, 5]:
            raise ValueError("the scoring table needs exactly the strengths 1, 2, 3, 4, 5")
        values = tuple(float(table[s]) for s in range(1, 6))
        if not all(0.0 < p <= 1.0 for p in values):
            raise ValueError("every probability in the scoring table must be in (0, 1]")
        return cls(values)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, text: str) -> ScoringTable:
        """Parse ``"0.9,0.7,0.45,0.2,0.05"`` (strengths 1 to 5, in order)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 5:
            raise ValueError("the scoring table is five comma-separated probabilities")
        return cls.from_mapping({s: float(v) for s, v in zip(range(1, 6), parts, strict=True)})

    def p(self, strength: int) -> float:
        return self.probabilities[strength - 1]

    @property
    def best_p(self) -> float:
        """The largest probability of one step: the bound used to prune partial paths."""
        return max(self.probabilities)

    def score(self, strengths: Iterable[int]) -> float:
        """The product of the steps' probabilities.

        Multiplied in a canonical order (sorted strengths) so that two paths with the same
        strengths get bit-identical scores whichever store found them.
        """
        return math.prod(self.p(s) for s in sorted(strengths))


def scores_equal(a: float, b: float) -> bool:
    """Two scores that differ by less than `TIE_TOLERANCE` of the larger are equal."""
    return abs(a - b) < TIE_TOLERANCE * max(abs(a), abs(b))


def could_still_rank(score: float, kth_best: float) -> bool:
    """True when a path of this score may still tie with or beat the k-th best (for pruning)."""
    return score >= kth_best * (1.0 - 2 * TIE_TOLERANCE)


def _compare(a: Path, b: Path) -> int:
    if not scores_equal(a.score, b.score):
        return -1 if a.score > b.score else 1
    if a.hops != b.hops:
        return -1 if a.hops < b.hops else 1
    if a.people != b.people:
        return -1 if a.people < b.people else 1
    return 0


def scored(path: Path, table: ScoringTable) -> Path:
    return replace(path, score=table.score(step.strength for step in path.steps))


def rank_paths(paths: Iterable[Path], table: ScoringTable, first: int) -> list[Path]:
    """Score `paths` with `table`, rank them by the rules above, keep the best `first`.

    Equal paths (the same people) are kept once. The exact pre-sort makes the result
    independent of the order in which a store found the paths.
    """
    unique = {path.people: scored(path, table) for path in paths}
    ordered = sorted(unique.values(), key=lambda p: (-p.score, p.hops, p.people))
    ordered.sort(key=functools.cmp_to_key(_compare))
    return ordered[:first]


def introducers_from_paths(paths: Sequence[Path]) -> list[Introducer]:
    """Two-step paths from -> introducer -> target, already ranked, as introducers."""
    return [
        Introducer(
            person_id=path.people[1],
            to_introducer=path.steps[0],
            to_target=path.steps[1],
            score=path.score,
            known=path.known,
        )
        for path in paths
        if path.hops == 2
    ]

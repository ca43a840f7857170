"""Warm paths on Neo4j: a score-bounded meet-in-the-middle search, one layer per round trip.

The database answers one question, "every step of strength up to c from these people"
(`graph_schema.queries.layer_query`), and this module drives the search with it:

- **Thresholds.** It looks for every simple path whose score is at least a threshold `tau`,
  starting high and lowering `tau` until the `first`-th best path found (less the tie
  tolerance) is above it: then nothing below `tau` can rank, and the answer is exact, ties
  included. A high `tau` admits only strong steps, so most questions are answered from a few
  strong ties; the last threshold is 0, which admits every path.
- **Both ends.** Prefixes grow from the source and suffixes from the target, a layer at a time,
  always on the side whose frontier is cheaper to expand (a hub's thousands of ties are left
  for the other side to reach). When the two sides together are one step short of `max_hops`,
  a last layer asks only for the steps that join a prefix to a suffix (``$only``), so a hub
  at either end costs a read inside Neo4j, not thousands of rows sent back.
- **Bounds.** A prefix or suffix is kept only while its score can still reach `tau`, and each
  person is asked only for the strengths that can: the cap grows as `tau` falls.

Every step follows the traversal rule inside Cypher (visibility included); this module only
combines steps, so an invisible rating never reaches it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from service.domain import Path, PathQuery, Step
from service.scoring import TIE_TOLERANCE, ScoringTable, could_still_rank, scored


@dataclass(frozen=True, slots=True)
class LayerStep:
    """One row of a layer: a step between a frontier person and another, as Neo4j found it.

    People are named by key (Neo4j's elementId) inside a search; `far_id` is the person id.
    `own`: the step's first person rated the second (otherwise the reverse rating is used).
    """

    near_key: str
    far_key: str
    far_id: str
    strength: int
    own: bool


# fetch(frontier keys, strongest, weakest, inward, only keys) -> the steps of one layer with a
# strength from `strongest` to `weakest`. Outward steps leave the frontier, inward ones arrive.
FetchLayer = Callable[
    [Sequence[str], int, int, bool, Sequence[str] | None], Awaitable[list[LayerStep]]
]

# Thresholds tried in turn; the last one, 0, admits every path. Each costs a few round trips,
# and the search stops at the first whose top `first` is complete.
THRESHOLDS: tuple[float, ...] = (0.3, 0.05, 0.008, 0.001, 0.0)
# What one frontier person is assumed to cost when its degree is unknown (only the two ends'
# degrees are known up front): about an ordinary person's number of ties.
ASSUMED_DEGREE = 40
# Products computed in another order can differ in the last bits from `ScoringTable.score`.
_SLACK = 1.0 - 1e-12


@dataclass(frozen=True, slots=True)
class _Part:
    """A prefix (source ... end) or a suffix (end ... target) of a path, with its score."""

    people: tuple[str, ...]
    steps: tuple[Step, ...]
    score: float


class _Side:
    """The prefixes grown from the source (outward) or the suffixes from the target (inward)."""

    def __init__(self, origin: str, degree: int, inward: bool) -> None:
        self.inward = inward
        self.layers: list[list[_Part]] = [[_Part((origin,), (), 1.0)]]
        self._origin_degree = degree

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    def frontier(self) -> list[_Part]:
        return self.layers[-1]

    def cost(self) -> int:
        """What expanding the frontier may read: the origin's degree, then a guess per person."""
        if self.depth == 0:
            return self._origin_degree
        return len({self.end(part) for part in self.frontier()}) * ASSUMED_DEGREE

    def end(self, part: _Part) -> str:
        """Where the part meets the rest of the path: a prefix's last, a suffix's first."""
        return part.people[0] if self.inward else part.people[-1]

    def by_end(self) -> dict[str, list[_Part]]:
        """Every part of every layer, by the person where it would join the other side."""
        ends: dict[str, list[_Part]] = defaultdict(list)
        for layer in self.layers:
            for part in layer:
                ends[self.end(part)].append(part)
        return ends


class MeetInTheMiddle:
    """One `find_paths` call on Neo4j. `run()` returns the candidates `Store.find_paths` owes.

    The steps of the paths it returns have no groups yet (`groups` is empty): the store
    reads those for the few steps that are returned.

    Parameters
    ----------
    query : PathQuery
    table : ScoringTable
    fetch : FetchLayer
        One layer from the database (visibility and the traversal rule already applied).
    source_key, target_key : str
        The two ends' keys in the database.
    source_degree, target_degree : int
        How many ratings touch each end: where the search starts.
    """

    def __init__(
        self,
        query: PathQuery,
        table: ScoringTable,
        fetch: FetchLayer,
        ends: tuple[str, str],
        degrees: tuple[int, int],
    ) -> None:
        self.query = query
        self.table = table
        self._fetch = fetch
        self._degrees = degrees
        self._key = {query.source: ends[0], query.target: ends[1]}
        # Full layers already read, per (inward, person id): the weakest strength read so far
        # and the steps. A lower threshold reads only the strengths not read yet.
        self._read: dict[tuple[bool, str], tuple[int, list[Step]]] = {}

    async def run(self) -> list[Path]:
        first = self.query.first
        found: dict[tuple[str, ...], Path] = {}
        for tau in THRESHOLDS:
            found = await self._paths_at_least(tau)
            kth = _kth_best(found.values(), first)
            if kth is not None and kth * (1.0 - 2 * TIE_TOLERANCE) >= tau:
                break  # every path that could rank scores at least tau, and all those are here
        kth = _kth_best(found.values(), first)
        if kth is None:
            return list(found.values())
        return [path for path in found.values() if could_still_rank(path.score, kth)]

    # --- one threshold --------------------------------------------------------------------
    async def _paths_at_least(self, tau: float) -> dict[tuple[str, ...], Path]:
        q = self.query
        forward = _Side(q.source, self._degrees[0], inward=False)
        backward = _Side(q.target, self._degrees[1], inward=True)
        found: dict[tuple[str, ...], Path] = {}
        for _ in range(q.max_hops - 1):
            side = forward if forward.cost() <= backward.cost() else backward
            await self._grow(side, tau, found)
        near, far = (
            (forward, backward) if forward.cost() <= backward.cost() else (backward, forward)
        )
        await self._join(near, far, tau, found)
        return found

    def _cap(self, score: float, tau: float) -> int:
        """The weakest strength a step may have after a part of `score` (0: none may)."""
        need = tau / score * _SLACK
        strengths = [s for s in range(1, self.query.max_strength + 1) if self.table.p(s) >= need]
        return max(strengths, default=0)

    def _step(self, row: LayerStep, near_id: str, inward: bool) -> Step:
        self._key.setdefault(row.far_id, row.far_key)
        first, second = (row.far_id, near_id) if inward else (near_id, row.far_id)
        return Step(first, second, row.strength, first if row.own else second, ())

    async def _layer(
        self, people: Sequence[str], strongest: int, weakest: int, inward: bool, only: list[str]
    ) -> dict[str, list[Step]]:
        by_key = {self._key[person]: person for person in people}
        rows = await self._fetch(list(by_key), strongest, weakest, inward, only or None)
        steps: dict[str, list[Step]] = defaultdict(list)
        for row in rows:
            near_id = by_key[row.near_key]
            steps[near_id].append(self._step(row, near_id, inward))
        return steps

    async def _steps(self, side: _Side, caps: dict[str, int]) -> dict[str, list[Step]]:
        """The steps at each frontier person up to its cap; each strength is read once."""
        missing = {
            person: cap
            for person, cap in caps.items()
            if self._read.get((side.inward, person), (0, []))[0] < cap
        }
        if missing:
            strongest = 1 + min(self._read.get((side.inward, p), (0, []))[0] for p in missing)
            weakest = max(missing.values())
            fetched = await self._layer(list(missing), strongest, weakest, side.inward, [])
            for person in missing:
                done, known = self._read.get((side.inward, person), (0, []))
                seen = {(step.from_id, step.to_id) for step in known}
                fresh = [s for s in fetched.get(person, ()) if (s.from_id, s.to_id) not in seen]
                self._read[(side.inward, person)] = (weakest, known + fresh)
        return {person: self._read[(side.inward, person)][1] for person in caps}

    def _frontier_caps(self, side: _Side, tau: float, best_other: float) -> dict[str, int]:
        best: dict[str, float] = {}
        for part in side.frontier():
            end = side.end(part)
            best[end] = max(best.get(end, 0.0), part.score)
        caps = {end: self._cap(score * best_other, tau) for end, score in best.items()}
        return {end: cap for end, cap in caps.items() if cap > 0}

    async def _grow(self, side: _Side, tau: float, found: dict[tuple[str, ...], Path]) -> None:
        """One more layer on `side`: parts that reach the other end become paths."""
        q, table = self.query, self.table
        goal = q.source if side.inward else q.target
        steps = await self._steps(side, self._frontier_caps(side, tau, 1.0))
        grown: list[_Part] = []
        for part in side.frontier():
            for step in steps.get(side.end(part), ()):
                other = step.from_id if side.inward else step.to_id
                if other in part.people or step.strength > q.max_strength:
                    continue
                score = part.score * table.p(step.strength)
                if score < tau * _SLACK:
                    continue
                longer = _extend(part, step, side.inward, score)
                if other == goal:
                    self._record(longer.people, longer.steps, found)
                elif other not in q.avoid and score * table.best_p >= tau * _SLACK:
                    grown.append(longer)
        side.layers.append(grown)

    async def _join(
        self, near: _Side, far: _Side, tau: float, found: dict[tuple[str, ...], Path]
    ) -> None:
        """The last layer: steps from `near`'s frontier to any part of `far`, joined."""
        table = self.table
        targets = far.by_end()
        if not targets:
            return
        best_far = max(p.score for parts in targets.values() for p in parts)
        caps = self._frontier_caps(near, tau, best_far)
        if not caps:
            return
        only = [self._key[person] for person in targets]
        steps = await self._layer(list(caps), 1, max(caps.values()), near.inward, only)
        for part in near.frontier():
            for step in steps.get(near.end(part), ()):
                other = step.from_id if near.inward else step.to_id
                if step.strength > self.query.max_strength:
                    continue
                score = part.score * table.p(step.strength)
                for rest in targets.get(other, ()):
                    if score * rest.score < tau * _SLACK or not set(part.people).isdisjoint(
                        rest.people
                    ):
                        continue
                    prefix, suffix = (rest, part) if near.inward else (part, rest)
                    self._record(
                        prefix.people + suffix.people, prefix.steps + (step,) + suffix.steps, found
                    )

    def _record(
        self,
        people: tuple[str, ...],
        steps: tuple[Step, ...],
        found: dict[tuple[str, ...], Path],
    ) -> None:
        if self.query.min_hops <= len(steps) <= self.query.max_hops and people not in found:
            found[people] = scored(Path(people=people, steps=steps), self.table)


def _extend(part: _Part, step: Step, inward: bool, score: float) -> _Part:
    """The part one step longer: a suffix grows at its start, a prefix at its end."""
    if inward:
        return _Part((step.from_id, *part.people), (step, *part.steps), score)
    return _Part((*part.people, step.to_id), (*part.steps, step), score)


def _kth_best(paths: Iterable[Path], first: int) -> float | None:
    scores = sorted((path.score for path in paths), reverse=True)
    return scores[first - 1] if len(scores) >= first else None

"""Warm paths on Neo4j: a score-bounded meet-in-the-middle search, one layer per round trip.

The database answers two questions, "every step of strength up to c from these people"
(`graph_schema.queries.layer_query`) and "the steps between these people and those that may
make a path of score tau" (`join_query`), and this module drives the search with them:

- **Thresholds.** It looks for every simple path whose score is at least a threshold `tau`,
  starting high and lowering `tau` until the `first`-th best path found (less the tie
  tolerance) is above it: then nothing below `tau` can rank, and the answer is exact, ties
  included. A high `tau` admits only strong steps, so most questions are answered from a few
  strong ties; the last threshold is 0, which admits every path. The last layer also
  reports the paths it left out below `tau`: once such forecasts have come true, the next
  threshold goes down to where the missing paths are (`next_threshold`), not one step.
- **Both ends.** Prefixes grow from the source and suffixes from the target, a layer at a time,
  always on the side whose frontier is cheaper to expand (a hub's thousands of ties are left
  for the other side to reach). When the two sides together are one step short of `max_hops`,
  a last layer (`graph_schema.queries.join_query`) asks only for the steps that join a prefix
  to a suffix into a path that may reach `tau`, so a hub at either end costs a read inside
  Neo4j, not thousands of rows sent back.
- **Bounds.** A prefix or suffix is kept only while its score can still reach `tau`, and a
  hub is asked only for the strengths that can: the cap grows as `tau` falls. Everyone else
  (at most `WHOLE_READ_DEGREE` relationships) is read whole the first time the search reaches
  them, so later thresholds find them read and cost no round trip.

Every step follows the traversal rule inside Cypher (visibility included); this module only
combines steps, so an invisible rating never reaches it.
"""

from __future__ import annotations

import heapq
import itertools
import operator
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol

from service.domain import Path, PathQuery, Step
from service.scoring import TIE_TOLERANCE, ScoringTable, could_still_rank

# The search handles tens of thousands of rows per question, so its own records are named
# tuples: building one takes 0.35 µs against 0.79 µs for a frozen dataclass of four fields
# (timeit), and dataclass __init__ was the largest single cost of the search's own time
# (py-spy at 100,000 people).


class LayerStep(NamedTuple):
    """One row of a layer: a step between a frontier person and another, as Neo4j found it.

    People are named by key (Neo4j's elementId) inside a search; `far_id` is the person id.
    `own`: the step's first person rated the second (otherwise the reverse rating is used).
    """

    near_key: str
    far_key: str
    far_id: str
    strength: int
    own: bool


class JoinedSteps(NamedTuple):
    """What a join statement returns: the steps that may make a path of the threshold, the
    best bound among those it left out (0.0: none), and the bounds of the left-out steps down
    to the floor it was given, in no order."""

    steps: list[LayerStep]
    left_out: float
    dropped: list[float]


class Neighbourhoods(Protocol):
    """What the search asks the database; people are named by key."""

    async def layer(
        self, frontier: Sequence[str], strongest: int, weakest: int, inward: bool
    ) -> list[LayerStep]:
        """The steps of strength `strongest`..`weakest` that leave the frontier (outward) or
        arrive at it (inward)."""

    async def join(
        self,
        near_best: Mapping[str, float],
        weakest: int,
        inward: bool,
        far_best: Mapping[str, float],
        tau: float,
        floor: float,
    ) -> JoinedSteps:
        """The steps of strength 1..`weakest` between the people of `near_best` and those of
        `far_best` (outward: near -> far) whose bound, near's best score times the step's
        probability times far's best score, is at least `tau`; the best bound of the steps
        it left out; and the bounds of those left out that reach `floor`."""

    async def degrees(self, keys: Sequence[str]) -> dict[str, int]:
        """How many relationships touch each person, by key (a cost, not a count of ties)."""


class DegreeCache:
    """How many relationships people had when last asked, by key, kept for `max_age` seconds.

    Degrees only steer the search (which side grows, who is read whole), so a stale one costs
    time, never a wrong answer. Kept across questions, they spare a busy service most of the
    round trips that ask for them. 100,000 entries take about 25 MB.

    >>> cache = DegreeCache(max_size=2)
    >>> cache.remember({"a": 3, "b": 40, "c": 7})
    >>> cache.known(["a", "b", "c"])
    ({'b': 40, 'c': 7}, ['a'])
    """

    def __init__(
        self,
        max_size: int = 100_000,
        max_age: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_size = max_size
        self._max_age = max_age
        self._clock = clock
        self._seen: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def known(self, keys: Iterable[str]) -> tuple[dict[str, int], list[str]]:
        """The degrees still fresh, and the keys to ask for."""
        oldest = self._clock() - self._max_age
        fresh: dict[str, int] = {}
        missing: list[str] = []
        for key in keys:
            entry = self._seen.get(key)
            if entry is not None and entry[1] >= oldest:
                fresh[key] = entry[0]
            else:
                missing.append(key)
        return fresh, missing

    def remember(self, degrees: Mapping[str, int]) -> None:
        now = self._clock()
        for key, degree in degrees.items():
            self._seen.pop(key, None)
            self._seen[key] = (degree, now)
        while len(self._seen) > self._max_size:
            self._seen.popitem(last=False)


# Thresholds tried in turn, from 0.5 down; the last one, 0, admits every path. The number of
# steps a layer reads grows steeply as the threshold falls (a hub's strength-5 ties come in at
# 0.05), so the search stops at the first threshold whose top `first` is complete: small steps
# cost a few cached round trips, a step too far can cost seconds. A maxHops 4 search grows two
# layers before its join and a maxHops 3 search one, so a step too far costs the longer search
# more: its grid is finer. But a maxHops 4 pass that found no path at all is usually far above
# the answer, and the next pass skips one threshold more (`_SKIPS_AFTER_NOTHING`). Chosen by
# `bench.paths_ab` at tier L (docs/decisions.md, "Thresholds").
THRESHOLDS: dict[int, tuple[float, ...]] = {
    3: (*(0.5 * 0.35**i for i in range(8)), 0.0),  # 0.5 down to about 0.0003
    4: (*(0.5 * (2 / 3) ** i for i in range(18)), 0.0),  # 0.5 down to about 0.0005
}
_SKIPS_AFTER_NOTHING: dict[int, int] = {3: 0, 4: 1}
# The last layer also reports the scores of the whole paths it left out, down to `AIM_FLOOR`
# times the threshold: a lower threshold will find at least those, so they forecast how far
# down the `first` paths are. The forecast leaves out what lower thresholds add by growing
# more, which from a hub is most of it: the search follows it only once it has come true
# twice in a row (each pass found paths, and at most `FORECAST_SLACK` times what the pass
# before forecast), and then skips at most `MAX_AIMED_SKIPS` thresholds past the grid's
# rule. maxHops 3's grid is coarse already, and follows no forecast. Chosen by
# `bench.paths_ab` at tier L (docs/decisions.md, "The last layer forecasts the next threshold").
AIM_FLOOR = 0.04
FORECAST_SLACK = 2
MAX_AIMED_SKIPS = 2
FORECAST_FROM_HOPS = 4
# Products computed in another order can differ in the last bits from `ScoringTable.score`.
_SLACK = 1.0 - 1e-12

# People with at most this many relationships are read whole (every strength up to
# `maxStrength`) the first time the search reaches them, and every later threshold finds them
# read: at this size a read costs its round trip (1-3 ms), not its rows (about 10 µs each).
# Only people above it, the hubs, are read a few strengths at a time as the threshold falls.
WHOLE_READ_DEGREE = 200
# The last layer reads its near people whole too while they hold at most this many
# relationships together; above it, it asks Neo4j for just the steps that join the two halves.
WHOLE_JOIN_RATINGS = 2_000
# The join reads each frontier person's ties up to the weakest strength its statement asks.
# Past this many frontier people of a stronger cap, those get a statement of their own: from
# a hub, almost all 2,000-4,000 frontier people have cap 2 while a few have cap 4, and one
# statement per cap read the same steps in 61-143 ms against 84-233 ms for one statement
# reading strengths 1-4 for all (tier L, the big joins of three from-hub questions replayed).
# A statement costs a round trip, 2-3 ms, about what reading two strengths less saves for
# 200 people.
JOIN_SPLIT_PEOPLE = 300


class _Hop(NamedTuple):
    """A step as the search knows it: `Step` without groups, which are read for the answer."""

    from_id: str
    to_id: str
    strength: int
    rated_by: str

    def step(self) -> Step:
        return Step(self.from_id, self.to_id, self.strength, self.rated_by, ())


class _Part(NamedTuple):
    """A prefix (source ... end) or a suffix (end ... target) of a path, with its score."""

    people: tuple[str, ...]
    steps: tuple[_Hop, ...]
    score: float


_score = operator.attrgetter("score")


class _Found(NamedTuple):
    """A whole path the search found."""

    steps: tuple[_Hop, ...]
    score: float


class _Side:
    """The prefixes grown from the source (outward) or the suffixes from the target (inward)."""

    def __init__(self, origin: str, inward: bool) -> None:
        self.inward = inward
        self.layers: list[list[_Part]] = [[_Part((origin,), (), 1.0)]]
        # Where in a part's people its end is (`end`), read per part in hot loops.
        self._end_at = 0 if inward else -1

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    def frontier(self) -> list[_Part]:
        return self.layers[-1]

    def ends(self) -> set[str]:
        at = self._end_at
        return {part.people[at] for part in self.frontier()}

    def end(self, part: _Part) -> str:
        """Where the part meets the rest of the path: a prefix's last, a suffix's first."""
        return part.people[self._end_at]

    def best_by_end(self) -> dict[str, float]:
        """The best score of the frontier's parts, by the person where they end."""
        best: dict[str, float] = {}
        for part in self.frontier():
            end = self.end(part)
            if part.score > best.get(end, 0.0):
                best[end] = part.score
        return best

    def by_end(self) -> dict[str, list[_Part]]:
        """Every part of every layer, by the person where it would join the other side, the
        best first."""
        at = self._end_at
        ends: dict[str, list[_Part]] = defaultdict(list)
        for layer in self.layers:
            for part in layer:
                ends[part.people[at]].append(part)
        for parts in ends.values():
            if len(parts) > 1:  # most ends have one part
                parts.sort(key=_score, reverse=True)  # stable, as `key=-score` would be
        return ends


class MeetInTheMiddle:
    """One `find_paths` call on Neo4j. `run()` returns the candidates `Store.find_paths` owes.

    The steps of the paths it returns have no groups yet (`groups` is empty): the store
    reads those for the few steps that are returned.

    Parameters
    ----------
    query : PathQuery
    table : ScoringTable
    source : Neighbourhoods
        Layers and degrees from the database (visibility and the traversal rule applied).
    ends : (str, str)
        The keys of `query.source` and `query.target` in the database.
    degrees : (int, int)
        How many ratings touch each end: where the search starts.
    """

    def __init__(
        self,
        query: PathQuery,
        table: ScoringTable,
        source: Neighbourhoods,
        ends: tuple[str, str],
        degrees: tuple[int, int],
    ) -> None:
        self.query = query
        self.table = table
        # table.p(s) as a tuple indexed by strength, and the best of them: read per row.
        self._p = (0.0, *table.probabilities)
        self._best_p = table.best_p
        self._source = source
        self._key = {query.source: ends[0], query.target: ends[1]}
        self._degree = {query.source: degrees[0], query.target: degrees[1]}
        # Full layers already read, per (inward, person id): the weakest strength read so far
        # and the steps. A lower threshold reads only the strengths not read yet.
        self._read: dict[tuple[bool, str], tuple[int, list[_Hop]]] = {}
        # Whether the current threshold left out a step or a part (else nothing is missing),
        # the best score a path through anything it left out could have, and the scores of
        # the whole paths its last layer left out (down to `AIM_FLOOR` times it).
        self._pruned = False
        self._left_out = 0.0
        self._missed: list[float] = []
        self._aim_floor = AIM_FLOOR if query.max_hops >= FORECAST_FROM_HOPS else 1.0
        # The best probability of a strength weaker than each cap (what a cap leaves out).
        self._best_p_above = [
            max(table.p(s) for s in range(cap + 1, query.max_strength + 1))
            for cap in range(query.max_strength)
        ]

    async def run(self) -> list[Path]:
        first = self.query.first
        found: dict[tuple[str, ...], _Found] = {}
        thresholds = THRESHOLDS[self.query.max_hops]
        skips_after_nothing = _SKIPS_AFTER_NOTHING[self.query.max_hops]
        tau = thresholds[0]
        forecast = 0  # how many paths the last pass said this one would find, at least
        came_true = False
        while True:
            self._pruned, self._left_out, self._missed = False, 0.0, []
            found = await self._paths_at_least(tau)
            came_true_before = came_true
            came_true = 0 < len(found) <= FORECAST_SLACK * forecast
            if not self._pruned:
                break  # the threshold left nothing out: these are all the paths there are
            bound = self._left_out / _SLACK  # no path left out scores more
            kth = _kth_best(found.values(), first)
            if kth is not None and kth * (1.0 - 2 * TIE_TOLERANCE) > bound:
                break  # every path that could rank or tie is here
            # Any threshold above `bound` leaves out exactly what this one did: skip those.
            lower = [t for t in thresholds if t < tau and t <= bound]
            missed = self._missed if came_true and came_true_before else []
            tau = next_threshold(lower, len(found), first, missed, skips_after_nothing)
            forecast = len(found) + sum(1 for score in self._missed if score >= tau * _SLACK)
        kth = _kth_best(found.values(), first)
        return [
            Path(people, tuple(hop.step() for hop in path.steps), path.score)
            for people, path in found.items()
            if kth is None or could_still_rank(path.score, kth)
        ]

    # --- one threshold --------------------------------------------------------------------
    async def _paths_at_least(self, tau: float) -> dict[tuple[str, ...], _Found]:
        q = self.query
        forward = _Side(q.source, inward=False)
        backward = _Side(q.target, inward=True)
        found: dict[tuple[str, ...], _Found] = {}
        for _ in range(q.max_hops - 1):
            cheaper = await self._forward_is_cheaper(forward, backward)
            await self._grow(forward if cheaper else backward, tau, found)
        if await self._forward_is_cheaper(forward, backward):
            await self._join(forward, backward, tau, found)
        else:
            await self._join(backward, forward, tau, found)
        return found

    async def _forward_is_cheaper(self, forward: _Side, backward: _Side) -> bool:
        """Whether growing the source's side reads no more than the target's: what growing a
        side reads is at most the ties of the people on its frontier. A hub on a frontier
        makes its side the dear one, so the other side grows instead."""
        ahead, behind = forward.ends(), backward.ends()
        await self._learn_degrees(ahead | behind)
        degree = self._degree
        return sum(degree[p] for p in ahead) <= sum(degree[p] for p in behind)

    async def _learn_degrees(self, people: set[str]) -> None:
        unknown = [person for person in people if person not in self._degree]
        if unknown:
            by_key = {self._key[person]: person for person in unknown}
            for key, degree in (await self._source.degrees(list(by_key))).items():
                self._degree[by_key[key]] = degree

    def _cap(self, score: float, tau: float) -> int:
        """The weakest strength a step may have after a part of `score` (0: none may)."""
        need = tau / score * _SLACK
        strengths = [s for s in range(1, self.query.max_strength + 1) if self._p[s] >= need]
        return max(strengths, default=0)

    def _step(self, row: LayerStep, near_id: str, inward: bool) -> _Hop:
        self._key.setdefault(row.far_id, row.far_key)
        first, second = (row.far_id, near_id) if inward else (near_id, row.far_id)
        return _built(_Hop, (first, second, row.strength, first if row.own else second))

    async def _layer(
        self, people: Sequence[str], strongest: int, weakest: int, inward: bool
    ) -> dict[str, list[_Hop]]:
        by_key = {self._key[person]: person for person in people}
        rows = await self._source.layer(list(by_key), strongest, weakest, inward)
        return self._by_near(rows, by_key, inward)

    def _by_near(
        self, rows: list[LayerStep], by_key: dict[str, str], inward: bool
    ) -> dict[str, list[_Hop]]:
        """A layer's rows as steps, by the frontier person they start from (or end at)."""
        # A pair may come back twice: u's own rating and v's reverse one. The own one wins;
        # a reverse one whose pair is already known is dropped later.
        chosen = {(row.near_key, row.far_key): row for row in rows if row.own}
        for row in rows:
            if not row.own:
                chosen.setdefault((row.near_key, row.far_key), row)
        steps: dict[str, list[_Hop]] = defaultdict(list)
        for row in chosen.values():
            near_id = by_key[row.near_key]
            steps[near_id].append(self._step(row, near_id, inward))
        return steps

    def _leave_out(self, bound: float) -> None:
        """Something the threshold leaves out: no path through it scores above `bound`."""
        self._pruned = True
        self._left_out = max(self._left_out, bound)

    def _strongest_first(self, steps: list[_Hop]) -> list[_Hop]:
        """Steps in the order the search wants them: the best score first, so that it stops
        at the first one too weak for the threshold."""
        p = self._p
        return sorted(steps, key=lambda step: -p[step.strength])

    def _small(self, person: str) -> bool:
        return self._degree.get(person, WHOLE_READ_DEGREE + 1) <= WHOLE_READ_DEGREE

    def _weakest_read(self, side: _Side, person: str) -> int:
        return self._read.get((side.inward, person), (0, []))[0]

    async def _steps(self, side: _Side, caps: dict[str, int]) -> dict[str, list[_Hop]]:
        """The steps at each frontier person, at least up to its cap (a small person's: all
        of them). Each strength is read once; the callers drop steps too weak for `tau`."""
        wanted = {
            person: self.query.max_strength if self._small(person) else cap
            for person, cap in caps.items()
        }
        missing: dict[int, list[str]] = defaultdict(list)
        for person, weakest in wanted.items():
            if self._weakest_read(side, person) < weakest:
                missing[weakest].append(person)
        for weakest, people in missing.items():
            strongest = 1 + min(self._weakest_read(side, person) for person in people)
            fetched = await self._layer(people, strongest, weakest, side.inward)
            for person in people:
                done, known = self._read.get((side.inward, person), (0, []))
                seen = {(step.from_id, step.to_id) for step in known}
                fresh = [s for s in fetched.get(person, ()) if (s.from_id, s.to_id) not in seen]
                self._read[(side.inward, person)] = (weakest, self._strongest_first(known + fresh))
        return {person: self._read[(side.inward, person)][1] for person in caps}

    def _frontier_caps(
        self, best_by_end: dict[str, float], tau: float, best_other: float
    ) -> dict[str, int]:
        """Each frontier end's cap, from the best score of its parts (`_Side.best_by_end`)."""
        caps: dict[str, int] = {}
        for end, score in best_by_end.items():
            cap = self._cap(score * best_other, tau)
            if cap < self.query.max_strength:
                self._leave_out(score * best_other * self._best_p_above[cap])
            if cap > 0:
                caps[end] = cap
        return caps

    async def _grow(self, side: _Side, tau: float, found: dict[tuple[str, ...], _Found]) -> None:
        """One more layer on `side`: parts that reach the other end become paths."""
        q, p, best_p = self.query, self._p, self._best_p
        goal = q.source if side.inward else q.target
        steps = await self._steps(side, self._frontier_caps(side.best_by_end(), tau, 1.0))
        grown: list[_Part] = []
        for part in side.frontier():
            for step in steps.get(side.end(part), ()):  # the best first
                score = part.score * p[step.strength]
                if score < tau * _SLACK:
                    self._leave_out(score)
                    break  # and every step after it
                other = step.from_id if side.inward else step.to_id
                if other in part.people or step.strength > q.max_strength:
                    continue
                if other == goal:
                    longer = _extend(part, step, side.inward, score)
                    self._record(longer.people, longer.steps, found)
                elif other in q.avoid:
                    continue
                elif score * best_p >= tau * _SLACK:
                    grown.append(_extend(part, step, side.inward, score))
                else:
                    self._leave_out(score * best_p)
        side.layers.append(grown)

    async def _join(
        self, near: _Side, far: _Side, tau: float, found: dict[tuple[str, ...], _Found]
    ) -> None:
        """The last layer: steps from `near`'s frontier to any part of `far`, joined."""
        p = self._p
        targets = far.by_end()
        if not targets:
            return
        best_far = max(parts[0].score for parts in targets.values())
        best_by_end = near.best_by_end()
        caps = self._frontier_caps(best_by_end, tau, best_far)
        if not caps:
            return
        steps = await self._joining_steps(near, best_by_end, caps, targets, tau)
        for part in near.frontier():
            for step in steps.get(near.end(part), ()):  # the best first
                score = part.score * p[step.strength]
                if score * best_far < tau * _SLACK:
                    self._leave_out(score * best_far)
                    break  # and every step after it
                other = step.from_id if near.inward else step.to_id
                if step.strength > self.query.max_strength:
                    continue
                for rest in targets.get(other, ()):  # the best first
                    if score * rest.score < tau * _SLACK:
                        self._leave_out(score * rest.score)
                        if score * rest.score >= tau * self._aim_floor:  # a path, if simple
                            self._missed.append(score * rest.score)
                        break
                    if not set(part.people).isdisjoint(rest.people):
                        continue
                    prefix, suffix = (rest, part) if near.inward else (part, rest)
                    self._record(
                        prefix.people + suffix.people, prefix.steps + (step,) + suffix.steps, found
                    )

    async def _joining_steps(
        self,
        near: _Side,
        best_by_end: dict[str, float],
        caps: dict[str, int],
        targets: dict[str, list[_Part]],
        tau: float,
    ) -> dict[str, list[_Hop]]:
        """The steps from `near`'s frontier people (up to their caps) that may reach
        `targets` (`_Side.by_end`): small people read whole while that is cheap, the others
        through a join layer that returns only the steps to a target that may make a path of
        `tau`. `best_by_end` is the best score of the parts at each frontier person."""
        whole = {person: cap for person, cap in caps.items() if self._small(person)}
        unread = [p for p in whole if self._weakest_read(near, p) < self.query.max_strength]
        if sum(self._degree[person] for person in unread) > WHOLE_JOIN_RATINGS:
            whole = {}
        steps = await self._steps(near, whole) if whole else {}
        rest = {person: cap for person, cap in caps.items() if person not in whole}
        if rest:
            far_best = {self._key[end]: parts[0].score for end, parts in targets.items()}
            rows: list[LayerStep] = []
            for weakest, people in join_groups(rest):
                near_best = {self._key[person]: best_by_end[person] for person in people}
                answer = await self._source.join(
                    near_best, weakest, near.inward, far_best, tau * _SLACK, tau * self._aim_floor
                )
                rows += answer.steps
                self._missed += answer.dropped
                if answer.left_out > 0.0:
                    self._leave_out(answer.left_out)
            by_key = {self._key[person]: person for person in rest}
            joined = self._by_near(rows, by_key, near.inward)
            steps.update((person, self._strongest_first(found)) for person, found in joined.items())
        return steps

    def _record(
        self,
        people: tuple[str, ...],
        steps: tuple[_Hop, ...],
        found: dict[tuple[str, ...], _Found],
    ) -> None:
        if self.query.min_hops <= len(steps) <= self.query.max_hops and people not in found:
            found[people] = _Found(steps, self.table.score(step.strength for step in steps))


def next_threshold(
    lower: Sequence[float],
    found: int,
    first: int,
    missed: Sequence[float],
    skips_after_nothing: int,
) -> float:
    """The threshold after a pass that found `found` paths and could not stop.

    `lower`: the grid's thresholds below what the pass left out, highest first. The grid's
    rule takes the next one, or `skips_after_nothing` more after a pass that found nothing.
    `missed`: the scores of paths the pass saw below its threshold (empty: not to be
    followed). When they make up the paths still missing, the search goes down to the highest
    threshold that takes in enough of them, at most `MAX_AIMED_SKIPS` past the grid's rule.

    >>> next_threshold([0.4, 0.2, 0.1, 0.05], found=1, first=3, missed=[], skips_after_nothing=1)
    0.4
    >>> next_threshold([0.4, 0.2, 0.1, 0.05], 1, 3, missed=[0.3, 0.12, 0.01], skips_after_nothing=1)
    0.1
    """
    at = min(0 if found else skips_after_nothing, len(lower) - 1)
    need = first - found
    if 0 < need <= len(missed):
        aim = heapq.nlargest(need, missed)[-1] / _SLACK  # a path of this score passes it
        aimed = next((i for i, t in enumerate(lower) if t <= aim), len(lower) - 1)
        at = max(at, min(at + MAX_AIMED_SKIPS, aimed))
    return lower[at]


def join_groups(caps: Mapping[str, int]) -> list[tuple[int, list[str]]]:
    """The join's statements: (weakest strength, frontier people), strongest cap first. The
    people of a cap get their own statement once they are `JOIN_SPLIT_PEOPLE`; fewer are
    read with the next weaker cap's (more strengths than they need: the join's bound drops
    the steps too weak for them)."""
    groups: list[tuple[int, list[str]]] = []
    pending: list[str] = []
    for cap, people in itertools.groupby(sorted(caps, key=caps.__getitem__), caps.__getitem__):
        pending += people
        if len(pending) >= JOIN_SPLIT_PEOPLE:
            groups.append((cap, pending))
            pending = []
    if pending:
        groups.append((max(caps.values()), pending))
    return groups


# Builds a named tuple from a tuple of its fields without the class's generated `__new__`,
# a Python function: 0.36 µs against 0.51-0.90 µs for `_Part(...)` (timeit). A question
# builds tens of thousands of parts, and that call was the largest item of the search's own
# time (py-spy, tier L).
_built = tuple.__new__


def _extend(part: _Part, step: _Hop, inward: bool, score: float) -> _Part:
    """The part one step longer: a suffix grows at its start, a prefix at its end."""
    if inward:
        return _built(_Part, ((step.from_id, *part.people), (step, *part.steps), score))
    return _built(_Part, ((*part.people, step.to_id), (*part.steps, step), score))


def _kth_best(paths: Iterable[_Found], first: int) -> float | None:
    scores = sorted((path.score for path in paths), reverse=True)
    return scores[first - 1] if len(scores) >= first else None

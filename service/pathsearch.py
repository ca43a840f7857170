"""Warm-path search over a rating graph: the traversal rule of API.md as pure functions.

The graph is a `networkx.DiGraph` whose edge ``u -> v`` carries ``rating``, u's `Rating` of v
(`rating_graph` builds one). A *step* from u to v exists when u rated v or v rated u and that
rating is visible to the viewer; it uses u's rating of v when that one is visible, otherwise v's
rating of u. Steps are therefore symmetric in existence but not in strength.

Examples
--------
>>> from datetime import UTC, datetime
>>> from service.domain import Rating, Viewer, Visibility
>>> def rate(a, b, s, v=Visibility.PUBLIC):
...     t = datetime(2026, 1, 1, tzinfo=UTC)
...     return Rating(a, b, s, (), None, v, None, None, t, t)
>>> G = rating_graph([rate("ann", "bob", 1), rate("cat", "bob", 2), rate("cat", "dan", 1)])
>>> s = step(G, "bob", "cat", Viewer.dev())
>>> (s.strength, s.rated_by)
(2, 'cat')
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from service.access import can_see
from service.domain import STRENGTH_MAX, STRENGTH_MIN, Path, PathQuery, Rating, Step, Viewer
from service.scoring import ScoringTable, could_still_rank

__all__ = ["find_paths", "mutual_connections", "rating_graph", "step"]


def rating_graph(ratings: Iterable[Rating]) -> nx.DiGraph:
    """A graph in the form the functions of this module read: edge from -> to with ``rating``.

    Parameters
    ----------
    ratings : iterable of Rating

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> rating_graph([]).number_of_edges()
    0
    """
    graph = nx.DiGraph()
    for rating in ratings:
        graph.add_edge(rating.from_id, rating.to_id, rating=rating)
    return graph


class _Walker:
    """The traversal rule for one viewer and one strength limit, over the raw adjacency.

    It reads networkx's `_succ` / `_pred` dicts directly: the public views wrap every lookup
    in Python-level Mapping calls, which dominates a search that does millions of lookups.
    """

    __slots__ = ("_succ", "_pred", "_viewer", "_max_strength")

    def __init__(self, graph: nx.DiGraph, viewer: Viewer, max_strength: int) -> None:
        self._succ: dict[str, dict[str, dict[str, Any]]] = graph._succ
        self._pred: dict[str, dict[str, dict[str, Any]]] = graph._pred
        self._viewer = viewer
        self._max_strength = max_strength

    def sees(self, rating: Rating) -> bool:
        viewer_id = self._viewer.person_id
        rated_viewer = viewer_id is not None and viewer_id in self._succ[rating.from_id]
        return can_see(
            self._viewer, rating.from_id, rating.visibility, rater_rated_viewer=rated_viewer
        )

    def rating_for(self, u: str, v: str) -> Rating | None:
        """The rating the step u -> v uses, or None when there is no such step."""
        forward = self._succ[u].get(v)
        if forward is not None and self.sees(forward["rating"]):
            chosen: Rating = forward["rating"]
        else:
            backward = self._pred[u].get(v)
            if backward is None or not self.sees(backward["rating"]):
                return None
            chosen = backward["rating"]
        # The limit drops the step; it never falls back to the other direction's rating.
        return chosen if chosen.strength <= self._max_strength else None

    def degree(self, u: str) -> int:
        return len(self._succ[u]) + len(self._pred[u])

    def neighbours(self, u: str) -> Iterator[str]:
        """Everyone u rated or who rated u, once each, visible or not."""
        out = self._succ[u]
        yield from out
        for v in self._pred[u]:
            if v not in out:
                yield v

    def is_neighbour(self, u: str, v: str) -> bool:
        return v in self._succ[u] or v in self._pred[u]

    def common_neighbours(self, a: str, b: str) -> Iterator[str]:
        """People adjacent to both (raw adjacency); walks the smaller neighbourhood."""
        small, large = (a, b) if self.degree(a) <= self.degree(b) else (b, a)
        return (c for c in self.neighbours(small) if self.is_neighbour(large, c))


def _as_step(u: str, v: str, rating: Rating) -> Step:
    return Step(u, v, rating.strength, rating.from_id, rating.groups)


def step(graph: nx.DiGraph, u: str, v: str, viewer: Viewer, max_strength: int = 5) -> Step | None:
    """The step from `u` to `v` under the traversal rule, for `viewer`.

    Parameters
    ----------
    graph : networkx.DiGraph
        Edges ``from -> to`` carrying ``rating``.
    u, v : str
        Person ids; both must be nodes of `graph`.
    viewer : Viewer
    max_strength : int
        A step whose chosen strength is above this does not exist.

    Returns
    -------
    Step or None
        None when neither rating exists and is visible, or the chosen one is too weak.

    Raises
    ------
    networkx.NodeNotFound
        When `u` or `v` is not in the graph.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from service.domain import Rating, Role, Viewer, Visibility
    >>> def rate(a, b, s, v=Visibility.PUBLIC):
    ...     t = datetime(2026, 1, 1, tzinfo=UTC)
    ...     return Rating(a, b, s, (), None, v, None, None, t, t)
    >>> G = rating_graph([rate("ann", "bob", 4), rate("bob", "ann", 1, Visibility.PRIVATE)])
    >>> step(G, "bob", "ann", Viewer("bob", Role.USER)).strength
    1

    To anyone else bob's private rating is invisible, so the step falls back to ann's:

    >>> step(G, "bob", "ann", Viewer("cat", Role.USER)).rated_by
    'ann'

    `max_strength` drops a step; it does not make the rule pick the other rating:

    >>> step(G, "ann", "bob", Viewer.dev(), max_strength=3) is None
    True
    """
    for node in (u, v):
        if node not in graph:
            raise nx.NodeNotFound(f"person {node!r} is not in the graph")
    _check_strength(max_strength)
    rating = _Walker(graph, viewer, max_strength).rating_for(u, v)
    return None if rating is None else _as_step(u, v, rating)


def _check_strength(max_strength: int) -> None:
    if not STRENGTH_MIN <= max_strength <= STRENGTH_MAX:
        raise ValueError(f"max_strength must be from 1 to 5, got {max_strength}")


def _check_query(graph: nx.DiGraph, query: PathQuery) -> None:
    if not graph.is_directed():
        raise nx.NetworkXNotImplemented("the rating graph must be a DiGraph")
    if query.source == query.target:
        raise ValueError("source and target must differ")
    if not 1 <= query.min_hops <= query.max_hops:
        raise ValueError(f"need 1 <= min_hops <= max_hops, got {query.min_hops}, {query.max_hops}")
    if query.first < 1:
        raise ValueError(f"first must be at least 1, got {query.first}")
    _check_strength(query.max_strength)


def find_paths(
    graph: nx.DiGraph, query: PathQuery, viewer: Viewer, table: ScoringTable
) -> list[Path]:
    """Candidate warm paths: a superset of the best `query.first`, ties with the last included.

    Simple paths from `query.source` to `query.target` of `min_hops`..`max_hops` steps, every
    step under the traversal rule for `viewer` and `max_strength`, no one of `query.avoid`
    inside. The caller ranks them with `service.scoring.rank_paths`; every path that could
    tie with the k-th best is returned, since ties are then broken by hops and ids.

    Parameters
    ----------
    graph : networkx.DiGraph
        Edges ``from -> to`` carrying ``rating``.
    query : PathQuery
    viewer : Viewer
    table : ScoringTable

    Returns
    -------
    list of Path
        In no particular order, each with its `score`. Empty when `source` or `target` is not
        in the graph.

    Raises
    ------
    ValueError
        When the query is inconsistent (`min_hops` > `max_hops`, `source` = `target`, ...).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from service.domain import PathQuery, Rating, Viewer, Visibility
    >>> from service.scoring import ScoringTable, rank_paths
    >>> def rate(a, b, s, v=Visibility.PUBLIC):
    ...     t = datetime(2026, 1, 1, tzinfo=UTC)
    ...     return Rating(a, b, s, (), None, v, None, None, t, t)
    >>> G = rating_graph([
    ...     rate("ann", "bob", 1), rate("bob", "dan", 1),
    ...     rate("ann", "cat", 2), rate("dan", "cat", 3),
    ... ])
    >>> q = PathQuery("ann", "dan", min_hops=1, max_hops=3, first=1, max_strength=5)
    >>> table = ScoringTable.default()
    >>> [p.people for p in rank_paths(find_paths(G, q, Viewer.dev(), table), table, 5)]
    [('ann', 'bob', 'dan')]

    With ``first=2`` the weaker path through cat is a candidate too:

    >>> q2 = PathQuery("ann", "dan", min_hops=1, max_hops=3, first=2, max_strength=5)
    >>> sorted(p.people for p in find_paths(G, q2, Viewer.dev(), table))
    [('ann', 'bob', 'dan'), ('ann', 'cat', 'dan')]
    """
    _check_query(graph, query)
    if query.source not in graph or query.target not in graph:
        return []
    search = _PathSearch(graph, query, viewer, table)
    if query.max_hops <= 2:
        return search.short_paths()
    return search.best_first()


# (-upper bound of the score, tie-breaker, score so far, people, ratings of the steps)
_Entry = tuple[float, int, float, tuple[str, ...], tuple[Rating, ...]]


class _PathSearch:
    """One `find_paths` call: the walker, the best scores so far and the path builder."""

    def __init__(
        self, graph: nx.DiGraph, query: PathQuery, viewer: Viewer, table: ScoringTable
    ) -> None:
        self.walker = _Walker(graph, viewer, query.max_strength)
        self.query = query
        self.table = table
        self.found: list[Path] = []
        # Min-heap of the best `first` complete scores found so far: its top is a lower bound
        # of the final k-th best score, so anything that cannot reach it is pruned.
        self._best: list[float] = []

    # --- results ---------------------------------------------------------------------------
    def _hopeless(self, bound: float) -> bool:
        return len(self._best) >= self.query.first and not could_still_rank(bound, self._best[0])

    def _record(self, people: tuple[str, ...], ratings: tuple[Rating, ...]) -> None:
        score = self.table.score(r.strength for r in ratings)
        if self._hopeless(score):
            return
        pairs = zip(people, people[1:], strict=False)
        steps = tuple(_as_step(u, v, r) for (u, v), r in zip(pairs, ratings, strict=True))
        self.found.append(Path(people=people, steps=steps, score=score))
        if len(self._best) < self.query.first:
            heapq.heappush(self._best, score)
        else:
            heapq.heappushpop(self._best, score)

    def _result(self) -> list[Path]:
        if len(self._best) < self.query.first:
            return self.found
        kth = self._best[0]
        return [path for path in self.found if could_still_rank(path.score, kth)]

    # --- paths of one or two steps: a direct step and the common neighbours ----------------
    def short_paths(self) -> list[Path]:
        q, walker = self.query, self.walker
        if q.min_hops <= 1:
            direct = walker.rating_for(q.source, q.target)
            if direct is not None:
                self._record((q.source, q.target), (direct,))
        if q.max_hops >= 2:
            for middle in walker.common_neighbours(q.source, q.target):
                if middle in q.avoid:
                    continue
                first = walker.rating_for(q.source, middle)
                if first is None:
                    continue
                second = walker.rating_for(middle, q.target)
                if second is not None:
                    self._record((q.source, middle, q.target), (first, second))
        return self._result()

    # --- longer paths: best-first from the source, bounded by the distance to the target ---
    def best_first(self) -> list[Path]:
        q, walker, table = self.query, self.walker, self.table
        ball = _TargetBall(walker, q)
        best_p = table.best_p
        counter = itertools.count()
        heap: list[_Entry] = [(-1.0, next(counter), 1.0, (q.source,), ())]
        while heap:
            neg_bound, _, score, people, ratings = heapq.heappop(heap)
            if self._hopeless(-neg_bound):
                break  # the heap pops bounds in decreasing order: nothing left can rank
            u, hops = people[-1], len(ratings)
            for v in ball.next_people(u, q.max_hops - hops - 1):
                if v in people or v in q.avoid:
                    continue
                rating = walker.rating_for(u, v)
                if rating is None:
                    continue
                if v == q.target:
                    if hops + 1 >= q.min_hops:
                        self._record((*people, v), (*ratings, rating))
                    continue
                next_score = score * table.p(rating.strength)
                need = max(ball.hops_at_least(v), q.min_hops - hops - 1)
                bound = next_score * best_p**need
                if not self._hopeless(bound):
                    entry = (-bound, next(counter), next_score, (*people, v), (*ratings, rating))
                    heapq.heappush(heap, entry)
        return self._result()


class _TargetBall:
    """Who can still reach the target in the hops left: the backward half of the search.

    Over the raw adjacency (visible or not, any strength): a lower bound of the visible
    distance that costs dict lookups instead of a visibility check per rating. Only the
    target's neighbours are collected. A full two-hop ball was measured slower: with hubs it
    is most of the graph, and the last step's intersection with the target's neighbours
    already rejects a dead end at about the same cost.
    """

    def __init__(self, walker: _Walker, query: PathQuery) -> None:
        self._walker = walker
        self._target = query.target
        self._near = set(walker.neighbours(query.target)) - query.avoid

    def hops_at_least(self, v: str) -> int:
        """A lower bound of the hops from `v` to the target."""
        if v == self._target:
            return 0
        return 1 if v in self._near else 2

    def next_people(self, u: str, left: int) -> Iterable[str]:
        """u's neighbours that may still reach the target in `left` more hops."""
        walker, target = self._walker, self._target
        if left >= 2:
            return walker.neighbours(u)
        direct = (target,) if walker.is_neighbour(u, target) else ()
        if left == 0:
            return direct
        near = self._near
        # Walk whichever side is smaller: a hub's 30k neighbours or the target's.
        if len(near) < walker.degree(u):
            return itertools.chain(direct, (v for v in near if walker.is_neighbour(u, v)))
        return (v for v in walker.neighbours(u) if v in near or v == target)


def mutual_connections(graph: nx.DiGraph, a: str, b: str, viewer: Viewer) -> list[str]:
    """Ids of the people with a visible step (either direction, any strength) to both a and b.

    Parameters
    ----------
    graph : networkx.DiGraph
        Edges ``from -> to`` carrying ``rating``.
    a, b : str
        Person ids; an id not in the graph has no mutual connections.
    viewer : Viewer

    Returns
    -------
    list of str
        Sorted by code point; never `a` or `b`.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from service.domain import Rating, Role, Viewer, Visibility
    >>> def rate(a, b, s, v=Visibility.PUBLIC):
    ...     t = datetime(2026, 1, 1, tzinfo=UTC)
    ...     return Rating(a, b, s, (), None, v, None, None, t, t)
    >>> G = rating_graph([
    ...     rate("ann", "bob", 1), rate("cat", "bob", 5),
    ...     rate("ann", "dan", 2), rate("cat", "dan", 2, Visibility.PRIVATE),
    ... ])
    >>> mutual_connections(G, "ann", "cat", Viewer.dev())
    ['bob', 'dan']
    >>> mutual_connections(G, "ann", "cat", Viewer("ann", Role.USER))
    ['bob']
    """
    if not graph.is_directed():
        raise nx.NetworkXNotImplemented("the rating graph must be a DiGraph")
    if a not in graph or b not in graph:
        return []
    walker = _Walker(graph, viewer, STRENGTH_MAX)
    return sorted(
        c
        for c in walker.common_neighbours(a, b)
        if c not in (a, b)
        and walker.rating_for(a, c) is not None
        and walker.rating_for(b, c) is not None
    )

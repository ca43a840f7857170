"""Warm-path search over a compact rating graph: the traversal rule of API.md as pure functions.

The graph is a `RatingGraph`, an undirected `networkx.Graph` with one edge between two people
when either rated the other. Seen from u, the edge's data ``graph[u][v]`` is ``{"tie": t}``, a
small int that packs both ratings between them: u's rating of v in bits 0-4 and v's rating of
u in bits 5-9, each as strength (bits 0-2, 0 = no rating) and visibility (bits 3-4). Those data
dicts are shared by every edge with the same tie and are read-only, so a rating costs two dict
entries rather than an object; the rest of a rating (its groups) is looked up only for the
steps of the paths returned, through `RatingGraph.labels`.

A *step* from u to v exists when u rated v or v rated u and that rating is visible to the
viewer; it uses u's rating of v when that one is visible, otherwise v's rating of u. Steps are
therefore symmetric in existence (before `max_strength`) but not in strength.

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

import dataclasses
import functools
import heapq
import itertools
import math
import operator
import time
from collections.abc import (
    Callable,
    Collection,
    Container,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    Set,
)
from typing import Any, Final, NoReturn, TypeAlias

import networkx as nx

from service.domain import STRENGTH_MAX, STRENGTH_MIN, Path, PathQuery, Rating, Step, Viewer
from service.domain import Visibility as Vis
from service.scoring import TIE_TOLERANCE, ScoringTable, could_still_rank

__all__ = [
    "RatingGraph",
    "find_paths",
    "mutual_connections",
    "rating_graph",
    "step",
]

TIE: Final = "tie"
_VIS_CODE: Final = {Vis.PUBLIC: 0, Vis.CONNECTIONS: 1, Vis.PRIVATE: 2}
_PUBLIC, _CONNECTIONS = 0, 1
_NO_TIE: Final = 0

# (rater, rated) -> groups, for the steps of returned paths.
Labels: TypeAlias = Callable[[Sequence[tuple[str, str]]], Mapping[tuple[str, str], tuple[str, ...]]]


def _half(strength: int, visibility: Vis) -> int:
    return strength | _VIS_CODE[visibility] << 3


def _swap(tie: int) -> int:
    """The same tie seen from the other person."""
    return (tie >> 5) | (tie & 31) << 5


class _TieData(dict[str, int]):
    """Edge data shared by every edge with the same tie: read-only, or one write would
    change them all. `RatingGraph.set_rating` replaces an edge's data instead."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a tie's data is shared between edges; use RatingGraph.set_rating")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _refuse
    __ior__ = _refuse


_HALF: Final[dict[Vis | str, tuple[int, ...]]] = {
    key: tuple(_half(s, v) if s else 0 for s in range(6)) for v in Vis for key in (v, v.value)
}
_TIE_DATA: Final = tuple(_TieData({TIE: tie}) for tie in range(1 << 10))
_SWAP: Final = tuple(_swap(tie) for tie in range(1 << 10))


def _no_labels(pairs: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], tuple[str, ...]]:
    return {}


class RatingGraph(nx.Graph):  # type: ignore[misc]
    """Who rated whom, how strongly and how visibly: one undirected edge per pair of people.

    Write it only through `set_rating` / `remove_rating` (and networkx's node methods);
    `labels` answers the groups of ratings, which the graph does not hold.

    Examples
    --------
    >>> G = RatingGraph()
    >>> G.add_nodes_from(["ann", "bob"])
    >>> G.set_rating("ann", "bob", 2, Vis.PRIVATE)
    >>> G.rating("ann", "bob"), G.rating("bob", "ann")
    ((2, <Visibility.PRIVATE: 'PRIVATE'>), None)
    >>> G.remove_rating("ann", "bob")
    >>> G.number_of_edges()
    0
    """

    def __init__(self, incoming_graph_data: Any = None, **attr: Any) -> None:
        self._by_tie: dict[str, tuple[int, dict[int, frozenset[str]]]] = {}
        super().__init__(incoming_graph_data, **attr)
        self.labels: Labels = _no_labels

    def neighbours_by_tie(self, u: str) -> dict[int, frozenset[str]]:
        """u's neighbours grouped by their tie seen from u, kept for people with many.

        Groups are sets, which the search intersects and subtracts without copying them
        into sets first (for a hub's group of 15,000 people that copy alone is 0.5 ms).
        They are rebuilt after `set_rating`, `remove_rating` or `add_ratings` touch
        u, and whenever u's number of neighbours changed (a node removed by networkx).
        """
        adj_u = self._adj[u]
        kept = self._by_tie.get(u)
        if kept is not None and kept[0] == len(adj_u):
            return kept[1]
        lists: dict[int, list[str]] = {}
        for v, data in adj_u.items():
            lists.setdefault(data[TIE], []).append(v)
        groups = {tie: frozenset(people) for tie, people in lists.items()}
        self._by_tie[u] = len(adj_u), groups
        return groups

    def tie(self, u: str, v: str) -> int:
        """The packed tie seen from u (0 when neither rated the other)."""
        data = self._adj[u].get(v)
        return _NO_TIE if data is None else int(data[TIE])

    def set_rating(self, from_id: str, to_id: str, strength: int, visibility: Vis) -> None:
        """Record or replace from's rating of to; both must already be nodes.

        Pass the id objects the nodes were added with: the adjacency then holds one string
        per person instead of one per rating.
        """
        adj = self._adj
        self._by_tie.pop(from_id, None)
        self._by_tie.pop(to_id, None)
        out = adj[from_id]
        old = out.get(to_id)
        back = _NO_TIE if old is None else old[TIE] & ~31
        tie = back | _half(strength, visibility)
        out[to_id] = _TIE_DATA[tie]
        adj[to_id][from_id] = _TIE_DATA[_SWAP[tie]]

    def add_ratings(
        self,
        ratings: Iterable[tuple[str, str, int, Vis | str]],
        ids: Mapping[str, str] | None = None,
    ) -> None:
        """`set_rating` for many (from, to, strength, visibility or its name): the loop of a
        bulk load. `ids` maps each id to the string object to keep (one per person)."""
        adj, data, swap, half = self._adj, _TIE_DATA, _SWAP, _HALF
        self._by_tie.clear()
        for from_id, to_id, strength, visibility in ratings:
            if ids is not None:
                from_id, to_id = ids[from_id], ids[to_id]
            out = adj[from_id]
            old = out.get(to_id)
            tie = half[visibility][strength] | (0 if old is None else old[TIE] & ~31)
            out[to_id] = data[tie]
            adj[to_id][from_id] = data[swap[tie]]

    def remove_rating(self, from_id: str, to_id: str) -> None:
        """Forget from's rating of to; the edge goes when neither rating is left."""
        adj = self._adj
        old = adj.get(from_id, {}).get(to_id)
        if old is None:
            return
        self._by_tie.pop(from_id, None)
        self._by_tie.pop(to_id, None)
        tie = old[TIE] & ~31
        if tie == _NO_TIE:
            del adj[from_id][to_id]
            del adj[to_id][from_id]
        else:
            adj[from_id][to_id] = _TIE_DATA[tie]
            adj[to_id][from_id] = _TIE_DATA[_SWAP[tie]]

    def rating(self, from_id: str, to_id: str) -> tuple[int, Vis] | None:
        """(strength, visibility) of from's rating of to, or None."""
        half = self.tie(from_id, to_id) & 31 if from_id in self._adj else 0
        if not half:
            return None
        return half & 7, _VISIBILITIES[half >> 3]


_VISIBILITIES: Final = (Vis.PUBLIC, Vis.CONNECTIONS, Vis.PRIVATE)


def rating_graph(ratings: Iterable[Rating]) -> RatingGraph:
    """A graph in the form the functions of this module read, with the ratings' groups.

    Parameters
    ----------
    ratings : iterable of Rating

    Returns
    -------
    RatingGraph

    Examples
    --------
    >>> rating_graph([]).number_of_edges()
    0
    """
    graph = RatingGraph()
    groups: dict[tuple[str, str], tuple[str, ...]] = {}
    for rating in ratings:
        graph.add_nodes_from((rating.from_id, rating.to_id))
        graph.set_rating(rating.from_id, rating.to_id, rating.strength, rating.visibility)
        groups[rating.from_id, rating.to_id] = rating.groups
    graph.labels = lambda pairs: {pair: groups.get(pair, ()) for pair in pairs}
    return graph


def group_hubs(graph: RatingGraph) -> None:
    """Group the neighbours of everyone the search reads a tie group at a time (people with
    `_GROUPED_FROM` neighbours or more) now, while a store loads, rather than in the first
    search that meets each of them: at tier L, 0.18 s for all 50 hubs, up to 3.5 ms for one.
    """
    for person, neighbours in graph._adj.items():
        if len(neighbours) >= _GROUPED_FROM:
            graph.neighbours_by_tie(person)


# --- the traversal rule as a table --------------------------------------------------------
#
# What a viewer sees of one rater's ratings depends only on the rater's class: 0 = a stranger
# (PUBLIC ratings), 1 = rated the viewer (PUBLIC and CONNECTIONS), 2 = the viewer themselves,
# or any rater for an admin (all). The step u -> v is then a function of (tie seen from u,
# class of u, class of v): one list index per step instead of a call to `can_see`.
# A step's code: strength | 8 when it uses v's rating of u; 0 when there is no step.

_RATED_BY_V: Final = 8


def _visible(half: int, rater_class: int) -> bool:
    visibility = half >> 3
    return (
        visibility == _PUBLIC
        or rater_class == 2
        or (visibility == _CONNECTIONS and rater_class == 1)
    )


@functools.cache
def _step_table(max_strength: int) -> tuple[int, ...]:
    codes = []
    for index in range(1 << 14):
        tie, cu, cv = index & 1023, index >> 10 & 3, index >> 12
        forward, backward = tie & 31, tie >> 5
        if forward and _visible(forward, cu):
            code = forward & 7
        elif backward and _visible(backward, cv):
            code = backward & 7 | _RATED_BY_V
        else:
            code = 0
        codes.append(code if code & 7 <= max_strength else 0)
    return tuple(codes)


@functools.lru_cache(maxsize=64)
def _inward_table(
    max_strength: int, u_class: int, v_class: int, probabilities: tuple[float, ...]
) -> tuple[float, ...]:
    codes, cu, cv = _step_table(max_strength), u_class << 10, v_class << 12
    return tuple(probabilities[codes[_SWAP[tie] | cu | cv] & 7] for tie in range(1 << 10))


class _Rule:
    """The traversal rule for one viewer and one strength limit."""

    __slots__ = ("graph", "adj", "codes", "classes", "default_class", "max_strength")

    def __init__(self, graph: RatingGraph, viewer: Viewer, max_strength: int) -> None:
        self.graph = graph
        self.adj: dict[str, dict[str, _TieData]] = graph._adj
        self.codes = _step_table(max_strength)
        self.classes: dict[str, int] = {}
        self.default_class = 2 if viewer.is_admin else 0
        self.max_strength = max_strength
        me = viewer.person_id
        if viewer.is_admin or me is None:
            return
        # Everyone who rated the viewer: their CONNECTIONS ratings are visible.
        self.classes = {x: 1 for x, data in self.adj.get(me, {}).items() if data[TIE] >> 5}
        self.classes[me] = 2

    def cls(self, person: str) -> int:
        return self.classes.get(person, self.default_class)

    def inward(self, v_class: int, probabilities: tuple[float, ...]) -> tuple[float, ...]:
        """For each tie seen from v (of class `v_class`), the probability of the step u -> v
        for a u of the default class (0.0: no step): one index per rating in hot loops."""
        return _inward_table(self.max_strength, self.default_class, v_class, probabilities)

    def code(self, u: str, v: str) -> int:
        """The code of the step u -> v (0: none)."""
        data = self.adj[u].get(v)
        if data is None:
            return 0
        return self.codes[data[TIE] | self.cls(u) << 10 | self.cls(v) << 12]


def _make_step(
    u: str, v: str, code: int, labels: Mapping[tuple[str, str], tuple[str, ...]]
) -> Step:
    rater, rated = (v, u) if code & _RATED_BY_V else (u, v)
    return Step(u, v, code & 7, rater, labels.get((rater, rated), ()))


def _rated_pair(u: str, v: str, code: int) -> tuple[str, str]:
    return (v, u) if code & _RATED_BY_V else (u, v)


def _check_node(graph: RatingGraph, node: str) -> None:
    if node not in graph:
        raise nx.NodeNotFound(f"person {node!r} is not in the graph")


def step(graph: RatingGraph, u: str, v: str, viewer: Viewer, max_strength: int = 5) -> Step | None:
    """The step from `u` to `v` under the traversal rule, for `viewer`.

    Parameters
    ----------
    graph : RatingGraph
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
    _check_node(graph, u)
    _check_node(graph, v)
    _check_strength(max_strength)
    code = _Rule(graph, viewer, max_strength).code(u, v)
    if not code:
        return None
    return _make_step(u, v, code, graph.labels([_rated_pair(u, v, code)]))


def _check_strength(max_strength: int) -> None:
    if not STRENGTH_MIN <= max_strength <= STRENGTH_MAX:
        raise ValueError(f"max_strength must be from 1 to 5, got {max_strength}")


def _check_query(graph: nx.Graph, query: PathQuery) -> None:
    if not isinstance(graph, RatingGraph):
        raise nx.NetworkXNotImplemented("find_paths reads a RatingGraph (see rating_graph)")
    if query.source == query.target:
        raise ValueError("source and target must differ")
    if not 1 <= query.min_hops <= query.max_hops:
        raise ValueError(f"need 1 <= min_hops <= max_hops, got {query.min_hops}, {query.max_hops}")
    if query.first < 1:
        raise ValueError(f"first must be at least 1, got {query.first}")
    _check_strength(query.max_strength)


# A path found: (people, step codes, score).
_Found: TypeAlias = tuple[tuple[str, ...], tuple[int, ...], float]


class SearchTimedOut(Exception):
    """Raised when a search runs past its `deadline` (a `time.monotonic()` value)."""


def find_paths(
    graph: RatingGraph,
    query: PathQuery,
    viewer: Viewer,
    table: ScoringTable,
    *,
    deadline: float | None = None,
) -> list[Path]:
    """The best `query.first` warm paths, plus any path that could tie with the last of them.

    Simple paths from `query.source` to `query.target` of `min_hops`..`max_hops` steps, every
    step under the traversal rule for `viewer` and `max_strength`, no one of `query.avoid`
    inside. Ranked as `service.scoring.rank_paths` ranks (score, then fewer hops, then the
    smaller ids), which the caller still does: this returns the exact top `first` and, only
    when scores tie within the tolerance, the few paths that might rank among them.

    Parameters
    ----------
    graph : RatingGraph
    query : PathQuery
    viewer : Viewer
    table : ScoringTable

    Returns
    -------
    list of Path
        Best first, each with its `score`. Empty when `source` or `target` is not in the
        graph.

    Raises
    ------
    ValueError
        When the query is inconsistent (`min_hops` > `max_hops`, `source` = `target`, ...).
    SearchTimedOut
        When the search is still running at `deadline` (`time.monotonic()`; None: no limit).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from service.domain import PathQuery, Rating, Viewer, Visibility
    >>> from service.scoring import ScoringTable
    >>> def rate(a, b, s, v=Visibility.PUBLIC):
    ...     t = datetime(2026, 1, 1, tzinfo=UTC)
    ...     return Rating(a, b, s, (), None, v, None, None, t, t)
    >>> G = rating_graph([
    ...     rate("ann", "bob", 1), rate("bob", "dan", 1),
    ...     rate("ann", "cat", 2), rate("dan", "cat", 3),
    ... ])
    >>> table = ScoringTable.default()
    >>> q = PathQuery("ann", "dan", min_hops=1, max_hops=3, first=1, max_strength=5)
    >>> [p.people for p in find_paths(G, q, Viewer.dev(), table)]
    [('ann', 'bob', 'dan')]

    With ``first=2`` the weaker path through cat comes second:

    >>> q2 = PathQuery("ann", "dan", min_hops=1, max_hops=3, first=2, max_strength=5)
    >>> [p.people for p in find_paths(G, q2, Viewer.dev(), table)]
    [('ann', 'bob', 'dan'), ('ann', 'cat', 'dan')]
    """
    _check_query(graph, query)
    if query.source not in graph or query.target not in graph:
        return []
    rule = _Rule(graph, viewer, query.max_strength)
    if query.max_hops <= 2:
        found = _short_paths(rule, query, table)
    else:
        found = _BestFirst(rule, query, table, deadline).run()
    return _as_paths(graph, found)


def _as_paths(graph: RatingGraph, found: list[_Found]) -> list[Path]:
    """Paths with their steps' groups, read once for all the steps."""
    pairs = [
        _rated_pair(u, v, code)
        for people, codes, _ in found
        for (u, v), code in zip(itertools.pairwise(people), codes, strict=True)
    ]
    labels = graph.labels(pairs) if pairs else {}
    return [
        Path(
            people=people,
            steps=tuple(
                _make_step(u, v, code, labels)
                for (u, v), code in zip(itertools.pairwise(people), codes, strict=True)
            ),
            score=score,
        )
        for people, codes, score in found
    ]


def _rank_key(found: _Found) -> tuple[float, int, tuple[str, ...]]:
    people, codes, score = found
    return (-score, len(codes), people)


def _top(found: list[_Found], first: int) -> list[_Found]:
    """The best `first`, and any other path that a tolerance tie could put among them."""
    found.sort(key=_rank_key)
    if len(found) <= first:
        return found
    kth = found[first - 1]
    kth_rest = (len(kth[1]), kth[0])
    return found[:first] + [
        path
        for path in found[first:]
        if could_still_rank(path[2], kth[2]) and (len(path[1]), path[0]) < kth_rest
    ]


# --- one or two steps: the direct step and the common neighbours ---------------------------


def _short_paths(rule: _Rule, query: PathQuery, table: ScoringTable) -> list[_Found]:
    source, target, adj = query.source, query.target, rule.adj
    found: list[_Found] = []
    if query.min_hops <= 1:
        code = rule.code(source, target)
        if code:
            found.append(((source, target), (code,), table.score((code & 7,))))
    if query.max_hops >= 2:
        for middle in _common_neighbours(adj, source, target):
            if middle in query.avoid:
                continue
            first = rule.code(source, middle)
            second = first and rule.code(middle, target)
            if second:
                score = table.score((first & 7, second & 7))
                found.append(((source, middle, target), (first, second), score))
    return _top(found, query.first)


def _common_neighbours(adj: Mapping[str, Mapping[str, object]], a: str, b: str) -> Iterator[str]:
    """People adjacent to both; walks the smaller neighbourhood (a hub has 30k)."""
    small, large = (adj[a], adj[b]) if len(adj[a]) <= len(adj[b]) else (adj[b], adj[a])
    return (c for c in small if c in large and c != a and c != b)


# --- three or four steps --------------------------------------------------------------------


def _at_most(counts: Iterable[int], limit: float) -> bool:
    """Whether `counts` add up to at most `limit`; stops at the first that passes it."""
    total = 0
    for count in counts:
        total += count
        if total > limit:
            return False
    return True


class _Unreachable(Exception):
    """No path of at most max_hops steps exists: one side's reachable set ran out first."""


class _TargetSide:
    """What is known of the way to the target, grown one hop at a time from it.

    `hops[x]`: x's hop distance to the target (exact up to `radius`); `reach[x]`: an upper
    bound of the best score of a walk from x to the target of at most `radius` steps. Walks
    never pass through the source or the target in the middle, nor through `avoid`.
    """

    def __init__(self, rule: _Rule, query: PathQuery) -> None:
        self.rule, self.query = rule, query
        self.hops: dict[str, int] = {query.target: 0}
        self.reach: dict[str, float] = {query.target: 1.0}
        self.layers: list[list[str]] = [[query.target]]
        self._sizes = [1]  # people within 0, 1, ... hops
        self.radius = 0
        self.closed = False  # every person who can reach the target is in `hops`
        self.partial = False  # the last hop was grown only among the people near the source
        self.final = False  # the last hop was grown as the last one (`grow`'s `least`)
        self._changed: dict[str, None] = {query.target: None}  # whose reach the last hop changed
        self.best_reach = 0.0  # the best reach of anyone but the target

    def costs_at_most(self, limit: float) -> bool:
        """Whether the next hop reads at most `limit` ratings: those of the people whose
        reach changed, counted only until they pass `limit` (after a hop through hubs they
        are tens of thousands of people, and the other side's cost is often far smaller)."""
        adj = self.rule.adj
        return _at_most((len(adj[x]) for x in self._changed), limit)

    def grow(self, probabilities: Sequence[float], least: float | None = None) -> list[str]:
        """One more hop; returns the people met for the first time.

        With `least`, the last hop (`final`): a hub's tie group whose walks score below it is
        left out, and nobody learns a reach from it (the caller knows that no path through
        such a walk can rank), and who changed is not kept for a hop to follow. Its people
        are then not all known to be this close: no hop may follow.
        """
        assert not (self.partial or self.final), "no hop may follow a partial or final one"
        rule, q, p = self.rule, self.query, tuple(probabilities)
        adj, codes, cls, classes, avoid = rule.adj, rule.codes, rule.cls, rule.classes, q.avoid
        hops, reach, swap, target = self.hops, self.reach, _SWAP, q.target
        radius = self.radius + 1
        best = self.best_reach
        changed: dict[str, None] = {}
        new: list[str] = []
        # Through a hub, a last hop keeps no record of who changed: tens of thousands.
        hub_least, hub_changed = (0.0, changed) if least is None else (least, None)
        # Who a hub's shared step never applies to: the viewer's raters get a step of their own,
        # and the source's reach, which bounds the search's first entry, is never left out.
        apart = {target, q.source, *avoid, *classes}
        singled_out = [*classes, q.source]
        # Each hop extends the walks of the hop before, so its reaches are read before any
        # changes: the result is then the same in whatever order people are visited.
        for y, via in [(y, reach[y]) for y in self._changed]:
            if y == q.source or (y == target and radius > 1):
                continue
            cy = cls(y)
            inward = rule.inward(cy, p)
            if len(adj[y]) >= _GROUPED_FROM:
                best = max(
                    best,
                    self._through_hub(y, via, inward, apart, hub_least, radius, hub_changed, new),
                )
                # The viewer's raters and the source among its neighbours take the loop
                # below's way.
                adj_y = adj[y]
                neighbours: Iterable[tuple[str, _TieData]] = [
                    (x, adj_y[x]) for x in singled_out if x in adj_y
                ]
            else:
                neighbours = adj[y].items()
            for x, data in neighbours:
                if x in avoid or x == target:
                    continue
                # The step x -> y, from x's side of the tie; 0.0 when there is none.
                if x in classes:
                    step_p = p[codes[swap[data[TIE]] | classes[x] << 10 | cy << 12] & 7]
                else:
                    step_p = inward[data[TIE]]
                value = step_p * via
                if value > reach.get(x, 0.0):
                    reach[x] = value
                    changed[x] = None
                    if x not in hops:
                        hops[x] = radius
                        new.append(x)
                    if value > best:
                        best = value
        self.best_reach = best
        self._changed = changed
        self.layers.append(new)
        self._sizes.append(self._sizes[-1] + len(new))
        self.radius = radius
        self.final = least is not None
        self.closed = not new and not least  # unless this hop left walks out
        return new

    def _through_hub(
        self,
        hub: str,
        via: float,
        inward: tuple[float, ...],
        apart: set[str],
        least: float,
        radius: int,
        changed: dict[str, None] | None,
        new: list[str],
    ) -> float:
        """The steps x -> `hub` for its neighbours but `apart`, a tie group at a time: every
        member of a group takes the same step, so the group is updated with set and dict
        operations rather than a loop per neighbour (a hub has tens of thousands). A group
        whose walks score below `least` is left out, and `changed` is None on a last hop
        (`grow`). Returns the best reach it set (0.0: none). Whoever has a reach is in
        `hops` too."""
        reach, hops = self.reach, self.hops
        best = 0.0
        for tie, xs in self.rule.graph.neighbours_by_tie(hub).items():
            value = inward[tie] * via
            if value <= 0.0 or value < least:
                continue  # no step from this group, or none that may rank
            people = xs - apart
            unseen = people.difference(reach)  # met for the first time
            if unseen:
                reach.update(dict.fromkeys(unseen, value))
                hops.update(dict.fromkeys(unseen, radius))
                if changed is not None:
                    changed.update(dict.fromkeys(unseen))
                new.extend(unseen)
                best = max(best, value)
                people -= unseen
            for x in people:  # met before: keep the better reach
                if value > reach[x]:
                    reach[x] = value
                    if changed is not None:
                        changed[x] = None
                    best = max(best, value)
        return best

    def grow_within(self, near: Mapping[str, object], probabilities: Sequence[float]) -> list[str]:
        """The next hop, but only among `near`, and the last one; returns who it met.

        `near` holds everyone the source reaches in r hops, with r + this radius >= max_hops:
        then every person the search asks about this hop is in `near` (it reaches them in at
        most r steps), and intersecting with `near` costs far less than walking the hubs
        among the target's neighbours. Nobody outside `near` is added: no hop may follow.
        """
        assert not self.final, "no hop may follow a final one"
        reach, hops, new = self.reach, self.hops, []
        radius = self.radius + 1
        for x, value in self.walks_within(near, probabilities).items():
            if value > reach.get(x, 0.0):
                reach[x] = value
                if x not in hops:
                    hops[x] = radius
                    new.append(x)
                if value > self.best_reach:
                    self.best_reach = value
        self._changed = {}
        self.layers.append(new)
        self._sizes.append(self._sizes[-1] + len(new))
        self.radius = radius
        self.partial = True
        return new

    def walks_within(
        self, near: Collection[str], probabilities: Sequence[float]
    ) -> dict[str, float]:
        """The best walk of `radius` + 1 steps to the target from each person of `near`
        who has one, through someone whose reach the last hop changed; the side is left as
        it was. A walk through anyone else extends a shorter walk of someone's reach: with
        their reach, this is the best walk of up to `radius` + 1 steps of each of `near`.

        After a final hop, which kept no record of who changed, the walks go through anyone
        with a reach, and leave out those that go on along a walk that hop left out: no path
        through such a walk ranks (`grow`).
        """
        assert not self.partial, "the last hop did not keep who changed"
        rule, q = self.rule, self.query
        adj, codes, cls, reach = rule.adj, rule.codes, rule.cls, self.reach
        # Walks extend from those whose reach changed, but never through the source, nor
        # through the target after the first hop; and never reach someone to avoid.
        ends = reach.keys() if self.final else self._changed.keys()
        passed = {q.source, q.target} if self.radius >= 1 else {q.source}
        starts = set(near) - {q.target, *q.avoid}
        # The best step x -> y times y's reach, for each x: every reach is read before any
        # changes, as in `grow`. The pairs come from the side with fewer people, a set
        # intersection each: to a hub, 30,000 people's reach changed, and `near` may be the
        # source's 25 neighbours.
        better: dict[str, float] = {}
        if len(near) < len(ends):  # the side `within_costs_at_most` counts from
            for x in starts:
                adj_x, cx = adj[x], cls(x) << 10
                for y in (adj_x.keys() & ends) - passed:
                    code = codes[adj_x[y][TIE] | cx | cls(y) << 12]
                    if code and (value := probabilities[code & 7] * reach[y]) > better.get(x, 0.0):
                        better[x] = value
        else:
            for y in ends - passed:
                adj_y, cy, via = adj[y], cls(y) << 12, reach[y]
                for x in adj_y.keys() & starts:
                    code = codes[_SWAP[adj_y[x][TIE]] | cls(x) << 10 | cy]
                    if code and (value := probabilities[code & 7] * via) > better.get(x, 0.0):
                        better[x] = value
        return better

    def one_step_further(
        self, budget: int, probabilities: Sequence[float]
    ) -> tuple[dict[str, float], float]:
        """Upper bounds of the walks of exactly `radius` + 1 steps to the target: (`near`,
        `rest`).

        Such a walk steps first to someone w of the ball, and the rest scores at most
        `reach[w]`. The ball's people are taken best reach first, from the target's
        neighbours on, while their ratings add up to at most `budget`: `near[x]` bounds the
        walks from x through them. A walk through anyone else scores at most `rest`, the
        best step times the best reach left out: x's bound is the larger of the two, and
        `near` helps only where `rest` is small. (Someone's best walk goes on through a
        neighbour who reaches at least as well, so nobody not met yet reaches better than
        the best one waiting.) A budget below the target's neighbours takes nobody. After a
        final hop, the walks it left out are bounded by neither: no path through them ranks.
        """
        assert not self.partial, "a partial hop does not know every reach"
        rule, q = self.rule, self.query
        adj, codes, cls, avoid, reach = rule.adj, rule.codes, rule.cls, q.avoid, self.reach
        best_p = max(probabilities)
        if budget < len(self.layers[1]):
            return {}, best_p * self.best_reach
        waiting = [(-reach[w], w) for w in self.layers[1]]
        heapq.heapify(waiting)
        taken: set[str] = set()
        near: dict[str, float] = {}
        while waiting:
            neg_via, w = heapq.heappop(waiting)
            if w in taken or w == q.source:  # no walk passes through the source
                continue
            taken.add(w)
            adj_w = adj[w]
            budget -= len(adj_w)
            if budget < 0:
                return near, best_p * -neg_via
            cw = cls(w) << 12
            for x, data in adj_w.items():
                if x in avoid:
                    continue
                code = codes[_SWAP[data[TIE]] | cls(x) << 10 | cw]  # the step x -> w
                if not code:
                    continue
                value = probabilities[code & 7] * -neg_via
                known = near.get(x)
                if known is None:
                    near[x] = value
                    if x in reach and x != q.target:
                        heapq.heappush(waiting, (-reach[x], x))
                elif value > known:
                    near[x] = value
        return near, 0.0

    def within_costs_at_most(self, near: Mapping[str, object], limit: float) -> bool:
        """Whether `grow_within(near)` reads at most `limit` ratings: from `near`'s side or
        the changed people's, as it does, each counted only up to the other side's number."""
        adj, ends = self.rule.adj, self._changed
        if len(near) < len(ends):
            return _at_most((min(len(adj[x]), len(ends)) for x in near), limit)
        return _at_most((min(len(adj[y]), len(near)) for y in ends), limit)

    def ball_size(self, radius: int) -> int:
        return self._sizes[radius]

    def ball_among(self, radius: int, people: Mapping[str, object]) -> Iterator[str]:
        """Who of `people` is within `radius` hops (the target aside): a set intersection
        per layer, where a loop over the ball checking each costs several times as much."""
        layers = self.layers[1 : radius + 1]
        return itertools.chain.from_iterable(people.keys() & layer for layer in layers)


class _SourceSide:
    """The people the source reaches, hop by hop: only to prove a target unreachable."""

    def __init__(self, rule: _Rule, query: PathQuery) -> None:
        self.rule, self.query = rule, query
        self.hops: dict[str, int] = {query.source: 0}
        self.radius = 0
        self._frontier = [query.source]

    def cost(self) -> int:
        adj = self.rule.adj
        return sum(len(adj[x]) for x in self._frontier)

    def grow_to_meet(self, other: Container[str]) -> bool:
        """One more hop; True as soon as it reaches someone in `other` (the other side's
        people), and the hop is then left unfinished: nobody reads this side after a meeting,
        and through hubs a whole hop is tens of thousands of people. Raises `_Unreachable`
        when the hop reaches nobody new."""
        rule, avoid, hops = self.rule, self.query.avoid, self.hops
        adj, codes, cls = rule.adj, rule.codes, rule.cls
        radius = self.radius + 1
        new: list[str] = []
        for u in self._frontier:
            cu = cls(u) << 10
            for v, data in adj[u].items():
                if v in hops or v in avoid:
                    continue
                if codes[data[TIE] | cu | cls(v) << 12]:
                    if v in other:
                        return True
                    hops[v] = radius
                    new.append(v)
        if not new:
            raise _Unreachable
        self._frontier = new
        self.radius = radius
        return False


# Bounds are products taken in path order, scores in sorted order (`ScoringTable.score`); a
# bound a few ulps below the score it bounds would pop after it and upset the ranking.
_ROUNDING: Final = 1.0 + 1e-12
_UNREACHABLE: Final = 1 << 20  # hops to the target from someone who cannot reach it


@dataclasses.dataclass(frozen=True, slots=True)
class _Unknown:
    """A hub's tie group whose people unknown to the target side are the next step."""

    people: frozenset[str]


@dataclasses.dataclass(frozen=True, slots=True)
class _Known:
    """People known to the target side, each a step from the path's end, none of whom takes
    the path's bound above `per_reach` times their reach."""

    people: list[str]
    per_reach: float

    def bounded(self, reach: Mapping[str, float]) -> tuple[float, _Known]:
        """The group with its bound: the best of its people's."""
        return self.per_reach * max(map(reach.__getitem__, self.people)), self


_Deferred: TypeAlias = _Unknown | _Known

# Heap entry: (-upper bound of the score, least hops, people, 0 or a deferred group's number,
# score so far, step codes, and None or a deferred group: people a step from the path's end,
# taken apart only if it pops). Entries that tie on bound, least hops and people are deferred
# groups of the same path, which their numbers order (groups have no order).
_Entry: TypeAlias = tuple[
    float, int, tuple[str, ...], int, float, tuple[int, ...], _Deferred | None
]


# With maxHops 4 and no second hop on the target side, each person two hops from the source is
# a heap entry, and most are popped and expanded before their bound fails; with the second hop
# most are refused when pushed. Such a person costs the search about three times what the
# second hop pays per rating it reads. Measured at tier L (100,000 people), 40 pairs per
# stratum, maxHops 4, in-process: with 1 instead of 3, max 300-537 ms at distance 2 and
# 213-339 ms at distance 3; with 3, 153-171 ms and 94-143 ms, and no stratum's p50 worse
# (5 made questions to hubs slower: their second hop reads a hub's neighbours).
_WALK_PER_RATING = 3

# The bounds of walks one step past the target side's radius may read this many ratings per
# heap entry they could spare (`_BestFirst._bounds_further`). Measured at tier L, 25 pairs
# per stratum, maxHops 4, in-process against no such bounds: from a hub, 0.72x with 0.25,
# 0.60x with 0.5, 0.50-0.51x with 1, 0.60x with 4, 0.81x with 8 and 1.84x with 32; the
# other strata within 0.95-1.02x whatever the budget.
_FURTHER_PER_ENTRY = 1
_NOBODY: Final[Mapping[str, float]] = {}

# A hub's tie group with this many people known to the target side who may rank is deferred
# as one heap entry (`_Known`) rather than pushed a person at a time.
_DEFERRED_FROM = 64

# People with this many neighbours have them grouped by tie (`RatingGraph.neighbours_by_tie`),
# so that the search stops at the first group too weak to rank instead of checking each, and
# the target side's hop works out one step per group instead of one per neighbour.
_GROUPED_FROM = 1000


def _cut(floor: list[float], first: int) -> float:
    """Nothing scoring below this can rank once `floor` holds the `first` best scores."""
    return floor[0] * (1.0 - 2 * TIE_TOLERANCE) if len(floor) >= first else 0.0


class _BestFirst:
    """Paths of up to 4 steps: bidirectional reachability first, then a best-first search.

    1. Both ends grow their reachable sets, always the side whose next hop touches fewer
       ratings. When one side runs out, or both radii add up to `max_hops` without meeting,
       there is no path: a closed group of six answers after looking at six people.
    2. From the source, partial paths are expanded best bound first. The bound multiplies the
       score so far by the target side's best reach from the last person (an upper bound of
       any way to the target), and a partial path is ordered by (bound, least hops, people):
       a lower bound of the rank of every path that extends it. The first `first` complete
       paths popped are the answer; after them, only ties within the tolerance are looked at,
       and a partial path whose hops or ids already lose to the k-th path is dropped, so a
       graph of equal scores is not enumerated.
    """

    def __init__(
        self, rule: _Rule, query: PathQuery, table: ScoringTable, deadline: float | None = None
    ) -> None:
        self.rule, self.query, self.table = rule, query, table
        self._deadline = math.inf if deadline is None else deadline
        self.p: tuple[float, ...] = (0.0, *table.probabilities)
        self.target_side = _TargetSide(rule, query)
        self._beyond = 0.0  # best score of a walk longer than the target side's radius
        # `_TargetSide.one_step_further`, worked out once per depth of the pops that need it.
        self._further: dict[int, tuple[dict[str, float], float]] = {}
        self._cut = 0.0  # the running search's cut, for `_strongest_first`

    def run(self) -> list[_Found]:
        try:
            self._meet()
        except _Unreachable:
            return []
        q = self.query
        # Shorter paths are cheap to find and are answers too: their scores are a floor that
        # spares the longer search most of a hub's neighbours.
        known: dict[tuple[str, ...], float] = {}
        if q.min_hops <= 2:
            short = dataclasses.replace(q, max_hops=2)
            known.update(
                (people, score) for people, _, score in _short_paths(self.rule, short, self.table)
            )
        # The second hop helps only the 4-step search, and the cut of the paths up to 3 steps
        # tells how much it may spare and which of its walks are too weak to keep.
        from_hub = len(self.rule.adj[q.source]) >= _GROUPED_FROM
        if q.max_hops == 4 and q.min_hops <= 3:
            self._beyond = self.table.best_p ** (self.target_side.radius + 1)
            floor, counted = self._floor(known)
            known.update((people, score) for people, _, score in self._search(3, floor, counted))
        floor, counted = self._floor(known)
        if q.max_hops == 4:
            self._second_hop(_cut(floor, q.first), weigh=not from_hub)
        self._beyond = self.table.best_p ** (self.target_side.radius + 1)
        return self._search(q.max_hops, floor, counted)

    def _floor(
        self, known: dict[tuple[str, ...], float]
    ) -> tuple[list[float], set[tuple[str, ...]]]:
        """The best `first` scores of distinct known paths, and those paths."""
        best = heapq.nlargest(self.query.first, known.items(), key=lambda item: item[1])
        floor = [score for _, score in best]
        heapq.heapify(floor)
        return floor, {people for people, _ in best}

    # --- 1. bidirectional reachability -----------------------------------------------------
    def _meet(self) -> None:
        q, back = self.query, self.target_side
        front = _SourceSide(self.rule, q)
        met = False
        while not met:
            if front.radius + back.radius >= q.max_hops:
                raise _Unreachable
            if front.radius + back.radius + 1 == q.max_hops:
                # The last hop that may meet: the target side need only look for the people
                # the source reaches, which never walks a hub's neighbours.
                if back.within_costs_at_most(front.hops, front.cost()):
                    met = bool(back.grow_within(front.hops, self.p))
                    if not met:
                        raise _Unreachable
                    break
            if back.costs_at_most(front.cost()):
                new = back.grow(self.p)
                met = any(x in front.hops for x in new)
                if back.closed and not met:
                    raise _Unreachable
            else:
                met = front.grow_to_meet(back.hops)
        if back.partial:
            return
        # The search needs the target's neighbours. A second hop lets it skip most of the
        # source's (or its neighbours') neighbours; it is grown when it costs less than what
        # it spares, which it does not when the target's neighbours are hubs. A maxHops 4
        # search decides once the shorter paths are known (`_second_hop`).
        if back.radius < 1 and not back.closed:
            back.grow(self.p)
        if q.max_hops == 3 and back.radius < 2 and not back.closed:
            if back.costs_at_most(2 * len(self.rule.adj[q.source])):  # an entry per neighbour
                back.grow(self.p)
            else:
                back.grow_within(self.rule.adj[q.source], self.p)

    def _second_hop(self, cut: float, weigh: bool = True) -> None:
        """Grows the target side's second hop for a maxHops 4 search when it reads fewer
        ratings than the walk it spares. Nothing scoring below `cut` can rank (the paths of
        up to 3 steps set it), so the walk counts only the source's neighbours through whom
        a path may still reach it. To a hub, the second hop reads the ratings of its thousands
        of neighbours (over 100,000 at tier L), mostly to spare walks through weak ties that
        the cut spares already. From a hub (not `weigh`), the cut weighs nothing: there the
        hop spares more than `_walked` counts, the hub's thousands of neighbours each an
        entry with a loose bound (at tier L, against the fifteenth session's search: 0.68x
        weighing it so, 0.57x not)."""
        back = self.target_side
        if back.partial or back.closed or back.radius != 1:
            return
        adj, first_hop = self.rule.adj, self.rule.adj[self.query.source]
        # The cheap bound first: `_walked` never counts more, and reads a step per neighbour.
        if not back.costs_at_most(_WALK_PER_RATING * sum(len(adj[a]) for a in first_hop)):
            return
        if weigh and cut > 0.0 and not back.costs_at_most(_WALK_PER_RATING * self._walked(cut)):
            return
        # A walk from a person two hops from the target comes after at least one step from
        # the source: below this, no path through it reaches the cut.
        back.grow(self.p, least=cut / (self.table.best_p * _ROUNDING))
        self._further.clear()  # bounds of walks past the old radius

    def _walked(self, cut: float) -> int:
        """About the ratings a maxHops 4 search reads two steps from the source without a
        second hop, once nothing below `cut` can rank: a neighbour a of the source counts
        when its step may still lead to such a path, and a hub's neighbours count only in the
        tie groups whose step from a may (the search stops at the first weaker group)."""
        rule, p, source, best_p = self.rule, self.p, self.query.source, self.table.best_p
        adj, codes = rule.adj, rule.codes
        # Past a, the path has the step a -> v, a step from v and one into the target.
        beyond = best_p * self.target_side.best_reach
        walked = 0
        for a in adj[source]:
            first = p[rule.code(source, a) & 7]
            if first * best_p * beyond <= cut:
                continue  # no path through a may rank (or none goes through a at all)
            if len(adj[a]) < _GROUPED_FROM:
                walked += len(adj[a])
                continue
            need, ca = cut / (first * beyond), rule.cls(a) << 10
            walked += sum(
                len(people)
                for tie, people in rule.graph.neighbours_by_tie(a).items()
                if max(p[codes[tie | ca | cv << 12] & 7] for cv in (0, 1, 2)) >= need
            )
        return walked

    # --- 2. best-first search ---------------------------------------------------------------
    def _tail(self, person: str, left: int) -> float:
        """An upper bound of the score of any way from `person` to the target in `left` hops."""
        back = self.target_side
        if person not in back.hops:
            # Unknown to the target side: at least radius + 1 hops away, or unreachable.
            return 0.0 if back.closed else self.table.best_p ** (back.radius + 1)
        bound = back.reach[person]
        if left > back.radius:
            # `reach` covers walks of up to `radius` hops; a longer one scores at most this.
            bound = max(bound, self.table.best_p ** (back.radius + 1))
        return bound

    def _bounds_further(self, depth: int) -> tuple[Mapping[str, float], float]:
        """Bounds of the walks one step longer than the target side reaches, for the people
        that pops `depth` steps from the source push (`_TargetSide.one_step_further`)."""
        if self.target_side.partial:  # its last hop knows only the people near the source
            return _NOBODY, self._beyond
        if depth not in self._further:
            # The source's neighbours are as many entries as these bounds may spare; each is
            # a push, a pop and a walk over the person's neighbours, where the bounds read
            # one rating. Deeper, the cheap bounds of nobody's walks already spare most.
            entries = len(self.rule.adj[self.query.source]) if depth == 0 else 0
            budget = _FURTHER_PER_ENTRY * entries
            self._further[depth] = self.target_side.one_step_further(budget, self.p)
        return self._further[depth]

    def _candidates(
        self,
        u: str,
        left: int,
        score: float,
        tail: float,
        unknown_tail: float,
        bounded: Mapping[str, float],
        deferred: list[tuple[float, _Deferred]],
    ) -> Iterable[str]:
        """u's neighbours, or fewer that still hold every one that may reach the target in
        `left` more hops (the caller checks the hops of each) with a bound that may rank:
        `score` is the path's to u, `tail` bounds the tail of anyone but the target, and
        `unknown_tail` that of anyone unknown: neither known to the target side nor in
        `bounded` (the bounds of walks one step longer, `_bounds_further`). A hub's tie
        groups whose unknown people may rank go to `deferred` with their bound, for the
        caller to push as one entry each (`_strongest_first`)."""
        back, adj_u, target = self.target_side, self.rule.adj[u], self.query.target
        if left == 1:
            return (target,) if target in adj_u else ()
        reach = left - 1  # hops left after the next one
        radius = min(reach, back.radius)
        margin = score * _ROUNDING * _ROUNDING
        # Within the target side's radius, the tail of someone known is their reach.
        exact = reach <= back.radius
        if (exact or back.closed) and back.ball_size(radius) < len(adj_u):
            # A hub: walk the people near the target instead of its 30,000 neighbours.
            direct = (target,) if target in adj_u else ()
            near = back.ball_among(radius, adj_u)
            if not exact:  # closed: their tails are not only their reach
                return itertools.chain(direct, near)
            return itertools.chain(
                direct, self._may_rank(near, self.table.best_p, margin, deferred)
            )
        unknown = unknown_tail * margin
        if len(adj_u) >= _GROUPED_FROM:
            reach_margin = margin if exact else 0.0
            return self._strongest_first(u, tail * margin, unknown, bounded, deferred, reach_margin)
        if unknown <= 0.0 or self.table.best_p * unknown < self._cut:
            # Nobody unknown may rank: a set intersection finds the others (one popped
            # entry per person next to a hub is thousands of these).
            return self._known_among(adj_u.keys(), bounded)
        return adj_u

    def _known_among(self, people: Set[str], bounded: Mapping[str, float]) -> set[str]:
        """Who of `people` has a tail bound of their own: known to the target side, or in
        `bounded`."""
        known = self.target_side.hops.keys() & people
        if bounded:
            known |= bounded.keys() & people
        return known

    def _halve(
        self, group: _Known, bound: float, deferred: list[tuple[float, _Deferred]]
    ) -> list[str]:
        """The people of a deferred group whose bound is at least half the group's; the
        others go back to `deferred` as one group, bounded by the best of them. A hub's
        thousands of neighbours near the target are taken a slice at a time, and the search
        stops before the weak slices (once paths are found, the cut passes their bounds)."""
        reach, people = self.target_side.reach, group.people
        need = bound / 2 / group.per_reach
        strong = [v for v in people if reach[v] >= need]
        if len(strong) < len(people):
            weak = [v for v in people if reach[v] < need]
            deferred.append(_Known(weak, group.per_reach).bounded(reach))
        return strong

    def _strongest_first(
        self,
        u: str,
        bound: float,
        unknown: float,
        bounded: Mapping[str, float],
        deferred: list[tuple[float, _Deferred]],
        margin: float,
    ) -> Iterator[str]:
        """u's neighbours, the target first, then grouped by the best step they may take
        from u; stops at the first group whose step times `bound` falls below the cut.

        With a `margin` (the score of the path to u, rounded up; 0.0: none), the tail of each
        person known to the target side is their reach, and `_may_rank` picks who of a group
        may rank.

        `unknown` bounds the same for the people unknown (`_candidates`), who all share it.
        Only the others are yielded, found with set intersections (checking each of a hub's
        neighbours in the search's loop costs ten times as much, and most are unknown); the
        unknown ones are dropped where their bound cannot rank, and else deferred as one
        entry: thousands of entries with one loose bound, of which the search pops few if
        any."""
        rule, target, p = self.rule, self.query.target, self.p
        if target in rule.adj[u]:
            yield target
        codes, cu = rule.codes, rule.cls(u) << 10
        groups = [
            (max(p[codes[tie | cu | cv << 12] & 7] for cv in (0, 1, 2)), people)
            for tie, people in rule.graph.neighbours_by_tie(u).items()
        ]
        groups.sort(key=operator.itemgetter(0), reverse=True)
        for best_step, people in groups:
            if best_step * bound < self._cut or best_step <= 0.0:
                return  # the groups after it are weaker still, and the cut only rises
            if best_step * unknown >= self._cut and unknown > 0.0:
                deferred.append((best_step * unknown, _Unknown(people)))
            known = self._known_among(people, bounded)
            if margin:
                yield from self._may_rank(known, best_step, margin, deferred)
                continue
            for v in known:
                if v != target:
                    yield v

    def _may_rank(
        self,
        known: Iterable[str],
        best_step: float,
        margin: float,
        deferred: list[tuple[float, _Deferred]],
    ) -> list[str]:
        """Who of `known` (people the target side knows, a step of at most `best_step` from
        the path's end, whose tails are their reach) may still rank once the path's score,
        rounded up, is `margin`: a filter that reads their reach and nothing else (the
        search's loop reads five things before it drops one; through a hub they are
        thousands). When many may, they go to `deferred` as one group, and none is returned."""
        reach, target = self.target_side.reach, self.query.target
        need = self._cut / (best_step * margin)
        strong = [v for v in known if reach[v] >= need and v != target]
        if len(strong) < _DEFERRED_FROM:
            return strong
        deferred.append(_Known(strong, best_step * margin).bounded(reach))
        return []

    def _search(
        self, max_hops: int, floor: list[float], counted: set[tuple[str, ...]]
    ) -> list[_Found]:
        """The best paths of up to `max_hops` steps. `floor` holds the scores of up to
        `first` paths known to exist (a min-heap), below which nothing can rank; `counted`
        are those paths, whose scores must not count twice when found again."""
        q, rule, table, back = self.query, self.rule, self.table, self.target_side
        adj, codes, p = rule.adj, rule.codes, self.p
        classes, default_class = rule.classes.get, rule.default_class
        reach, hops_to_target = back.reach.get, back.hops.get
        far = _UNREACHABLE if back.closed else back.radius + 1
        source, target, avoid, first, min_hops = q.source, q.target, q.avoid, q.first, q.min_hops
        found: list[_Found] = []
        cut = self._cut = _cut(floor, first)
        heap: list[_Entry] = [
            (-self._tail(source, max_hops), min_hops, (source,), 0, 1.0, (), None)
        ]
        deferred: list[tuple[float, _Deferred]] = []
        numbers = itertools.count(1)
        pops = 0
        while heap:
            if not pops % 64 and time.monotonic() > self._deadline:
                raise SearchTimedOut(f"still searching after {pops} partial paths")
            pops += 1
            entry = heapq.heappop(heap)
            neg_bound, least, people, _, score, steps, group = entry
            if len(found) >= first and self._loses(entry, found[first - 1]):
                if not could_still_rank(-neg_bound, found[first - 1][2]):
                    break  # bounds pop in decreasing order: nothing left can rank
                continue
            u = people[-1]
            if u == target:
                found.append((people, steps, score))
                continue
            hops = len(steps)
            left = max_hops - hops
            # Bounds of walks longer than the target side's radius from u's neighbours, and
            # the best tail anyone but the target may have (a `near` bound is a step times
            # someone's reach: never above the best reach).
            if left - 1 <= back.radius:
                longer: Mapping[str, float] | None = None
            elif left - 1 == back.radius + 1:
                longer, rest = self._bounds_further(hops)
            else:
                longer, rest = _NOBODY, self._beyond
            tail_max = back.best_reach if longer is None else max(back.best_reach, rest)
            # Someone the target side does not know: too far when its radius covers the hops
            # left, unable to reach the target at all when it is closed, and else bounded by
            # `rest` unless the longer walks' bounds (`bounded`) know them.
            if longer is None or back.closed:
                unknown_tail, bounded = 0.0, _NOBODY
            else:
                unknown_tail, bounded = rest, longer
            cu = classes(u, default_class) << 10
            adj_u = adj[u]
            if group is None:
                candidates = self._candidates(
                    u, left, score, tail_max, unknown_tail, bounded, deferred
                )
            elif isinstance(group, _Known):
                candidates = self._halve(group, -neg_bound, deferred)
            else:  # its unknown people
                candidates = group.people.difference(back.hops)
                if bounded:
                    candidates = candidates.difference(bounded)
                if left - 1 == back.radius + 1 and not back.partial:
                    # Their walks one step longer than the radius, worked out for them alone:
                    # whoever has none cannot reach the target in the hops left.
                    longer, rest = back.walks_within(candidates, p), 0.0
                    candidates = longer.keys()
            for v in candidates:
                # Too far from the target first: from a hub, most neighbours are.
                to_target = hops_to_target(v, far)
                least_after = hops + 1 + to_target
                if least_after > max_hops or v in avoid or v in people:
                    continue
                code = codes[adj_u[v][TIE] | cu | classes(v, default_class) << 12]
                if not code:
                    continue
                if v == target:
                    if hops + 1 < min_hops:
                        continue
                    path_steps = (*steps, code)
                    total = table.score(c & 7 for c in path_steps)
                    if total < cut:
                        continue
                    path = (*people, v)
                    if path not in counted:
                        if len(floor) < first:
                            heapq.heappush(floor, total)
                        else:
                            heapq.heappushpop(floor, total)
                        if len(floor) >= first:
                            cut = self._cut = floor[0] * (1.0 - 2 * TIE_TOLERANCE)
                    heapq.heappush(heap, (-total, hops + 1, path, 0, total, path_steps, None))
                    continue
                next_score = score * p[code & 7]
                # `_tail`, inlined and tighter: this loop runs for every neighbour of a hub.
                tail = reach(v, 0.0)
                if longer is not None and not (back.closed and to_target == far):
                    tail = max(tail, longer.get(v, 0.0), rest)
                bound = next_score * tail * _ROUNDING
                if bound <= 0.0 or bound < cut:
                    continue
                entry = (
                    -bound,
                    max(least_after, min_hops),
                    (*people, v),
                    0,
                    next_score,
                    (*steps, code),
                    None,
                )
                heapq.heappush(heap, entry)
            # A deferred group's entry holds the path to u, which each of its people extends:
            # people unknown to the target side are as many steps from it at least.
            for group_bound, members in deferred:
                if group_bound >= cut:
                    group_to_target = far if isinstance(members, _Unknown) else 1
                    least_group = max(hops + 1 + group_to_target, min_hops)
                    number = next(numbers)
                    heapq.heappush(
                        heap, (-group_bound, least_group, people, number, score, steps, members)
                    )
            deferred.clear()
        return _top(found, first)

    @staticmethod
    def _loses(entry: _Entry, kth: _Found) -> bool:
        """True when every path extending `entry` ranks after the k-th path found."""
        neg_bound, least, people, _, _, _, _ = entry
        bound, (kth_people, kth_steps, kth_score) = -neg_bound, kth
        if not could_still_rank(bound, kth_score):
            return True
        # Scores can at best tie; then fewer hops, then smaller ids win.
        if bound > kth_score * (1.0 + TIE_TOLERANCE / 2):
            return False
        kth_hops = len(kth_steps)
        if least != kth_hops:
            return least > kth_hops
        return people > kth_people[: len(people)]


# --- mutual connections ----------------------------------------------------------------------


def mutual_connections(graph: RatingGraph, a: str, b: str, viewer: Viewer) -> list[str]:
    """Ids of the people with a visible step (either direction, any strength) to both a and b.

    Parameters
    ----------
    graph : RatingGraph
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
    if not isinstance(graph, RatingGraph):
        raise nx.NetworkXNotImplemented("mutual_connections reads a RatingGraph")
    if a not in graph or b not in graph:
        return []
    rule = _Rule(graph, viewer, STRENGTH_MAX)
    if a == b:
        return sorted(c for c in rule.adj[a] if c != a and rule.code(a, c))
    return sorted(
        c for c in _common_neighbours(rule.adj, a, b) if rule.code(a, c) and rule.code(b, c)
    )


# --- the value of a network (issue 9) -----------------------------------------------------

WARM_STRENGTH: Final = 2


def warm_reach(graph: RatingGraph, owner: str, viewer: Viewer) -> int:
    """How many people have no step to `owner` but are reached by owner -> x -> them with
    both steps of strength 1-2, under the traversal rule for `viewer`.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from service.domain import Rating, Role, Viewer, Visibility
    >>> def rate(a, b, s, v=Visibility.PUBLIC):
    ...     t = datetime(2026, 1, 1, tzinfo=UTC)
    ...     return Rating(a, b, s, (), None, v, None, None, t, t)
    >>> G = rating_graph([rate("me", "ann", 1), rate("ann", "bob", 2), rate("ann", "cy", 3),
    ...                   rate("dan", "ann", 2, Visibility.PRIVATE)])
    >>> warm_reach(G, "me", Viewer.dev()), warm_reach(G, "me", Viewer("me", Role.USER))
    (2, 1)
    """
    if owner not in graph:
        return 0
    rule = _Rule(graph, viewer, STRENGTH_MAX)
    adj = rule.adj
    near = {x for x in adj[owner] if x != owner and rule.code(owner, x)}
    reached: set[str] = set()
    for x in near:
        if rule.code(owner, x) & 7 > WARM_STRENGTH:
            continue
        for t in adj[x]:
            if t == owner or t == x or t in near or t in reached:
                continue
            code = rule.code(x, t)
            if code and code & 7 <= WARM_STRENGTH:
                reached.add(t)
    return len(reached)

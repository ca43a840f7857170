"""`service.pathsearch` against the brute-force reading of API.md in `tests/conformance/reference`.

The reference shares no code with the service: not its visibility rule (`service.access`), not
its ranking (`service.scoring`). Here both the reference's paths and the ones `find_paths`
returns are scored and ranked by the reference, so a path that `find_paths` wrongly prunes,
invents or builds from the wrong rating shows up as a difference.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import networkx as nx
import pytest

from service import pathsearch
from service.domain import Path, PathQuery, Rating, Role, Step, Viewer, Visibility
from service.scoring import ScoringTable
from tests.conformance import reference
from tests.conformance.reference import RefGraph, RefPath, RefRating, RefStep, RefViewer

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

TABLES: list[Mapping[int, float]] = [
    reference.DEFAULT_TABLE,
    # Many exact ties and no loss per hop: the pruning must still keep every tied path.
    {1: 1.0, 2: 1.0, 3: 0.5, 4: 0.5, 5: 0.25},
]


def random_ratings(rng: random.Random, people: list[str], edges: int) -> list[Rating]:
    return [
        Rating(
            u, v, rng.randint(1, 5), ("G",), None, rng.choice(list(Visibility)), None, None, T0, T0
        )
        for u, v in rng.sample(list(itertools.permutations(people, 2)), edges)
    ]


def graphs(people: list[str], ratings: list[Rating]) -> tuple[nx.DiGraph, RefGraph]:
    """The same ratings as `pathsearch` reads them and as the reference does."""
    graph = pathsearch.rating_graph(ratings)
    graph.add_nodes_from(people)
    ref = RefGraph(
        people,
        [RefRating(r.from_id, r.to_id, r.strength, r.visibility, r.groups) for r in ratings],
    )
    return graph, ref


def ref_viewer(viewer: Viewer) -> RefViewer:
    return RefViewer(viewer.person_id, viewer.is_admin)


def as_reference(paths: Iterable[Path], table: Mapping[int, float]) -> list[RefPath]:
    """`find_paths`' answer in the reference's terms, scored by the reference's table."""
    found: dict[tuple[str, ...], RefPath] = {}
    for path in paths:
        steps = tuple(
            RefStep(s.from_id, s.to_id, s.strength, s.rated_by, s.groups) for s in path.steps
        )
        found[path.people] = RefPath(
            path.people, steps, math.prod(table[s.strength] for s in steps)
        )
    return list(found.values())


# How the search weighs a second hop on the target side for maxHops 4 changes its speed only:
# with it never grown, as shipped, and always grown the answers must be the reference's.
SECOND_HOP = {"never": 0, "as shipped": pathsearch._WALK_PER_RATING, "always": 10**9}
# Likewise the budget of the bounds one step past the target side: none of the ball's people
# taken (only the best reach bounds the rest), as shipped, and every one of them.
FURTHER = {"nobody": 0, "as shipped": pathsearch._FURTHER_PER_ENTRY, "everyone": 10**9}


# And the people whose neighbours are grouped by tie: as shipped (nobody in these small
# graphs) or everyone; and how many of a group's people known to the target side are deferred
# as one entry and taken apart a slice at a time: as shipped, or from one.
GROUPED = {
    "as shipped": (pathsearch._GROUPED_FROM, pathsearch._DEFERRED_FROM),
    "everyone": (1, pathsearch._DEFERRED_FROM),
    "everyone, deferred": (1, 1),
}


@pytest.mark.parametrize("grouped", GROUPED)
@pytest.mark.parametrize("further", FURTHER)
@pytest.mark.parametrize("second_hop", SECOND_HOP)
@pytest.mark.parametrize("seed", range(100))
def test_find_paths_ranks_like_the_reference(
    seed: int, second_hop: str, further: str, grouped: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pathsearch, "_WALK_PER_RATING", SECOND_HOP[second_hop])
    monkeypatch.setattr(pathsearch, "_FURTHER_PER_ENTRY", FURTHER[further])
    monkeypatch.setattr(pathsearch, "_GROUPED_FROM", GROUPED[grouped][0])
    monkeypatch.setattr(pathsearch, "_DEFERRED_FROM", GROUPED[grouped][1])
    rng = random.Random(seed)
    size = rng.randint(4, 11)
    people = [f"p{i}" for i in range(size)]
    ratings = random_ratings(rng, people, rng.randint(size, min(size * (size - 1), 3 * size)))
    graph, ref = graphs(people, ratings)
    for _ in range(25):
        source, target = rng.sample(people, 2)
        max_hops = rng.randint(1, 4)
        query = PathQuery(
            source=source,
            target=target,
            min_hops=rng.randint(1, max_hops),
            max_hops=max_hops,
            first=rng.choice([1, 1, 2, 3, 5, 100]),
            max_strength=rng.choice([2, 3, 4, 5, 5]),
            avoid=frozenset(rng.sample(people, rng.randint(0, 2))) - {source, target},
        )
        viewer = rng.choice([Viewer.dev(), Viewer(rng.choice(people), Role.USER)])
        table = rng.choice(TABLES)
        expected = reference.rank(
            ref.all_paths(
                ref_viewer(viewer),
                source,
                target,
                query.max_hops,
                query.max_strength,
                query.avoid,
                table,
                min_hops=query.min_hops,
            ),
            query.first,
        )
        found = pathsearch.find_paths(graph, query, viewer, ScoringTable.from_mapping(table))
        assert len({path.people for path in found}) == len(found), "a path found twice"
        got = reference.rank(as_reference(found, table), query.first)
        assert got == expected, (query, viewer)


@pytest.mark.parametrize("seed", range(20))
def test_mutual_connections_match_the_reference(seed: int) -> None:
    rng = random.Random(1000 + seed)
    people = [f"p{i}" for i in range(9)]
    graph, ref = graphs(people, random_ratings(rng, people, 25))
    a, b = rng.sample(people, 2)
    viewer = Viewer(rng.choice(people), Role.USER)
    expected = reference.mutual_connections(ref, ref_viewer(viewer), a, b)
    assert pathsearch.mutual_connections(graph, a, b, viewer) == expected


def test_max_strength_drops_the_step_instead_of_falling_back() -> None:
    graph = pathsearch.rating_graph(
        [
            Rating("a", "b", 5, (), None, Visibility.PUBLIC, None, None, T0, T0),
            Rating("b", "a", 1, (), None, Visibility.PUBLIC, None, None, T0, T0),
        ]
    )
    query = PathQuery("a", "b", min_hops=1, max_hops=1, first=5, max_strength=4)
    assert pathsearch.find_paths(graph, query, Viewer.dev(), ScoringTable.default()) == []


def test_a_step_uses_the_reverse_rating_only_when_the_forward_one_is_hidden() -> None:
    hidden = Rating("a", "b", 1, (), None, Visibility.PRIVATE, None, None, T0, T0)
    seen = Rating("b", "a", 3, ("G",), None, Visibility.PUBLIC, None, None, T0, T0)
    graph = pathsearch.rating_graph([hidden, seen])
    assert pathsearch.step(graph, "a", "b", Viewer("c", Role.USER)) == Step(
        "a", "b", 3, "b", ("G",)
    )
    assert pathsearch.step(graph, "a", "b", Viewer("a", Role.USER)) == Step("a", "b", 1, "a", ())


def test_find_paths_on_unknown_people_is_empty_and_bad_queries_raise() -> None:
    graph = pathsearch.rating_graph([])
    table = ScoringTable.default()
    query = PathQuery("a", "b", min_hops=1, max_hops=3, first=5, max_strength=5)
    assert pathsearch.find_paths(graph, query, Viewer.dev(), table) == []
    bad = PathQuery("a", "b", min_hops=3, max_hops=2, first=5, max_strength=5)
    with pytest.raises(ValueError, match="min_hops"):
        pathsearch.find_paths(graph, bad, Viewer.dev(), table)


def hub_ratings(rng: random.Random, people: list[str], hubs: int) -> list[Rating]:
    """Strong ties among a few, weak ones from `hubs` people to most: a small tier L."""
    pairs = {(u, v) for u, v in itertools.permutations(people, 2) if rng.random() < 0.12}
    pairs |= {(h, v) for h in people[:hubs] for v in people if v != h and rng.random() < 0.7}
    return [
        Rating(
            u,
            v,
            rng.choice((4, 5)) if u in people[:hubs] else rng.choice((1, 1, 2, 2, 3, 4, 5)),
            (),
            None,
            rng.choice((Visibility.PUBLIC, Visibility.PUBLIC, Visibility.CONNECTIONS)),
            None,
            None,
            T0,
            T0,
        )
        for u, v in sorted(pairs)
    ]


@pytest.mark.parametrize("deferred_from", [1, pathsearch._DEFERRED_FROM])
@pytest.mark.parametrize("per_entry", [1, 2, 4])
@pytest.mark.parametrize("seed", range(8))
def test_bounds_past_the_target_side_keep_every_path_that_ranks(
    seed: int, per_entry: int, deferred_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Budgets that take some of the ball's people and leave others: the bound of a walk one
    step past the target side must cover the people left out as well as the ones taken.
    The hubs' neighbours are grouped by tie, so the search also stops at a group too weak;
    with `deferred_from` 1, a hub's people known to the target side go into the heap as one
    entry per group, taken apart a slice at a time."""
    monkeypatch.setattr(pathsearch, "_FURTHER_PER_ENTRY", per_entry)
    monkeypatch.setattr(pathsearch, "_GROUPED_FROM", 8)
    monkeypatch.setattr(pathsearch, "_DEFERRED_FROM", deferred_from)
    rng = random.Random(5000 + seed)
    people = [f"p{i:02}" for i in range(20)]
    graph, ref = graphs(people, hub_ratings(rng, people, hubs=2))
    table = reference.DEFAULT_TABLE
    for _ in range(12):
        source = rng.choice(people[:2]) if rng.random() < 0.5 else rng.choice(people)
        target = rng.choice([p for p in people if p != source])
        query = PathQuery(
            source, target, min_hops=1, max_hops=4, first=rng.choice([1, 3, 5]), max_strength=5
        )
        viewer = rng.choice([Viewer.dev(), Viewer(rng.choice(people), Role.USER)])
        expected = reference.rank(
            ref.all_paths(ref_viewer(viewer), source, target, 4, 5, frozenset(), table),
            query.first,
        )
        found = pathsearch.find_paths(graph, query, viewer, ScoringTable.from_mapping(table))
        assert len({path.people for path in found}) == len(found), "a path found twice"
        assert reference.rank(as_reference(found, table), query.first) == expected, query


@pytest.mark.parametrize("seed", range(40))
def test_a_hubs_hop_by_tie_groups_learns_what_the_hop_by_neighbour_learns(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The target side's hop through a hub updates a tie group at a time: every hop must
    leave the same distances, reaches, newcomers and best reach as the loop per neighbour,
    with people to avoid and viewers whose raters take steps of their own."""
    rng = random.Random(9000 + seed)
    people = [f"p{i:02}" for i in range(16)]
    graph, _ = graphs(people, hub_ratings(rng, people, hubs=2))
    source, target = rng.sample(people, 2)
    others = [p for p in people if p not in (source, target)]
    query = PathQuery(
        source,
        target,
        min_hops=1,
        max_hops=4,
        first=3,
        max_strength=rng.choice([3, 5]),
        avoid=frozenset(rng.sample(others, rng.randint(0, 3))),
    )
    viewer = rng.choice([Viewer.dev(), Viewer(rng.choice(people), Role.USER)])
    probabilities = (0.0, *ScoringTable.default().probabilities)

    def hops_grown(grouped_from: int) -> list[object]:
        monkeypatch.setattr(pathsearch, "_GROUPED_FROM", grouped_from)
        side = pathsearch._TargetSide(pathsearch._Rule(graph, viewer, query.max_strength), query)
        learnt: list[object] = []
        while not side.closed and side.radius < 4:
            new = side.grow(probabilities)
            learnt.append((dict(side.hops), dict(side.reach), set(new), side.best_reach))
        return learnt

    by_group = hops_grown(1)
    assert by_group == hops_grown(10**9)
    assert all(person not in hops for hops, *_ in by_group for person in query.avoid)


def test_the_last_hop_leaves_out_only_walks_too_weak_to_rank(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The target side's last hop skips a hub's tie groups whose walks cannot lead to a path
    that ranks. At the edge: the only 3-step path sets the cut (first 1), and the 4-step path
    that beats it goes through a hub next to the target whose group is barely strong enough.
    Leaving out groups a little stronger (a bound of 1/best_p**4 instead of 1/best_p) loses
    it: v, two steps from the source, would look too far from the target to be worth a step.
    """
    monkeypatch.setattr(pathsearch, "_GROUPED_FROM", 3)  # h, with 4 neighbours, is a hub
    monkeypatch.setattr(pathsearch, "_WALK_PER_RATING", 10**9)  # the second hop is grown

    def rate(u: str, v: str, strength: int) -> Rating:
        return Rating(u, v, strength, (), None, Visibility.PUBLIC, None, None, T0, T0)

    ratings = [
        *(rate(u, v, 1) for u, v in [("s", "a"), ("a", "v"), ("s", "b"), ("b", "c")]),
        rate("v", "h", 2),  # v's walk to t: 0.7 * 0.7 = 0.49
        rate("h", "t", 2),
        rate("c", "t", 3),  # s-b-c-t: 0.9 * 0.9 * 0.45 = 0.3645, the cut
        rate("f1", "h", 5),
        rate("f2", "h", 5),
    ]
    people = ["s", "a", "v", "h", "t", "b", "c", "f1", "f2"]
    graph, _ = graphs(people, ratings)
    query = PathQuery("s", "t", min_hops=1, max_hops=4, first=1, max_strength=5)
    found = pathsearch.find_paths(graph, query, Viewer.dev(), ScoringTable.default())
    assert [(path.people, round(path.score, 6)) for path in found] == [
        (("s", "a", "v", "h", "t"), 0.3969)  # 0.9 * 0.9 * 0.49
    ]


def test_a_deferred_group_never_repeats_someone_with_a_bound_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From a hub, the source's neighbours that the bounds one step further know (a1, through
    b1) are taken one by one; the rest of their tie group is one deferred entry, which pops
    when `first` is large. Taken apart, it must not push a1 again: its path would be found,
    and answered, twice."""
    monkeypatch.setattr(pathsearch, "_GROUPED_FROM", 3)  # s, with 5 neighbours, is a hub
    monkeypatch.setattr(pathsearch, "_WALK_PER_RATING", 10**9)  # the second hop is grown

    def rate(u: str, v: str, strength: int) -> Rating:
        return Rating(u, v, strength, (), None, Visibility.PUBLIC, None, None, T0, T0)

    ratings = [
        *(rate("s", a, 2) for a in ("a1", "a2", "a3", "a4")),  # one tie group of s
        rate("s", "a5", 1),
        rate("a5", "t", 3),  # s-a5-t meets the two ends at once
        *(rate(u, v, 1) for u, v in [("a1", "b1"), ("b1", "c1"), ("c1", "t")]),
        rate("c2", "t", 3),  # too many ratings for the bounds' budget: a1 is in them, a2 not
        *(rate(f, "c2", 5) for f in ("f1", "f2", "f3")),
    ]
    people = sorted({r.from_id for r in ratings} | {r.to_id for r in ratings})
    graph, _ = graphs(people, ratings)
    query = PathQuery("s", "t", min_hops=1, max_hops=4, first=100, max_strength=5)
    found = pathsearch.find_paths(graph, query, Viewer.dev(), ScoringTable.default())
    assert [(path.people, round(path.score, 6)) for path in found] == [
        (("s", "a1", "b1", "c1", "t"), 0.5103),  # 0.7 * 0.9 ** 3
        (("s", "a5", "t"), 0.405),  # 0.9 * 0.45
    ]


def test_grouped_neighbours_follow_every_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hub's neighbours grouped by tie are kept between searches: each kind of write must
    be seen by the next search, as the reference reads the ratings afresh."""
    monkeypatch.setattr(pathsearch, "_GROUPED_FROM", 3)
    rng = random.Random(77)
    people = [f"p{i:02}" for i in range(14)]
    ratings = {(r.from_id, r.to_id): r for r in hub_ratings(rng, people, hubs=2)}
    graph, _ = graphs(people, list(ratings.values()))
    table = reference.DEFAULT_TABLE

    def rate(u: str, v: str, strength: int) -> Rating:
        return Rating(u, v, strength, (), None, Visibility.PUBLIC, None, None, T0, T0)

    def check() -> None:
        ref = graphs(people, list(ratings.values()))[1]
        for source, target in itertools.permutations(people[:4] + people[-3:], 2):
            if source not in graph or target not in graph:
                continue
            query = PathQuery(source, target, min_hops=1, max_hops=4, first=3, max_strength=5)
            expected = reference.rank(
                ref.all_paths(ref_viewer(Viewer.dev()), source, target, 4, 5, frozenset(), table),
                3,
            )
            found = pathsearch.find_paths(graph, query, Viewer.dev(), ScoringTable.default())
            assert reference.rank(as_reference(found, table), 3) == expected, query

    check()
    # The hubs' weak ties become strong, one at a time and in a bulk load.
    for v in people[2:6]:
        ratings["p00", v] = rate("p00", v, 1)
        graph.set_rating("p00", v, 1, Visibility.PUBLIC)
    check()
    bulk = [rate("p01", v, 1) for v in people[8:12]]
    ratings.update(((r.from_id, r.to_id), r) for r in bulk)
    graph.add_ratings((r.from_id, r.to_id, r.strength, r.visibility) for r in bulk)
    check()
    # A hub's weak rating goes, and the step falls back to the other's strong one.
    hub_rated = [v for (u, v) in ratings if u == "p00" and ratings["p00", v].strength >= 4]
    for v in hub_rated[:3]:
        ratings[v, "p00"] = rate(v, "p00", 1)
        graph.set_rating(v, "p00", 1, Visibility.PUBLIC)
    check()
    for v in hub_rated[:3]:
        del ratings["p00", v]
        graph.remove_rating("p00", v)
    check()
    # Someone the hubs rated leaves: networkx removes the node and its edges.
    gone = people.pop(5)
    ratings = {k: r for k, r in ratings.items() if gone not in k}
    graph.remove_node(gone)
    check()

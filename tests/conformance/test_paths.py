"""Warm paths, introducers and mutual connections: the traversal rule, ranking and limits.

Each graph is built so that exactly one rule decides the outcome. `admin` sees every rating;
the visibility cases are in test_visibility.py.
"""

from __future__ import annotations

import itertools

import pytest

from service import contacts, introductions
from service.domain import Viewer, Visibility
from service.errors import InvalidInput
from service.scoring import ScoringTable
from service.store.base import Store

from .helpers import DEFAULT, GraphLoader, paths, people_of, steps_of


async def _introducers(
    store: Store,
    viewer: Viewer,
    source: str,
    target: str,
    *,
    first: int = 10,
    max_strength: int = 5,
    table: ScoringTable = DEFAULT,
) -> list[tuple[str, tuple[str, str, int, str], tuple[str, str, int, str], float]]:
    found = await introductions.introducers(
        store, viewer, table, from_id=source, target=target, first=first, max_strength=max_strength
    )
    return [
        (
            i.person_id,
            (i.to_introducer.from_id, i.to_introducer.to_id, i.to_introducer.strength,
             i.to_introducer.rated_by),
            (i.to_target.from_id, i.to_target.to_id, i.to_target.strength, i.to_target.rated_by),
            i.score,
        )
        for i in found
    ]  # fmt: skip


async def _mutuals(store: Store, viewer: Viewer, a: str, b: str) -> list[str]:
    return [p.id for p in await introductions.mutual_connections(store, viewer, a, b)]


# --- the traversal rule ---------------------------------------------------------------------


async def test_step_uses_the_reverse_rating_when_only_it_exists(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "m", 2), ("t", "m", 3)])
    (path,) = await paths(store, admin, "s", "t")
    assert path.people == ("s", "m", "t")
    assert steps_of(path) == [("s", "m", 2, "s"), ("m", "t", 3, "t")]
    assert path.hops == 2
    assert path.score == pytest.approx(0.70 * 0.45, rel=1e-12)


async def test_step_uses_the_forward_rating_when_both_exist_even_if_weaker(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "m", 2), ("m", "t", 4), ("t", "m", 1)])
    (path,) = await paths(store, admin, "s", "t")
    assert steps_of(path) == [("s", "m", 2, "s"), ("m", "t", 4, "m")]
    assert path.score == pytest.approx(0.70 * 0.20, rel=1e-12)
    (back,) = await paths(store, admin, "t", "s")
    assert steps_of(back) == [("t", "m", 1, "t"), ("m", "s", 2, "s")]
    assert back.score == pytest.approx(0.90 * 0.70, rel=1e-12)


async def test_step_reports_the_groups_of_the_rating_it_used(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    c = Visibility.CONNECTIONS
    await graph(store, [("s", "m", 2, c, ["Friends"]), ("t", "m", 3, c, ["Vendors", "Friends"])])
    (path,) = await paths(store, admin, "s", "t")
    assert [s.groups for s in path.steps] == [("Friends",), ("Vendors", "Friends")]


async def test_max_strength_drops_the_chosen_step_without_fallback(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "m", 2), ("m", "t", 4), ("t", "m", 1)])
    # s->m->t would use m's rating of t (4); t's stronger rating of m is no fallback.
    assert await paths(store, admin, "s", "t", max_strength=3) == []
    assert await paths(store, admin, "s", "t", max_strength=4) != []
    back = await paths(store, admin, "t", "s", max_strength=2)
    assert people_of(back) == [("t", "m", "s")]
    # t->m->s: the step m->s uses s's rating of m (2).
    assert await paths(store, admin, "t", "s", max_strength=1) == []


async def test_direct_rating_is_a_one_hop_path_either_way(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("a", "b", 3)])
    (forward,) = await paths(store, admin, "a", "b")
    assert steps_of(forward) == [("a", "b", 3, "a")]
    (backward,) = await paths(store, admin, "b", "a")
    assert steps_of(backward) == [("b", "a", 3, "a")]
    assert backward.score == pytest.approx(0.45, rel=1e-12)


async def test_avoid_drops_paths_through_those_people(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(
        store,
        [("s", "a", 1), ("a", "t", 1), ("s", "b", 2), ("b", "t", 2), ("s", "c", 3), ("c", "t", 3)],
    )
    assert people_of(await paths(store, admin, "s", "t")) == [
        ("s", "a", "t"),
        ("s", "b", "t"),
        ("s", "c", "t"),
    ]
    assert people_of(await paths(store, admin, "s", "t", avoid=["a"])) == [
        ("s", "b", "t"),
        ("s", "c", "t"),
    ]
    assert people_of(await paths(store, admin, "s", "t", avoid=["a", "b", "nobody"])) == [
        ("s", "c", "t")
    ]
    assert await paths(store, admin, "s", "t", avoid=["a", "b", "c"]) == []


async def test_paths_are_simple_and_complete(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    people = ["s", "t", "a", "b", "c"]
    edges = [(u, v, 1 + (i % 5)) for i, (u, v) in enumerate(itertools.permutations(people, 2))]
    await graph(store, edges)
    found = await paths(store, admin, "s", "t", max_hops=4, first=100)
    # Simple paths s..t in a complete graph of 5: 1 + 3 + 3*2 + 3*2*1.
    assert len(found) == 16
    assert len({p.people for p in found}) == 16
    for path in found:
        assert path.people[0] == "s" and path.people[-1] == "t"
        assert len(set(path.people)) == len(path.people)
        assert path.hops == len(path.people) - 1 == len(path.steps)
        for step, (u, v) in zip(path.steps, itertools.pairwise(path.people), strict=True):
            assert (step.from_id, step.to_id) == (u, v)
    assert {p.hops for p in await paths(store, admin, "s", "t", max_hops=2, first=100)} == {1, 2}


async def test_cycles_do_not_repeat_people(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [("s", "a", 1), ("a", "b", 1), ("b", "s", 1), ("b", "t", 1)])
    assert people_of(await paths(store, admin, "s", "t", max_hops=4, first=100)) == [
        ("s", "b", "t"),
        ("s", "a", "b", "t"),
    ]


# --- ranking --------------------------------------------------------------------------------


async def test_higher_score_ranks_first_whatever_the_ids(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "z", 1), ("z", "t", 1), ("s", "a", 2), ("a", "t", 1)])
    found = await paths(store, admin, "s", "t")
    assert people_of(found) == [("s", "z", "t"), ("s", "a", "t")]
    assert [p.score for p in found] == pytest.approx([0.81, 0.63], rel=1e-12)


async def test_higher_score_beats_fewer_hops(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "t", 5), ("s", "m", 1), ("m", "t", 1)])
    assert people_of(await paths(store, admin, "s", "t")) == [("s", "m", "t"), ("s", "t")]


async def test_equal_scores_go_to_fewer_hops(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    # With p(1) = 1 the two-step path scores exactly what the direct one does; "a" < "t" so
    # the id rule alone would put the longer path first.
    table = ScoringTable.from_mapping({1: 1.0, 2: 0.7, 3: 0.45, 4: 0.2, 5: 0.05})
    await graph(store, [("s", "t", 3), ("s", "a", 1), ("a", "t", 3)])
    found = await paths(store, admin, "s", "t", table=table)
    assert people_of(found) == [("s", "t"), ("s", "a", "t")]
    assert [p.score for p in found] == pytest.approx([0.45, 0.45], rel=1e-12)


async def test_scores_within_tolerance_are_equal(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "z", 1), ("z", "t", 1), ("s", "a", 2), ("a", "t", 1)])
    # p(2) is below p(1) by 1e-10 of it: a tie, so the smaller ids ("a") win.
    near = ScoringTable.from_mapping({1: 0.9, 2: 0.9 * (1 - 1e-10), 3: 0.45, 4: 0.2, 5: 0.05})
    assert people_of(await paths(store, admin, "s", "t", table=near)) == [
        ("s", "a", "t"),
        ("s", "z", "t"),
    ]
    # 1e-8 is past the tolerance: the higher score wins.
    apart = ScoringTable.from_mapping({1: 0.9, 2: 0.9 * (1 - 1e-8), 3: 0.45, 4: 0.2, 5: 0.05})
    assert people_of(await paths(store, admin, "s", "t", table=apart)) == [
        ("s", "z", "t"),
        ("s", "a", "t"),
    ]


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [("B", "a"), ("a", "ab"), ("Z", "é"), ("é", "\ue000"), ("\ue000", "😀")],
    ids=["upper-before-lower", "prefix", "ascii-before-latin1", "bmp", "astral-last"],
)
async def test_equal_scores_and_hops_go_to_smaller_ids_by_code_point(
    store: Store, admin: Viewer, graph: GraphLoader, smaller: str, larger: str
) -> None:
    await graph(store, [("s", larger, 2), (larger, "t", 3), ("s", smaller, 3), (smaller, "t", 2)])
    assert people_of(await paths(store, admin, "s", "t")) == [
        ("s", smaller, "t"),
        ("s", larger, "t"),
    ]


async def test_id_sequences_compare_id_by_id(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    # Joined into one string "s"+"ab"+"b" < "s"+"a"+"zz"; id by id, "a" < "ab" decides.
    await graph(
        store,
        [
            ("s", "a", 1),
            ("a", "zz", 1),
            ("zz", "t", 1),
            ("s", "ab", 1),
            ("ab", "b", 1),
            ("b", "t", 1),
        ],
    )
    assert people_of(await paths(store, admin, "s", "t")) == [
        ("s", "a", "zz", "t"),
        ("s", "ab", "b", "t"),
    ]


async def test_first_cuts_the_ranking(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    middles = ["m1", "m2", "m3", "m4", "m5"]
    edges = [("s", m, k) for k, m in enumerate(middles, start=1)] + [(m, "t", 1) for m in middles]
    await graph(store, edges)
    everyone = people_of(await paths(store, admin, "s", "t", first=100))
    assert everyone == [("s", m, "t") for m in ["m1", "m2", "m3", "m4", "m5"]]
    assert people_of(await paths(store, admin, "s", "t", first=2)) == everyone[:2]
    assert people_of(await paths(store, admin, "s", "t", first=1)) == everyone[:1]
    assert people_of(await paths(store, admin, "s", "t")) == everyone  # default first=5


async def test_scoring_table_is_configurable(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "a", 1), ("a", "t", 5), ("s", "b", 3), ("b", "t", 3)])
    assert people_of(await paths(store, admin, "s", "t")) == [("s", "b", "t"), ("s", "a", "t")]
    custom = ScoringTable.from_mapping({1: 0.99, 2: 0.5, 3: 0.1, 4: 0.05, 5: 0.5})
    found = await paths(store, admin, "s", "t", table=custom)
    assert people_of(found) == [("s", "a", "t"), ("s", "b", "t")]
    assert [p.score for p in found] == pytest.approx([0.495, 0.01], rel=1e-12)
    intro = await _introducers(store, admin, "s", "t", table=custom)
    assert [i[0] for i in intro] == ["a", "b"]
    assert [i[0] for i in await _introducers(store, admin, "s", "t")] == ["b", "a"]


async def test_max_strength_with_a_custom_table_still_filters_by_strength(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "a", 1), ("a", "t", 5), ("s", "b", 3), ("b", "t", 3)])
    custom = ScoringTable.from_mapping({1: 0.99, 2: 0.5, 3: 0.1, 4: 0.05, 5: 0.5})
    found = await paths(store, admin, "s", "t", table=custom, max_strength=4)
    assert people_of(found) == [("s", "b", "t")]


# --- introducers ----------------------------------------------------------------------------


INTRO_GRAPH = [
    ("s", "a", 1),
    ("a", "t", 2),
    ("s", "b", 2),
    ("t", "b", 2),  # only the reverse rating: b -> t uses t's rating
    ("s", "t", 1),  # a direct tie: never makes s or t an introducer
    ("s", "c", 1),
    ("c", "e", 1),
    ("e", "t", 1),  # three hops: c and e are not introducers
    ("d", "t", 1),  # d does not know s
]


async def test_introducers_are_one_step_from_both(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, INTRO_GRAPH)
    found = await _introducers(store, admin, "s", "t")
    assert [i[:3] for i in found] == [
        ("a", ("s", "a", 1, "s"), ("a", "t", 2, "a")),
        ("b", ("s", "b", 2, "s"), ("b", "t", 2, "t")),
    ]
    assert [i[3] for i in found] == pytest.approx([0.9 * 0.7, 0.7 * 0.7], rel=1e-12)


async def test_introducers_first_and_max_strength(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [*INTRO_GRAPH, ("s", "f", 1), ("f", "t", 1)])
    assert [i[0] for i in await _introducers(store, admin, "s", "t")] == ["f", "a", "b"]
    assert [i[0] for i in await _introducers(store, admin, "s", "t", first=2)] == ["f", "a"]
    assert [i[0] for i in await _introducers(store, admin, "s", "t", max_strength=1)] == ["f"]
    assert [i[0] for i in await _introducers(store, admin, "s", "t", max_strength=2)] == [
        "f",
        "a",
        "b",
    ]


async def test_introducers_ties_go_to_smaller_id(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "b", 2), ("b", "t", 3), ("s", "a", 3), ("t", "a", 2)])
    assert [i[0] for i in await _introducers(store, admin, "s", "t")] == ["a", "b"]


# --- mutual connections ---------------------------------------------------------------------


async def test_mutual_connections_are_ordered_by_id(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(
        store,
        [
            ("a", "b", 1),
            ("b", "a", 1),
            ("a", "é", 5),
            ("é", "b", 5),
            ("amy", "a", 3),
            ("b", "amy", 3),
            ("a", "Zed", 2),
            ("Zed", "b", 2),
            ("a", "only-a", 1),
            ("only-b", "b", 1),
            ("😀", "a", 1),
            ("b", "😀", 1),
            ("a", "\ue000", 1),
            ("\ue000", "b", 1),
        ],
    )
    expected = ["Zed", "amy", "é", "\ue000", "😀"]
    assert await _mutuals(store, admin, "a", "b") == expected
    assert await _mutuals(store, admin, "b", "a") == expected
    persons = await introductions.mutual_connections(store, admin, "a", "b")
    assert persons[0].name == "Name of Zed"


async def test_mutual_connections_of_unknown_or_unconnected_people(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("a", "m", 1)], people=["b"])
    assert await _mutuals(store, admin, "a", "b") == []
    assert await _mutuals(store, admin, "a", "nobody") == []
    with pytest.raises(InvalidInput) as err:
        await _mutuals(store, admin, "", "b")
    assert err.value.field == "a"
    with pytest.raises(InvalidInput) as err:
        await _mutuals(store, admin, "a", " b")
    assert err.value.field == "b"


async def test_mutual_connections_of_a_person_and_itself_are_its_contacts(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    """a = b: everyone with a visible step to a (docs/decisions.md); the stores agreed on
    everything else but this, which Neo4j answered with [] until it was tested."""
    await graph(store, [("a", "m", 1), ("n", "a", 5), ("m", "n", 2), ("x", "y", 1)])
    assert await _mutuals(store, admin, "a", "a") == ["m", "n"]
    assert await _mutuals(store, admin, "x", "x") == ["y"]


async def test_mutual_connections_follow_deletes(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("a", "m", 1), ("m", "b", 1), ("a", "n", 1), ("b", "n", 1)])
    assert await _mutuals(store, admin, "a", "b") == ["m", "n"]
    await contacts.remove_rating(store, admin, "m", "b")
    assert await _mutuals(store, admin, "a", "b") == ["n"]
    await contacts.delete_person(store, admin, "n")
    assert await _mutuals(store, admin, "a", "b") == []


# --- unknown people and writes that change paths --------------------------------------------


async def test_queries_about_unknown_people_are_empty(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("s", "m", 1), ("m", "t", 1)])
    assert await paths(store, admin, "s", "nobody") == []
    assert await paths(store, admin, "nobody", "t") == []
    assert await _introducers(store, admin, "s", "nobody") == []


async def test_paths_follow_writes(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [("s", "m", 1), ("m", "t", 1)])
    assert people_of(await paths(store, admin, "s", "t")) == [("s", "m", "t")]
    await contacts.remove_rating(store, admin, "m", "t")
    assert await paths(store, admin, "s", "t") == []
    await graph(store, [("t", "m", 4)])
    (path,) = await paths(store, admin, "s", "t")
    assert steps_of(path)[1] == ("m", "t", 4, "t")
    await graph(store, [("m", "t", 2)])
    (path,) = await paths(store, admin, "s", "t")
    assert steps_of(path)[1] == ("m", "t", 2, "m")


# --- limits ---------------------------------------------------------------------------------


async def test_max_hops_one_to_four(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [("s", "a", 1), ("a", "b", 1), ("b", "c", 1), ("c", "t", 1)])
    assert await paths(store, admin, "s", "t", max_hops=3) == []
    (path,) = await paths(store, admin, "s", "t", max_hops=4)
    assert path.people == ("s", "a", "b", "c", "t") and path.hops == 4
    assert people_of(await paths(store, admin, "s", "a", max_hops=1)) == [("s", "a")]
    assert await paths(store, admin, "s", "b", max_hops=1) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_hops": 0}, "maxHops"),
        ({"max_hops": 5}, "maxHops"),
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"max_strength": 0}, "maxStrength"),
        ({"max_strength": 6}, "maxStrength"),
        ({"avoid": [f"x{i}" for i in range(101)]}, "avoid"),
        ({"avoid": [""]}, "avoid"),
        ({"target": "s"}, "target"),
        ({"target": ""}, "target"),
        ({"source": " s"}, "from"),
    ],
)
async def test_warm_paths_limits(
    store: Store, admin: Viewer, graph: GraphLoader, kwargs: dict[str, object], field: str
) -> None:
    await graph(store, [("s", "t", 1)])
    args: dict[str, object] = {"source": "s", "target": "t", **kwargs}
    source, target = args.pop("source"), args.pop("target")
    with pytest.raises(InvalidInput) as err:
        await paths(store, admin, source, target, **args)  # type: ignore[arg-type]
    assert err.value.code == "BAD_USER_INPUT"
    assert err.value.field == field


async def test_warm_paths_at_the_limits(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [("s", "t", 1)])
    assert len(await paths(store, admin, "s", "t", first=100, max_hops=4, max_strength=1)) == 1
    avoid = [f"x{i}" for i in range(100)]
    assert len(await paths(store, admin, "s", "t", first=1, avoid=avoid)) == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"max_strength": 0}, "maxStrength"),
        ({"max_strength": 6}, "maxStrength"),
        ({"target": "s"}, "target"),
    ],
)
async def test_introducers_limits(
    store: Store, admin: Viewer, kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {"target": "t", **kwargs}
    with pytest.raises(InvalidInput) as err:
        await _introducers(store, admin, "s", **args)  # type: ignore[arg-type]
    assert err.value.field == field

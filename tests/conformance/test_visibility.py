"""Visibility: who sees which rating, in every read and every path query.

The rule (API.md, `service.access.can_see`): admins see all, PUBLIC is seen by everyone,
the rater always sees their rating, CONNECTIONS is seen by the people the rater has rated
(with any rating of any visibility), PRIVATE by the rater alone. A rating the viewer cannot
see must not show, nor change a score, an order or a count.
"""

from __future__ import annotations

import pytest

from service import contacts, introductions
from service.domain import Viewer, Visibility
from service.store.base import Store

from .helpers import DEFAULT, GraphLoader, paths, people_of, steps_of, user

PRIVATE, CONNECTIONS, PUBLIC = Visibility.PRIVATE, Visibility.CONNECTIONS, Visibility.PUBLIC

RATINGS_OF_A = [
    ("a", "b", 1, PRIVATE),
    ("a", "c", 2, CONNECTIONS),
    ("a", "d", 3, PUBLIC),
    ("x", "a", 1, PUBLIC),  # x rated a; that does not make x one of a's connections
]


@pytest.mark.parametrize(
    ("viewer_id", "sees"),
    [
        ("a", {"b", "c", "d"}),
        ("b", {"c", "d"}),  # a rated b (privately): b is one of a's connections
        ("c", {"c", "d"}),
        ("d", {"c", "d"}),
        ("x", {"d"}),
        ("stranger", {"d"}),
    ],
)
async def test_rating_is_visible_by_the_rule(
    store: Store, graph: GraphLoader, viewer_id: str, sees: set[str]
) -> None:
    await graph(store, RATINGS_OF_A, people=["stranger"])
    viewer = user(viewer_id)
    for target in ["b", "c", "d"]:
        found = await contacts.rating(store, viewer, "a", target)
        assert (found is not None) == (target in sees), (viewer_id, target)
    page = await contacts.ratings_of(store, viewer, "a")
    assert [r.to_id for r in page.items] == sorted(sees)  # strengths 1, 2, 3 follow the ids


async def test_admin_and_dev_see_every_rating(
    store: Store, admin: Viewer, dev: Viewer, graph: GraphLoader
) -> None:
    await graph(store, RATINGS_OF_A)
    for viewer in (admin, dev):
        assert await contacts.rating(store, viewer, "a", "b") is not None
        page = await contacts.ratings_of(store, viewer, "a")
        assert [r.to_id for r in page.items] == ["b", "c", "d"]


async def test_hidden_ratings_do_not_take_room_in_a_page(store: Store, graph: GraphLoader) -> None:
    edges = [("a", f"p{i}", 1, PRIVATE) for i in range(5)] + [("a", "q", 2, PUBLIC)]
    edges += [("a", "r", 3, PUBLIC)]
    await graph(store, edges, people=["viewer"])
    page = await contacts.ratings_of(store, user("viewer"), "a", first=1)
    assert [r.to_id for r in page.items] == ["q"]
    assert page.next_cursor is not None
    page = await contacts.ratings_of(store, user("viewer"), "a", first=1, after=page.next_cursor)
    assert [r.to_id for r in page.items] == ["r"]
    assert page.next_cursor is None
    assert [r.to_id for r in (await contacts.ratings_of(store, user("viewer"), "a")).items] == [
        "q",
        "r",
    ]


async def test_ratings_of_filters_apply_after_visibility(store: Store, graph: GraphLoader) -> None:
    await graph(
        store,
        [("a", "b", 1, PRIVATE, ["Friends"]), ("a", "c", 3, PUBLIC, ["Friends"])],
        people=["v"],
    )
    page = await contacts.ratings_of(store, user("v"), "a", group="Friends")
    assert [r.to_id for r in page.items] == ["c"]
    assert (await contacts.ratings_of(store, user("v"), "a", max_strength=2)).items == ()


async def test_connections_visibility_follows_the_raters_new_rating(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("a", "c", 2, CONNECTIONS)], people=["v"])
    assert await contacts.rating(store, user("v"), "a", "c") is None
    await graph(store, [("a", "v", 5, PRIVATE)])
    assert await contacts.rating(store, user("v"), "a", "c") is not None
    await contacts.remove_rating(store, admin, "a", "v")
    assert await contacts.rating(store, user("v"), "a", "c") is None


# --- paths ----------------------------------------------------------------------------------

# t is the viewer. u's rating of v is private and strong; v's rating of u is public and weak.
HIDDEN_FORWARD = [("t", "u", 1, PUBLIC), ("u", "v", 1, PRIVATE), ("v", "u", 4, PUBLIC)]


async def test_a_hidden_forward_rating_falls_back_to_the_visible_reverse(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, HIDDEN_FORWARD)
    (seen_by_t,) = await paths(store, user("t"), None, "v")
    assert steps_of(seen_by_t) == [("t", "u", 1, "t"), ("u", "v", 4, "v")]
    assert seen_by_t.score == pytest.approx(0.9 * 0.2, rel=1e-12)
    (seen_by_admin,) = await paths(store, admin, "t", "v")
    assert steps_of(seen_by_admin) == [("t", "u", 1, "t"), ("u", "v", 1, "u")]
    assert seen_by_admin.score == pytest.approx(0.81, rel=1e-12)
    # The private rating hides in introducers too.
    (intro,) = await introductions.introducers(store, user("t"), DEFAULT, from_id="t", target="v")
    assert intro.person_id == "u"
    assert (intro.to_target.strength, intro.to_target.rated_by) == (4, "v")
    assert intro.score == pytest.approx(0.18, rel=1e-12)
    # And max_strength judges the strength the viewer's rule picked.
    assert await paths(store, user("t"), "t", "v", max_strength=3) == []
    assert len(await paths(store, admin, "t", "v", max_strength=3)) == 1


async def test_a_step_resting_on_a_hidden_rating_disappears(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("t", "u", 1, PUBLIC), ("u", "v", 1, PRIVATE)])
    assert await paths(store, user("t"), None, "v") == []
    assert (
        await introductions.introducers(store, user("t"), DEFAULT, from_id=None, target="v") == []
    )
    assert await introductions.mutual_connections(store, user("t"), "t", "v") == []
    assert people_of(await paths(store, admin, "t", "v")) == [("t", "u", "v")]
    assert [p.id for p in await introductions.mutual_connections(store, admin, "t", "v")] == ["u"]
    # The rater sees their own private rating.
    assert people_of(await paths(store, user("u"), "u", "t")) == [("u", "t")]
    assert [p.id for p in await introductions.mutual_connections(store, user("u"), "t", "v")] == [
        "u"
    ]


async def test_hidden_ratings_do_not_change_the_order(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    edges = [*HIDDEN_FORWARD, ("t", "w", 1, PUBLIC), ("w", "v", 3, PUBLIC)]
    await graph(store, edges)
    assert people_of(await paths(store, admin, "t", "v")) == [("t", "u", "v"), ("t", "w", "v")]
    seen = await paths(store, user("t"), "t", "v")
    assert people_of(seen) == [("t", "w", "v"), ("t", "u", "v")]
    assert [p.score for p in seen] == pytest.approx([0.9 * 0.45, 0.9 * 0.2], rel=1e-12)
    intro = await introductions.introducers(store, user("t"), DEFAULT, from_id="t", target="v")
    assert [i.person_id for i in intro] == ["w", "u"]


async def test_connections_ratings_in_paths_need_the_rater_to_have_rated_the_viewer(
    store: Store, graph: GraphLoader
) -> None:
    await graph(store, [("t", "u", 1, PUBLIC), ("u", "v", 1, CONNECTIONS)])
    assert await paths(store, user("t"), "t", "v") == []
    assert await introductions.mutual_connections(store, user("t"), "t", "v") == []
    await graph(store, [("u", "t", 5, PRIVATE)])
    (path,) = await paths(store, user("t"), "t", "v")
    # The forward rating t->u is visible to t, so it is used, not u's private rating of t.
    assert steps_of(path) == [("t", "u", 1, "t"), ("u", "v", 1, "u")]
    assert [p.id for p in await introductions.mutual_connections(store, user("t"), "t", "v")] == [
        "u"
    ]


async def test_mutual_connections_for_a_viewer_who_is_neither_person(
    store: Store, graph: GraphLoader
) -> None:
    await graph(
        store,
        [
            ("a", "m", 1, PUBLIC),
            ("m", "b", 1, PRIVATE),
            ("a", "n", 1, PUBLIC),
            ("n", "b", 1, CONNECTIONS),
            ("n", "viewer", 3, PRIVATE),
            ("a", "o", 1, PUBLIC),
            ("o", "b", 1, CONNECTIONS),
        ],
    )
    assert [
        p.id for p in await introductions.mutual_connections(store, user("viewer"), "a", "b")
    ] == ["n"]

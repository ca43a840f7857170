"""Ratings: record, replace, batches, remove, rating, ratings_of and their errors."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from service import contacts
from service.domain import RatingFields, Viewer, Visibility
from service.errors import InvalidBatch, InvalidInput, NotFound
from service.store.base import Store

from .helpers import GraphLoader, paths


async def _people(graph: GraphLoader, store: Store, *ids: str) -> None:
    await graph(store, [], people=ids)


async def test_rate_connection_records_every_field(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a", "b")
    rated = await contacts.rate_connection(
        store,
        admin,
        RatingFields(
            from_id="a",
            to_id="b",
            strength=2,
            groups=["Friends", "Former colleagues"],
            context="  Worked together at Acme  ",
            visibility=Visibility.PUBLIC,
            since=date(2019, 3, 1),
            last_interaction=date(2026, 11, 27),
        ),
    )
    assert (rated.from_id, rated.to_id, rated.strength) == ("a", "b", 2)
    assert rated.groups == ("Friends", "Former colleagues")
    assert rated.context == "Worked together at Acme"
    assert rated.visibility is Visibility.PUBLIC
    assert rated.since == date(2019, 3, 1)
    assert rated.last_interaction == date(2026, 11, 27)
    assert rated.created_at.utcoffset() is not None
    assert rated.updated_at.utcoffset() is not None
    assert rated.created_at == rated.updated_at
    assert await contacts.rating(store, admin, "a", "b") == rated


async def test_rating_defaults(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await _people(graph, store, "a", "b")
    rated = await contacts.rate_connection(
        store, admin, RatingFields(from_id="a", to_id="b", strength=5)
    )
    assert rated.visibility is Visibility.CONNECTIONS
    assert rated.groups == ()
    assert rated.context is None and rated.since is None and rated.last_interaction is None
    assert await contacts.rating(store, admin, "a", "b") == rated
    assert await contacts.rating(store, admin, "b", "a") is None


async def test_rating_again_replaces_it_and_keeps_created_at(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a", "b")
    first = await contacts.rate_connection(
        store,
        admin,
        RatingFields(
            from_id="a",
            to_id="b",
            strength=3,
            groups=["Vendors"],
            context="met at a fair",
            visibility=Visibility.PUBLIC,
            since=date(2020, 1, 1),
        ),
    )
    await asyncio.sleep(0.01)
    second = await contacts.rate_connection(
        store, admin, RatingFields(from_id="a", to_id="b", strength=1, groups=["Friends"])
    )
    assert second.created_at == first.created_at
    assert second.updated_at > first.updated_at
    assert second.strength == 1
    # A replacement is a whole new rating: what it leaves out is gone.
    assert second.groups == ("Friends",)
    assert second.context is None and second.since is None
    assert second.visibility is Visibility.CONNECTIONS
    assert await contacts.rating(store, admin, "a", "b") == second
    page = await contacts.ratings_of(store, admin, "a")
    assert page.items == (second,)


async def test_groups_are_trimmed_and_deduplicated_in_order(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a", "b")
    groups = ["  Friends ", "Recruiters", "Friends", "Met once at a conference", "Recruiters "]
    rated = await contacts.rate_connection(
        store, admin, RatingFields(from_id="a", to_id="b", strength=2, groups=groups)
    )
    expected = ("Friends", "Recruiters", "Met once at a conference")
    assert rated.groups == expected
    stored = await contacts.rating(store, admin, "a", "b")
    assert stored is not None and stored.groups == expected


async def test_group_limits(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await _people(graph, store, "a", "b")
    twenty = [f"g{i}" for i in range(20)]
    rated = await contacts.rate_connection(
        store, admin, RatingFields(from_id="a", to_id="b", strength=2, groups=twenty)
    )
    assert rated.groups == tuple(twenty)
    longest = "x" * 64
    rated = await contacts.rate_connection(
        store, admin, RatingFields(from_id="a", to_id="b", strength=2, groups=[longest])
    )
    assert rated.groups == (longest,)
    for bad in ([*twenty, "one more"], ["x" * 65], ["   "], [""]):
        with pytest.raises(InvalidInput) as err:
            await contacts.rate_connection(
                store, admin, RatingFields(from_id="a", to_id="b", strength=4, groups=bad)
            )
        assert err.value.field == "groups"
    stored = await contacts.rating(store, admin, "a", "b")
    assert stored is not None and stored.strength == 2 and stored.groups == (longest,)


@pytest.mark.parametrize("strength", [0, 6, -1])
async def test_strength_out_of_range_is_bad_input(
    store: Store, admin: Viewer, graph: GraphLoader, strength: int
) -> None:
    await _people(graph, store, "a", "b")
    with pytest.raises(InvalidInput) as err:
        await contacts.rate_connection(
            store, admin, RatingFields(from_id="a", to_id="b", strength=strength)
        )
    assert err.value.code == "BAD_USER_INPUT" and err.value.field == "strength"
    assert await contacts.rating(store, admin, "a", "b") is None


async def test_rating_yourself_is_bad_input(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a")
    with pytest.raises(InvalidInput) as err:
        await contacts.rate_connection(
            store, admin, RatingFields(from_id="a", to_id="a", strength=1)
        )
    assert err.value.code == "BAD_USER_INPUT"
    assert await contacts.rating(store, admin, "a", "a") is None


async def test_rating_unknown_people_is_not_found(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a")
    with pytest.raises(NotFound) as err:
        await contacts.rate_connection(
            store, admin, RatingFields(from_id="a", to_id="ghost", strength=1)
        )
    assert err.value.code == "NOT_FOUND"
    assert (err.value.field, err.value.person_id) == ("to", "ghost")
    with pytest.raises(NotFound) as err:
        await contacts.rate_connection(
            store, admin, RatingFields(from_id="ghost", to_id="a", strength=1)
        )
    assert (err.value.field, err.value.person_id) == ("from", "ghost")
    assert (await contacts.ratings_of(store, admin, "a")).items == ()
    assert await contacts.person(store, "ghost") is None


# --- batches --------------------------------------------------------------------------------


async def test_rate_connections_stores_all_in_input_order(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a", "b", "c")
    batch = [
        RatingFields(from_id="c", to_id="a", strength=4),
        RatingFields(from_id="a", to_id="b", strength=1, visibility=Visibility.PRIVATE),
        RatingFields(from_id="b", to_id="a", strength=2, groups=["Friends"]),
    ]
    stored = await contacts.rate_connections(store, admin, batch)
    assert [(r.from_id, r.to_id, r.strength) for r in stored] == [
        ("c", "a", 4),
        ("a", "b", 1),
        ("b", "a", 2),
    ]
    assert stored[1].visibility is Visibility.PRIVATE
    assert stored[2].groups == ("Friends",)
    for rated in stored:
        assert await contacts.rating(store, admin, rated.from_id, rated.to_id) == rated


async def test_rate_connections_can_replace_in_a_batch(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a", "b", "c")
    old = await contacts.rate_connection(
        store, admin, RatingFields(from_id="a", to_id="b", strength=5)
    )
    await asyncio.sleep(0.01)
    stored = await contacts.rate_connections(
        store,
        admin,
        [
            RatingFields(from_id="a", to_id="b", strength=1),
            RatingFields(from_id="a", to_id="c", strength=2),
        ],
    )
    assert stored[0].strength == 1
    assert stored[0].created_at == old.created_at
    assert stored[0].updated_at > old.updated_at
    assert [v.strength for v in stored[0].history] == [5]
    assert stored[1].created_at == stored[1].updated_at
    assert stored[1].history == ()
    for rated in stored:  # what the batch returned is what is stored
        assert await contacts.rating(store, admin, rated.from_id, rated.to_id) == rated


async def test_rate_connections_returns_every_field_as_stored_through_replaces(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    # The Neo4j store builds what it returns from what it wrote instead of reading it back:
    # every field must still be what a later read gets, for new ratings, ratings replaced at
    # the same strength (kept relationship) and at another (retyped), and longer histories.
    await _people(graph, store, "a", "b", "c", "d")
    full = {
        "groups": ["Friends", "Former colleagues"],
        "context": "met at PyCon",
        "visibility": Visibility.PUBLIC,
        "since": date(2019, 5, 6),
        "last_interaction": date(2026, 1, 2),
    }
    rounds = [
        [("a", "b", 3), ("a", "c", 2), ("d", "a", 5)],
        [("a", "b", 3), ("a", "c", 4), ("a", "d", 1)],
        [("a", "b", 1), ("a", "c", 4), ("d", "a", 5)],
    ]
    for number, ratings in enumerate(rounds):
        await asyncio.sleep(0.01)
        batch = [
            RatingFields(from_id=f, to_id=t, strength=s, **(full if number % 2 else {}))
            for f, t, s in ratings
        ]
        stored = await contacts.rate_connections(store, admin, batch)
        for rated in stored:
            assert await contacts.rating(store, admin, rated.from_id, rated.to_id) == rated
    last = {(r.from_id, r.to_id): r for r in stored}
    assert [v.strength for v in last[("a", "b")].history] == [3, 3]
    assert [v.strength for v in last[("a", "c")].history] == [2, 4]
    assert last[("a", "b")].created_at < last[("a", "b")].updated_at


async def test_rate_connections_with_an_unknown_person_writes_nothing(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("a", "b", 3)], people=["c"])
    batch = [
        RatingFields(from_id="a", to_id="c", strength=1),
        RatingFields(from_id="a", to_id="b", strength=1),  # would replace a->b 3
        RatingFields(from_id="c", to_id="b", strength=2),
        RatingFields(from_id="c", to_id="nobody", strength=2),
        RatingFields(from_id="b", to_id="c", strength=2),
    ]
    with pytest.raises(NotFound) as err:
        await contacts.rate_connections(store, admin, batch)
    assert err.value.code == "NOT_FOUND"
    assert err.value.index == 3
    assert err.value.person_id == "nobody"
    assert await contacts.rating(store, admin, "a", "c") is None
    assert await contacts.rating(store, admin, "c", "b") is None
    assert await contacts.rating(store, admin, "b", "c") is None
    kept = await contacts.rating(store, admin, "a", "b")
    assert kept is not None and kept.strength == 3


async def test_rate_connections_lists_every_invalid_item(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a", "b", "c")
    batch = [
        RatingFields(from_id="a", to_id="b", strength=1),
        RatingFields(from_id="a", to_id="c", strength=9),
        RatingFields(from_id="b", to_id="c", strength=2),
        RatingFields(from_id="c", to_id="c", strength=2),
        RatingFields(from_id="c", to_id="", strength=2),
        RatingFields(from_id="c", to_id="a", strength=2, groups=["x" * 65]),
    ]
    with pytest.raises(InvalidBatch) as err:
        await contacts.rate_connections(store, admin, batch)
    assert err.value.code == "BAD_USER_INPUT"
    invalid = err.value.invalid
    assert [i.index for i in invalid] == [1, 3, 4, 5]
    assert invalid[0].field == "strength"
    assert invalid[2].field == "to"
    assert invalid[3].field == "groups"
    assert all(i.message for i in invalid)
    assert await contacts.rating(store, admin, "a", "b") is None
    assert await contacts.rating(store, admin, "b", "c") is None


async def test_rate_connections_with_a_repeated_pair_is_invalid(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await _people(graph, store, "a", "b")
    batch = [
        RatingFields(from_id="a", to_id="b", strength=1),
        RatingFields(from_id="b", to_id="a", strength=1),
        RatingFields(from_id="a", to_id="b", strength=2),
    ]
    with pytest.raises(InvalidBatch) as err:
        await contacts.rate_connections(store, admin, batch)
    assert [i.index for i in err.value.invalid] == [2]
    assert await contacts.rating(store, admin, "a", "b") is None


async def test_rate_connections_empty_batch(store: Store, admin: Viewer) -> None:
    assert await contacts.rate_connections(store, admin, []) == []


async def test_rate_connections_batch_limit(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    ids = [f"n{i:03d}" for i in range(100)]
    await _people(graph, store, *ids)
    pairs = [(s, t) for s in ids for t in ids if s != t]
    batch = [
        RatingFields(from_id=s, to_id=t, strength=1 + (k % 5))
        for k, (s, t) in enumerate(pairs[:5001])
    ]
    with pytest.raises(InvalidInput) as err:
        await contacts.rate_connections(store, admin, batch)
    assert err.value.code == "BAD_USER_INPUT"
    assert await contacts.rating(store, admin, "n000", "n001") is None
    stored = await contacts.rate_connections(store, admin, batch[:5000])
    assert len(stored) == 5000
    last = batch[4999]
    found = await contacts.rating(store, admin, last.from_id or "", last.to_id)
    assert found is not None and found.strength == last.strength
    page = await contacts.ratings_of(store, admin, "n000", first=100)
    assert len(page.items) == 99


# --- remove ---------------------------------------------------------------------------------


async def test_remove_rating(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [("a", "b", 2), ("b", "a", 3)])
    assert await contacts.remove_rating(store, admin, "a", "b") is True
    assert await contacts.rating(store, admin, "a", "b") is None
    reverse = await contacts.rating(store, admin, "b", "a")
    assert reverse is not None and reverse.strength == 3
    assert await contacts.remove_rating(store, admin, "a", "b") is False
    assert await contacts.remove_rating(store, admin, "a", "nobody") is False
    # The path a-b now rests on b's rating alone.
    (path,) = await paths(store, admin, "a", "b")
    assert path.steps[0].rated_by == "b" and path.steps[0].strength == 3


async def test_remove_rating_validates_ids(store: Store, admin: Viewer) -> None:
    with pytest.raises(InvalidInput) as err:
        await contacts.remove_rating(store, admin, "a", "")
    assert err.value.field == "to"


# --- reading ratings ------------------------------------------------------------------------


async def test_rating_that_does_not_exist_is_none(store: Store, admin: Viewer) -> None:
    assert await contacts.rating(store, admin, "x", "y") is None


async def test_rating_with_invalid_ids_is_bad_input(store: Store, admin: Viewer) -> None:
    with pytest.raises(InvalidInput) as err:
        await contacts.rating(store, admin, "", "b")
    assert err.value.field == "from"
    with pytest.raises(InvalidInput) as err:
        await contacts.rating(store, admin, "a", " b")
    assert err.value.field == "to"


RATED = [
    ("me", "zoe", 2, Visibility.PUBLIC, ["Friends"]),
    ("me", "amy", 2, Visibility.PUBLIC, ["Vendors", "Friends"]),
    ("me", "Bob", 2, Visibility.PUBLIC, ["Vendors"]),
    ("me", "kim", 1, Visibility.PUBLIC, []),
    ("me", "é", 5, Visibility.PUBLIC, ["Friends"]),
    ("me", "lee", 4, Visibility.PUBLIC, ["Recruiters"]),
    ("kim", "me", 1, Visibility.PUBLIC, ["Friends"]),
]


async def test_ratings_of_is_strongest_first_then_by_to_id(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, RATED)
    page = await contacts.ratings_of(store, admin, "me")
    assert [(r.to_id, r.strength) for r in page.items] == [
        ("kim", 1),
        ("Bob", 2),
        ("amy", 2),
        ("zoe", 2),
        ("lee", 4),
        ("é", 5),
    ]
    assert page.next_cursor is None
    assert all(r.from_id == "me" for r in page.items)


async def test_ratings_of_filters(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, RATED)

    async def to_ids(max_strength: int | None = None, group: str | None = None) -> list[str]:
        page = await contacts.ratings_of(store, admin, "me", max_strength=max_strength, group=group)
        return [r.to_id for r in page.items]

    assert await to_ids(max_strength=2) == ["kim", "Bob", "amy", "zoe"]
    assert await to_ids(max_strength=1) == ["kim"]
    assert await to_ids(max_strength=5) == ["kim", "Bob", "amy", "zoe", "lee", "é"]
    assert await to_ids(group="Friends") == ["amy", "zoe", "é"]
    assert await to_ids(group="Vendors", max_strength=2) == ["Bob", "amy"]
    assert await to_ids(group="Nobody uses this") == []


async def test_ratings_of_pages(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, RATED)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        page = await contacts.ratings_of(store, admin, "me", first=4, after=cursor)
        seen.extend(r.to_id for r in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["kim", "Bob", "amy", "zoe", "lee", "é"]
    first = await contacts.ratings_of(store, admin, "me", first=2, max_strength=2)
    second = await contacts.ratings_of(
        store, admin, "me", first=2, max_strength=2, after=first.next_cursor
    )
    assert [r.to_id for r in first.items + second.items] == ["kim", "Bob", "amy", "zoe"]
    assert second.next_cursor is None


async def test_ratings_of_someone_without_ratings_is_empty(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, RATED)
    assert (await contacts.ratings_of(store, admin, "zoe")).items == ()
    assert (await contacts.ratings_of(store, admin, "nobody")).items == ()


async def test_ratings_of_bad_arguments(store: Store, admin: Viewer) -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"max_strength": 0}, "maxStrength"),
        ({"max_strength": 6}, "maxStrength"),
        ({"after": "garbage!"}, "after"),
        ({"after": "WyJwZW9wbGUiLCJhIiwiYiJd"}, "after"),  # a people cursor
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as err:
            await contacts.ratings_of(store, admin, "me", **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field, kwargs

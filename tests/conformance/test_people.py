"""People: upsert (KEEP and clearing), generated ids, batches, delete, person, search."""

from __future__ import annotations

import pytest

from service import contacts
from service.domain import Person, PersonFields, RatingFields, Viewer
from service.errors import InvalidBatch, InvalidInput
from service.store.base import Store

from .helpers import paths

FULL = PersonFields(
    id="alice",
    name="Alice Martin",
    headline="Engineer",
    company="Acme",
    location="Lyon",
    profile_url="https://example.org/alice",
)


async def test_upsert_person_creates_and_reads_back(store: Store, admin: Viewer) -> None:
    created = await contacts.upsert_person(store, admin, FULL)
    expected = Person(
        id="alice",
        name="Alice Martin",
        headline="Engineer",
        company="Acme",
        location="Lyon",
        profile_url="https://example.org/alice",
    )
    assert created == expected
    assert await contacts.person(store, "alice") == expected


async def test_upsert_person_without_optional_fields_leaves_them_null(
    store: Store, admin: Viewer
) -> None:
    created = await contacts.upsert_person(store, admin, PersonFields(id="bob", name="Bob"))
    assert created == Person(id="bob", name="Bob")
    assert await contacts.person(store, "bob") == Person(id="bob", name="Bob")


async def test_update_keeps_fields_not_given(store: Store, admin: Viewer) -> None:
    await contacts.upsert_person(store, admin, FULL)
    updated = await contacts.upsert_person(
        store, admin, PersonFields(id="alice", name="Alice M.", company="Initech")
    )
    expected = Person(
        id="alice",
        name="Alice M.",
        headline="Engineer",
        company="Initech",
        location="Lyon",
        profile_url="https://example.org/alice",
    )
    assert updated == expected
    assert await contacts.person(store, "alice") == expected


async def test_update_with_explicit_null_clears_the_field(store: Store, admin: Viewer) -> None:
    await contacts.upsert_person(store, admin, FULL)
    updated = await contacts.upsert_person(
        store,
        admin,
        PersonFields(id="alice", name="Alice Martin", headline=None, profile_url=None),
    )
    expected = Person(id="alice", name="Alice Martin", company="Acme", location="Lyon")
    assert updated == expected
    assert await contacts.person(store, "alice") == expected


async def test_update_keeps_the_persons_ratings(store: Store, admin: Viewer) -> None:
    await contacts.upsert_people(
        store, admin, [PersonFields(id="a", name="A"), PersonFields(id="b", name="B")]
    )
    await contacts.rate_connection(store, admin, RatingFields(from_id="a", to_id="b", strength=2))
    await contacts.upsert_person(store, admin, PersonFields(id="b", name="B renamed"))
    kept = await contacts.rating(store, admin, "a", "b")
    assert kept is not None and kept.strength == 2


async def test_name_is_trimmed_and_required(store: Store, admin: Viewer) -> None:
    created = await contacts.upsert_person(store, admin, PersonFields(id="c", name="  Carol  "))
    assert created.name == "Carol"
    with pytest.raises(InvalidInput) as err:
        await contacts.upsert_person(store, admin, PersonFields(id="d", name="   "))
    assert err.value.field == "name"
    assert await contacts.person(store, "d") is None


@pytest.mark.parametrize(
    "bad_id",
    ["", " alice", "alice ", "a\u0000b", "line\nbreak", "x" * 201],
    ids=["empty", "leading-space", "trailing-space", "nul", "newline", "too-long"],
)
async def test_invalid_person_ids_are_rejected(store: Store, admin: Viewer, bad_id: str) -> None:
    with pytest.raises(InvalidInput) as err:
        await contacts.upsert_person(store, admin, PersonFields(id=bad_id, name="X"))
    assert err.value.code == "BAD_USER_INPUT"
    assert err.value.field == "id"


async def test_ids_of_200_characters_and_any_script_are_accepted(
    store: Store, admin: Viewer
) -> None:
    ids = ["x" * 200, "linkedin:john-doe-1a2b3c", "Élodie Ñandú", "\ue000", "😀 smile", "a/b?c=d"]
    await contacts.upsert_people(store, admin, [PersonFields(id=i, name=i) for i in ids])
    for person_id in ids:
        found = await contacts.person(store, person_id)
        assert found is not None and found.id == person_id


async def test_upsert_without_id_generates_a_fresh_one(store: Store, admin: Viewer) -> None:
    first = await contacts.upsert_person(store, admin, PersonFields(name="Nameless"))
    second = await contacts.upsert_person(store, admin, PersonFields(name="Nameless"))
    assert first.id and second.id and first.id != second.id
    assert await contacts.person(store, first.id) == first
    assert await contacts.person(store, second.id) == second


async def test_upsert_people_stores_all_in_input_order(store: Store, admin: Viewer) -> None:
    batch = [PersonFields(id=i, name=f"N{i}") for i in ["zed", "amy", "kim"]]
    stored = await contacts.upsert_people(store, admin, batch)
    assert [p.id for p in stored] == ["zed", "amy", "kim"]
    for person_id in ["zed", "amy", "kim"]:
        assert await contacts.person(store, person_id) is not None


async def test_upsert_people_creates_and_updates_in_one_batch(store: Store, admin: Viewer) -> None:
    await contacts.upsert_person(store, admin, FULL)
    stored = await contacts.upsert_people(
        store,
        admin,
        [PersonFields(id="alice", name="Alice 2"), PersonFields(id="new", name="New")],
    )
    assert stored[0] == Person(
        id="alice",
        name="Alice 2",
        headline="Engineer",
        company="Acme",
        location="Lyon",
        profile_url="https://example.org/alice",
    )
    assert stored[1] == Person(id="new", name="New")


async def test_upsert_people_with_an_invalid_item_stores_nothing(
    store: Store, admin: Viewer
) -> None:
    await contacts.upsert_person(store, admin, PersonFields(id="keep", name="Kept"))
    batch = [
        PersonFields(id="ok1", name="Fine"),
        PersonFields(id="bad1", name=""),
        PersonFields(id="keep", name="Changed"),
        PersonFields(id=" bad2", name="X"),
        PersonFields(id="bad3", name="Y", profile_url="ftp://nope"),
    ]
    with pytest.raises(InvalidBatch) as err:
        await contacts.upsert_people(store, admin, batch)
    assert err.value.code == "BAD_USER_INPUT"
    assert [(i.index, i.field) for i in err.value.invalid] == [
        (1, "name"),
        (3, "id"),
        (4, "profileUrl"),
    ]
    assert await contacts.person(store, "ok1") is None
    kept = await contacts.person(store, "keep")
    assert kept is not None and kept.name == "Kept"


async def test_upsert_people_with_a_repeated_id_is_invalid(store: Store, admin: Viewer) -> None:
    batch = [PersonFields(id="a", name="A"), PersonFields(id="b", name="B")]
    with pytest.raises(InvalidBatch) as err:
        await contacts.upsert_people(store, admin, [*batch, PersonFields(id="a", name="A2")])
    assert [i.index for i in err.value.invalid] == [2]
    assert await contacts.person(store, "a") is None


async def test_upsert_people_batch_limit(store: Store, admin: Viewer) -> None:
    too_many = [PersonFields(id=f"p{i}", name="P") for i in range(5001)]
    with pytest.raises(InvalidInput) as err:
        await contacts.upsert_people(store, admin, too_many)
    assert err.value.code == "BAD_USER_INPUT"
    assert await contacts.person(store, "p0") is None
    stored = await contacts.upsert_people(store, admin, too_many[:5000])
    assert len(stored) == 5000
    assert await contacts.person(store, "p4999") is not None


async def test_person_that_does_not_exist_is_none(store: Store) -> None:
    assert await contacts.person(store, "nobody") is None


async def test_person_with_an_invalid_id_is_bad_input(store: Store) -> None:
    with pytest.raises(InvalidInput) as err:
        await contacts.person(store, "")
    assert err.value.field == "id"


async def test_delete_person_removes_them_and_every_rating_both_ways(
    store: Store, admin: Viewer
) -> None:
    await contacts.upsert_people(
        store, admin, [PersonFields(id=i, name=i.upper()) for i in ["a", "b", "c"]]
    )
    await contacts.rate_connections(
        store,
        admin,
        [
            RatingFields(from_id="a", to_id="b", strength=1),
            RatingFields(from_id="b", to_id="c", strength=1),
            RatingFields(from_id="c", to_id="b", strength=2),
            RatingFields(from_id="a", to_id="c", strength=4),
        ],
    )
    assert await contacts.delete_person(store, admin, "b") is True
    assert await contacts.person(store, "b") is None
    assert await contacts.rating(store, admin, "a", "b") is None
    assert await contacts.rating(store, admin, "c", "b") is None
    assert [r.to_id for r in (await contacts.ratings_of(store, admin, "a")).items] == ["c"]
    assert (await contacts.ratings_of(store, admin, "c")).items == ()
    # Re-creating the person must not bring old ratings back.
    await contacts.upsert_person(store, admin, PersonFields(id="b", name="B again"))
    assert await contacts.rating(store, admin, "a", "b") is None
    assert (await contacts.ratings_of(store, admin, "b")).items == ()
    found = await paths(store, admin, "a", "c")
    assert [p.people for p in found] == [("a", "c")]


async def test_delete_person_that_does_not_exist_is_false(store: Store, admin: Viewer) -> None:
    assert await contacts.delete_person(store, admin, "ghost") is False
    await contacts.upsert_person(store, admin, PersonFields(id="ghost", name="G"))
    assert await contacts.delete_person(store, admin, "ghost") is True
    assert await contacts.delete_person(store, admin, "ghost") is False


# --- search ---------------------------------------------------------------------------------


async def _load_people(store: Store, admin: Viewer, people: list[tuple[str, str]]) -> None:
    await contacts.upsert_people(store, admin, [PersonFields(id=i, name=n) for i, n in people])


async def _ids(store: Store, search: str | None, first: int = 100) -> list[str]:
    page = await contacts.people(store, search, first=first)
    return [p.id for p in page.items]


SEARCH_PEOPLE = [
    ("p1", "élodie Durand"),
    ("p2", "Elodie Smith"),
    ("p3", "Marc ÉLODIE"),
    ("linkedin:john-doe", "Zed Zimmer"),
    ("p5", "Johnny Cash"),
    ("linked", "Somebody"),
    ("p7", "Straße Müller"),
]


async def test_search_is_a_case_insensitive_substring_of_the_name(
    store: Store, admin: Viewer
) -> None:
    await _load_people(store, admin, SEARCH_PEOPLE)
    assert await _ids(store, "ÉLODIE") == ["p3", "p1"]  # "Marc" < "é" in code point order
    assert await _ids(store, "élodie") == ["p3", "p1"]
    assert await _ids(store, "lodie") == ["p2", "p3", "p1"]
    assert await _ids(store, "ELODIE") == ["p2"]
    assert await _ids(store, "jOHn") == ["p5"]
    assert await _ids(store, "MÜLLER") == ["p7"]
    assert await _ids(store, "nobody-matches-this") == []


async def test_search_matches_a_prefix_of_the_id(store: Store, admin: Viewer) -> None:
    await _load_people(store, admin, SEARCH_PEOPLE)
    assert await _ids(store, "linked") == ["linked", "linkedin:john-doe"]
    assert await _ids(store, "linkedin:") == ["linkedin:john-doe"]
    # "john-doe" is inside the id but is not a prefix of it, and not in any name.
    assert await _ids(store, "john-doe") == []


async def test_search_without_a_term_lists_everyone_by_name_then_id(
    store: Store, admin: Viewer
) -> None:
    people = [
        ("z1", "adam"),
        ("b2", "Bob"),
        ("b1", "Bob"),
        ("e", "Émile"),
        ("s", "😀 Smiley"),
        ("p", "\ue000 Private use"),
        ("y", "Zoe"),
    ]
    await _load_people(store, admin, people)
    expected = ["b1", "b2", "y", "z1", "e", "p", "s"]  # code point order, not a collation
    assert await _ids(store, None) == expected
    assert await _ids(store, "") == expected
    assert await _ids(store, "   ") == expected


async def test_search_pages_cover_everyone_once(store: Store, admin: Viewer) -> None:
    # Repeated names force the id to break ties across page boundaries.
    people = [(f"id-{i:02d}", f"Name {i % 4}") for i in range(23)]
    await _load_people(store, admin, people)
    expected = [p for p, _ in sorted(people, key=lambda item: (item[1], item[0]))]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await contacts.people(store, "name", first=5, after=cursor)
        pages += 1
        seen.extend(p.id for p in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
        assert pages < 10, "pagination does not end"
    assert seen == expected
    assert pages == 5


async def test_search_exact_last_page_has_no_cursor(store: Store, admin: Viewer) -> None:
    await _load_people(store, admin, [(f"x{i}", "Same") for i in range(4)])
    first = await contacts.people(store, None, first=2)
    assert [p.id for p in first.items] == ["x0", "x1"]
    assert first.next_cursor is not None
    second = await contacts.people(store, None, first=2, after=first.next_cursor)
    assert [p.id for p in second.items] == ["x2", "x3"]
    assert second.next_cursor is None


async def test_search_cursor_survives_a_delete_of_the_last_item(
    store: Store, admin: Viewer
) -> None:
    await _load_people(store, admin, [(f"x{i}", "Same") for i in range(4)])
    first = await contacts.people(store, None, first=2)
    await contacts.delete_person(store, admin, "x1")
    second = await contacts.people(store, None, first=2, after=first.next_cursor)
    assert [p.id for p in second.items] == ["x2", "x3"]


@pytest.mark.parametrize("cursor", ["not a cursor!", "AAAA", "WyJyYXRpbmdzIiwxLCJ4Il0"])
async def test_search_with_an_invalid_cursor_is_bad_input(store: Store, cursor: str) -> None:
    # The last one is a well-formed cursor of the ratings list, not of people.
    with pytest.raises(InvalidInput) as err:
        await contacts.people(store, None, first=5, after=cursor)
    assert err.value.field == "after"


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_search_first_out_of_range_is_bad_input(store: Store, first: int) -> None:
    with pytest.raises(InvalidInput) as err:
        await contacts.people(store, None, first=first)
    assert err.value.field == "first"


async def test_search_first_100_is_allowed(store: Store, admin: Viewer) -> None:
    await _load_people(store, admin, [(f"q{i:03d}", "Q") for i in range(105)])
    page = await contacts.people(store, None, first=100)
    assert len(page.items) == 100 and page.next_cursor is not None

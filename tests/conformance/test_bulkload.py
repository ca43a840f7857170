"""Bulk load through the store seam: `load_batch` and `load_checkpoint` on every store.

A batch is one transaction with its checkpoint: all of it or none of it, never twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from service import contacts
from service.domain import KEEP, PersonPatch, RatingDraft, Viewer, Visibility
from service.errors import NotFound
from service.store.base import LoadBatch, Store

from .helpers import paths

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
T1 = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
KEY = "load-key-1"


def person(person_id: str, **fields: str | None) -> PersonPatch:
    return PersonPatch(id=person_id, name=f"Name of {person_id}", **fields)  # type: ignore[arg-type]


def batch(
    number: int,
    people: tuple[PersonPatch, ...] = (),
    ratings: tuple[RatingDraft, ...] = (),
    *,
    key: str = KEY,
    now: datetime = T0,
) -> LoadBatch:
    return LoadBatch(key=key, number=number, people=people, ratings=ratings, now=now)


async def test_a_batch_writes_people_then_ratings_and_its_checkpoint(
    store: Store, admin: Viewer
) -> None:
    assert await store.load_checkpoint(KEY) is None
    first = batch(
        0,
        (person("a", company="Acme"), person("b"), person("c")),
        (
            RatingDraft(
                "a",
                "b",
                1,
                ("Friends",),
                "school",
                Visibility.PUBLIC,
                date(2010, 9, 1),
                date(2026, 1, 1),
            ),
            RatingDraft("b", "c", 2),
        ),
    )
    assert await store.load_batch(first) is True
    assert await store.load_checkpoint(KEY) == 0

    people = await store.get_people(["a", "b", "c"])
    assert sorted(people) == ["a", "b", "c"]
    assert people["a"].company == "Acme"
    rating = await contacts.rating(store, admin, "a", "b")
    assert rating is not None
    assert (rating.strength, rating.groups, rating.context) == (1, ("Friends",), "school")
    assert (rating.visibility, rating.since, rating.last_interaction) == (
        Visibility.PUBLIC,
        date(2010, 9, 1),
        date(2026, 1, 1),
    )
    assert rating.created_at == rating.updated_at == T0
    default = await contacts.rating(store, admin, "b", "c")
    assert default is not None and default.visibility is Visibility.CONNECTIONS
    # The path search sees what was loaded.
    found = await paths(store, admin, "a", "c")
    assert [p.people for p in found] == [("a", "b", "c")]
    assert [s.groups for s in found[0].steps] == [("Friends",), ()]


async def test_a_committed_batch_number_is_never_written_again(store: Store, admin: Viewer) -> None:
    assert await store.load_batch(batch(0, (person("a"), person("b")))) is True
    assert await store.load_batch(batch(1, ratings=(RatingDraft("a", "b", 3),))) is True
    # Batch 1 again, and batch 0, with other content: refused, nothing written.
    assert await store.load_batch(batch(1, (person("x"),), (RatingDraft("a", "b", 1),))) is False
    assert await store.load_batch(batch(0, (person("y"),), (RatingDraft("b", "a", 1),))) is False
    assert await store.load_checkpoint(KEY) == 1
    assert await store.get_people(["x", "y"]) == {}
    rating = await contacts.rating(store, admin, "a", "b")
    assert rating is not None and rating.strength == 3
    assert await contacts.rating(store, admin, "b", "a") is None
    # Batches may skip numbers; the checkpoint is the last committed one.
    assert await store.load_batch(batch(5, (person("z"),))) is True
    assert await store.load_checkpoint(KEY) == 5


async def test_loads_with_other_keys_have_their_own_checkpoints(store: Store) -> None:
    assert await store.load_batch(batch(3, (person("a"),))) is True
    assert await store.load_batch(batch(0, (person("b"),), key="other")) is True
    assert await store.load_checkpoint(KEY) == 3
    assert await store.load_checkpoint("other") == 0
    assert await store.load_checkpoint("never") is None


async def test_a_replaced_rating_keeps_created_at(store: Store, admin: Viewer) -> None:
    await store.load_batch(batch(0, (person("a"), person("b")), (RatingDraft("a", "b", 4),)))
    replaced = batch(1, ratings=(RatingDraft("a", "b", 2, ("Friends",)),), now=T1)
    assert await store.load_batch(replaced) is True
    rating = await contacts.rating(store, admin, "a", "b")
    assert rating is not None
    assert (rating.strength, rating.groups) == (2, ("Friends",))
    assert (rating.created_at, rating.updated_at) == (T0, T1)
    found = await paths(store, admin, "a", "b")
    assert [s.strength for s in found[0].steps] == [2]


async def test_a_person_patch_keeps_fields_it_does_not_name(store: Store) -> None:
    await store.load_batch(batch(0, (person("a", headline="CTO", company="Acme"),)))
    patch = PersonPatch(id="a", name="Ann", headline=KEEP, company=None)
    await store.load_batch(batch(1, (patch,)))
    stored = (await store.get_people(["a"]))["a"]
    assert (stored.name, stored.headline, stored.company) == ("Ann", "CTO", None)


async def test_a_rating_may_name_people_stored_earlier_or_in_its_own_batch(
    store: Store, admin: Viewer
) -> None:
    await store.load_batch(batch(0, (person("a"),)))
    await store.load_batch(batch(1, (person("b"),), (RatingDraft("a", "b", 2),)))
    assert await contacts.rating(store, admin, "a", "b") is not None


@pytest.mark.parametrize(
    ("draft", "field", "missing"),
    [
        (RatingDraft("a", "ghost", 2), "to", "ghost"),
        (RatingDraft("ghost", "a", 2), "from", "ghost"),
    ],
)
async def test_a_rating_naming_an_unknown_person_writes_nothing(
    store: Store, admin: Viewer, draft: RatingDraft, field: str, missing: str
) -> None:
    await store.load_batch(batch(0, (person("a"),)))
    bad = batch(1, (person("b"),), (RatingDraft("a", "b", 1), draft))
    with pytest.raises(NotFound) as caught:
        await store.load_batch(bad)
    assert (caught.value.field, caught.value.person_id, caught.value.index) == (
        field,
        missing,
        1,
    )
    assert await store.load_checkpoint(KEY) == 0
    assert await store.get_people(["b"]) == {}
    assert await contacts.rating(store, admin, "a", "b") is None
    # Fixed, the same batch number goes through.
    assert await store.load_batch(batch(1, (person("b"),), (RatingDraft("a", "b", 1),)))


async def test_loaded_batches_survive_a_restart(
    store: Store, store_factory: Callable[[], Store], admin: Viewer
) -> None:
    first = store_factory()
    await first.open()
    try:
        await first.load_batch(batch(0, (person("a"), person("b")), (RatingDraft("a", "b", 1),)))
    finally:
        await first.close()
    again = store_factory()
    await again.open()
    try:
        assert await again.load_checkpoint(KEY) == 0
        assert await again.load_batch(batch(0, (person("x"),))) is False
        found = await paths(again, admin, "a", "b")
        assert [p.people for p in found] == [("a", "b")]
    finally:
        await again.close()

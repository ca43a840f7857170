"""People and ratings use-cases: reads with cursors, validated writes with the viewer rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from service import cursors
from service.access import require_may_update_person, require_self_or_admin, resolve_from
from service.domain import (
    DEFAULT_PEOPLE_FIRST,
    DEFAULT_RATINGS_FIRST,
    Page,
    Person,
    PersonFields,
    Rating,
    RatingDraft,
    RatingFields,
    Viewer,
    collect_batch_errors,
    name_key,
    validate_batch_size,
    validate_first,
    validate_id,
    validate_person,
    validate_rating,
    validate_search,
    validate_strength,
)
from service.errors import InvalidInput, InvalidItem
from service.store.base import PeopleAfter, RatingsAfter, Store

T = TypeVar("T")
U = TypeVar("U")


def _validate_all(items: Sequence[T], check: Callable[[T], U]) -> list[U]:
    """Validate every item of a batch; report all bad items at once."""
    validate_batch_size(items)
    good: list[U] = []
    bad: list[InvalidItem] = []
    for index, item in enumerate(items):
        try:
            good.append(check(item))
        except InvalidInput as e:
            bad.append(InvalidItem(index=index, field=e.field, message=e.reason))
    collect_batch_errors(bad)
    return good


def _no_duplicates(keys: Sequence[object], field: str) -> None:
    seen: dict[object, int] = {}
    bad: list[InvalidItem] = []
    for index, key in enumerate(keys):
        if key in seen:
            bad.append(InvalidItem(index, field, f"repeats item {seen[key]} of this batch"))
        else:
            seen[key] = index
    collect_batch_errors(bad)


# --- people ---------------------------------------------------------------------------------


async def upsert_people(
    store: Store, viewer: Viewer, fields: Sequence[PersonFields]
) -> list[Person]:
    patches = _validate_all(fields, validate_person)
    _no_duplicates([p.id for p in patches], "id")
    existing = await store.get_people([p.id for p in patches])
    for patch in patches:
        require_may_update_person(viewer, patch.id, patch.id in existing)
    return await store.upsert_people(patches)


async def upsert_person(store: Store, viewer: Viewer, fields: PersonFields) -> Person:
    patch = validate_person(fields)
    existing = await store.get_people([patch.id])
    require_may_update_person(viewer, patch.id, patch.id in existing)
    (person,) = await store.upsert_people([patch])
    return person


async def delete_person(store: Store, viewer: Viewer, person_id: str) -> bool:
    validate_id(person_id)
    require_self_or_admin(viewer, person_id, "delete a person")
    return await store.delete_person(person_id)


async def person(store: Store, person_id: str) -> Person | None:
    validate_id(person_id)
    return (await store.get_people([person_id])).get(person_id)


async def people(
    store: Store, search: str | None, first: int = DEFAULT_PEOPLE_FIRST, after: str | None = None
) -> Page[Person]:
    """Name contains `search` (case-insensitive) or id starts with it; by name, then id."""
    validate_first(first)
    term = validate_search(search)
    found = await store.search_people(
        name_part=None if term is None else name_key(term),
        id_prefix=term,
        limit=first + 1,
        after=cursors.parse_people_cursor(after),
    )
    items = tuple(found[:first])
    more = len(found) > first
    next_cursor = cursors.people_cursor(PeopleAfter(items[-1].name, items[-1].id)) if more else None
    return Page(items=items, next_cursor=next_cursor)


# --- ratings --------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _draft(viewer: Viewer, fields: RatingFields) -> RatingDraft:
    return validate_rating(fields, resolve_from(viewer, fields.from_id))


async def rate_connections(
    store: Store, viewer: Viewer, fields: Sequence[RatingFields]
) -> list[Rating]:
    drafts = _validate_all(fields, lambda f: _draft(viewer, f))
    _no_duplicates([(d.from_id, d.to_id) for d in drafts], "to")
    for draft in drafts:
        require_self_or_admin(viewer, draft.from_id, "write ratings")
    if not drafts:
        return []
    return await store.put_ratings(drafts, _now())


async def rate_connection(store: Store, viewer: Viewer, fields: RatingFields) -> Rating:
    draft = _draft(viewer, fields)
    require_self_or_admin(viewer, draft.from_id, "write ratings")
    (rating,) = await store.put_ratings([draft], _now())
    return rating


async def remove_rating(store: Store, viewer: Viewer, from_id: str | None, to_id: str) -> bool:
    source = resolve_from(viewer, from_id)
    validate_id(to_id, "to")
    require_self_or_admin(viewer, source, "remove ratings")
    return await store.remove_rating(source, to_id)


async def rating(store: Store, viewer: Viewer, from_id: str, to_id: str) -> Rating | None:
    validate_id(from_id, "from")
    validate_id(to_id, "to")
    return await store.get_rating(from_id, to_id, viewer)


async def ratings_of(
    store: Store,
    viewer: Viewer,
    person_id: str,
    *,
    first: int = DEFAULT_RATINGS_FIRST,
    after: str | None = None,
    max_strength: int | None = None,
    group: str | None = None,
) -> Page[Rating]:
    """Ratings `person_id` gave that the viewer may see, strongest first."""
    validate_first(first)
    if max_strength is not None:
        validate_strength(max_strength, "maxStrength")
    label = None if group is None else group.strip() or None
    found = await store.ratings_by(
        person_id,
        viewer,
        limit=first + 1,
        after=cursors.parse_ratings_cursor(after),
        max_strength=max_strength,
        group=label,
    )
    items = tuple(found[:first])
    more = len(found) > first
    last = items[-1] if items else None
    next_cursor = (
        cursors.ratings_cursor(RatingsAfter(last.strength, last.to_id)) if more and last else None
    )
    return Page(items=items, next_cursor=next_cursor)

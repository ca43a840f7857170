"""Domain objects of tiegraph and the validation of every value a client sends.

Everything here is plain Python: frozen dataclasses that the stores return and the API
turns into GraphQL types. Validation raises `InvalidInput` naming the field (the GraphQL
name, such as ``strength`` or ``maxHops``), so both stores reject exactly the same inputs.
"""

from __future__ import annotations

import enum
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final, Generic, TypeAlias, TypeVar

from service.errors import InvalidBatch, InvalidInput, InvalidItem

# --- limits of API.md (and the ones it leaves to us, documented in docs/contract.md) ---
ID_MAX_LENGTH: Final = 200
NAME_MAX_LENGTH: Final = 200
TEXT_MAX_LENGTH: Final = 500  # headline, company, location
URL_MAX_LENGTH: Final = 2048
CONTEXT_MAX_LENGTH: Final = 2000
GROUP_MAX_LENGTH: Final = 64
GROUPS_MAX_COUNT: Final = 20
STRENGTH_MIN: Final = 1
STRENGTH_MAX: Final = 5
MAX_HOPS_LIMIT: Final = 4
FIRST_LIMIT: Final = 100
AVOID_LIMIT: Final = 100
BATCH_LIMIT: Final = 5000
SEARCH_MAX_LENGTH: Final = 200

# --- argument defaults of API.md: the resolvers' signatures and the use-cases both read these
DEFAULT_PEOPLE_FIRST: Final = 20
DEFAULT_RATINGS_FIRST: Final = 50
DEFAULT_INTRODUCERS_FIRST: Final = 10
DEFAULT_WARM_PATHS_FIRST: Final = 5
DEFAULT_MAX_HOPS: Final = 3
DEFAULT_MAX_STRENGTH: Final = STRENGTH_MAX


class Visibility(enum.Enum):
    """Who may see a rating. CONNECTIONS: the rater and the people the rater has rated."""

    PUBLIC = "PUBLIC"
    CONNECTIONS = "CONNECTIONS"
    PRIVATE = "PRIVATE"


class Role(enum.Enum):
    USER = "user"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking. `person_id` is None only for an admin without identity (``--dev``)."""

    person_id: str | None
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @classmethod
    def dev(cls) -> Viewer:
        """The viewer of ``--dev`` mode: no identity, sees every rating."""
        return cls(person_id=None, role=Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    headline: str | None = None
    company: str | None = None
    location: str | None = None
    profile_url: str | None = None


@dataclass(frozen=True, slots=True)
class RatingVersion:
    """An earlier version of a rating, kept when it was replaced; `changed_at` is when that
    version was written (its `updated_at` then)."""

    strength: int
    groups: tuple[str, ...]
    visibility: Visibility
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class Rating:
    """How well `from_id` knows `to_id`, in from's own words. Lower strength = stronger tie."""

    from_id: str
    to_id: str
    strength: int
    groups: tuple[str, ...]
    context: str | None
    visibility: Visibility
    since: date | None
    last_interaction: date | None
    created_at: datetime
    updated_at: datetime
    # False for a rating an import made that its rater has not confirmed yet.
    reviewed: bool = True
    # Earlier versions, oldest first.
    history: tuple[RatingVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a path, from `from_id` to `to_id`, using the rating made by `rated_by`."""

    from_id: str
    to_id: str
    strength: int
    rated_by: str
    groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Path:
    """A simple path; `score` is filled in by `service.scoring`.

    `known`: people of the path that the store read along with it (any, all or none), so that
    showing them needs no second read; not part of the path's value.
    """

    people: tuple[str, ...]
    steps: tuple[Step, ...]
    score: float = 0.0
    known: tuple[Person, ...] = field(default=(), compare=False)

    @property
    def hops(self) -> int:
        return len(self.steps)


@dataclass(frozen=True, slots=True)
class Introducer:
    person_id: str
    to_introducer: Step
    to_target: Step
    score: float
    known: tuple[Person, ...] = field(default=(), compare=False)  # as `Path.known`


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None


# --- inputs -------------------------------------------------------------------------------


class _Keep(enum.Enum):
    """Marks an input field the client did not send: the stored value is kept."""

    KEEP = "KEEP"


KEEP: Final = _Keep.KEEP
MaybeText: TypeAlias = str | None | _Keep


@dataclass(frozen=True, slots=True)
class PersonFields:
    """A `PersonInput` as the API received it; KEEP marks a field that was not sent."""

    name: str
    id: str | None = None
    headline: MaybeText = KEEP
    company: MaybeText = KEEP
    location: MaybeText = KEEP
    profile_url: MaybeText = KEEP


@dataclass(frozen=True, slots=True)
class RatingFields:
    """A `RatingInput` as the API received it (`from_id` None: the viewer)."""

    to_id: str
    strength: int
    from_id: str | None = None
    groups: Sequence[str] | None = None
    context: str | None = None
    visibility: Visibility | None = None
    since: date | None = None
    last_interaction: date | None = None


@dataclass(frozen=True, slots=True)
class PersonPatch:
    """A validated `PersonInput`: `KEEP` fields leave the stored value as it was."""

    id: str
    name: str
    headline: MaybeText = KEEP
    company: MaybeText = KEEP
    location: MaybeText = KEEP
    profile_url: MaybeText = KEEP

    def apply(self, existing: Person | None) -> Person:
        """The person as stored after this patch."""

        def pick(new: MaybeText, old: str | None) -> str | None:
            return old if new is KEEP else new

        base = existing or Person(id=self.id, name=self.name)
        return Person(
            id=self.id,
            name=self.name,
            headline=pick(self.headline, base.headline),
            company=pick(self.company, base.company),
            location=pick(self.location, base.location),
            profile_url=pick(self.profile_url, base.profile_url),
        )


@dataclass(frozen=True, slots=True)
class RatingDraft:
    """A validated `RatingInput` with `from` resolved; the store stamps the times."""

    from_id: str
    to_id: str
    strength: int
    groups: tuple[str, ...] = ()
    context: str | None = None
    visibility: Visibility = Visibility.CONNECTIONS
    since: date | None = None
    last_interaction: date | None = None
    reviewed: bool = True

    def stamped(
        self,
        created_at: datetime,
        updated_at: datetime,
        history: tuple[RatingVersion, ...] = (),
    ) -> Rating:
        return Rating(
            from_id=self.from_id,
            to_id=self.to_id,
            strength=self.strength,
            groups=self.groups,
            context=self.context,
            visibility=self.visibility,
            since=self.since,
            last_interaction=self.last_interaction,
            created_at=created_at,
            updated_at=updated_at,
            reviewed=self.reviewed,
            history=history,
        )


@dataclass(frozen=True, slots=True)
class PathQuery:
    """A validated path question, as the stores receive it.

    The store returns every simple path from `source` to `target` with `min_hops` to
    `max_hops` steps that obeys the traversal rule for `viewer`, `max_strength` and `avoid`,
    *or* a subset of them that surely contains the best `first` under `service.scoring`.
    """

    source: str
    target: str
    min_hops: int
    max_hops: int
    first: int
    max_strength: int
    avoid: frozenset[str] = field(default_factory=frozenset)


# --- validation ---------------------------------------------------------------------------


# Exactly the characters of categories Cc and Cs: one regex scan instead of a call per
# character (an import validates hundreds of thousands of fields).
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def validate_id(value: str, field_name: str = "id") -> str:
    """Check a person id: 1-200 characters, no control characters, no outer space."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(field_name, "must be a non-empty string of 1-200 characters")
    if len(value) > ID_MAX_LENGTH:
        raise InvalidInput(field_name, f"must be at most {ID_MAX_LENGTH} characters")
    if _has_control(value):
        raise InvalidInput(field_name, "must not contain control characters")
    if value != value.strip():
        raise InvalidInput(field_name, "must not start or end with white space")
    return value


def new_person_id() -> str:
    """An id for `upsertPerson` without one."""
    return f"p-{uuid.uuid4().hex}"


def _text(value: str | None, field_name: str, limit: int, *, required: bool = False) -> str | None:
    """Trim a free-text field; empty means absent, unless the field is required."""
    if value is None:
        if required:
            raise InvalidInput(field_name, "is required")
        return None
    trimmed = value.strip()
    if not trimmed:
        if required:
            raise InvalidInput(field_name, "must not be empty")
        return None
    if len(trimmed) > limit:
        raise InvalidInput(field_name, f"must be at most {limit} characters")
    if _has_control(trimmed.replace("\n", "").replace("\t", "")):
        raise InvalidInput(field_name, "must not contain control characters")
    return trimmed


def _maybe_text(value: MaybeText, field_name: str, limit: int) -> MaybeText:
    return KEEP if value is KEEP else _text(value, field_name, limit)


def _url(value: MaybeText) -> MaybeText:
    url = _maybe_text(value, "profileUrl", URL_MAX_LENGTH)
    if isinstance(url, str) and not url.lower().startswith(("http://", "https://")):
        raise InvalidInput("profileUrl", "must be an http:// or https:// URL")
    return url


def validate_person(fields: PersonFields) -> PersonPatch:
    """Validate a `PersonInput`; a missing id is generated."""
    person_id = new_person_id() if fields.id is None else validate_id(fields.id)
    checked_name = _text(fields.name, "name", NAME_MAX_LENGTH, required=True)
    assert checked_name is not None
    return PersonPatch(
        id=person_id,
        name=checked_name,
        headline=_maybe_text(fields.headline, "headline", TEXT_MAX_LENGTH),
        company=_maybe_text(fields.company, "company", TEXT_MAX_LENGTH),
        location=_maybe_text(fields.location, "location", TEXT_MAX_LENGTH),
        profile_url=_url(fields.profile_url),
    )


def validate_strength(value: int, field_name: str = "strength") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field_name, "must be an integer from 1 to 5")
    if not STRENGTH_MIN <= value <= STRENGTH_MAX:
        raise InvalidInput(
            field_name, f"must be an integer from 1 (closest) to 5 (never met), got {value}"
        )
    return value


def validate_groups(groups: Sequence[str] | None) -> tuple[str, ...]:
    """Trim, drop empty and duplicate labels (first spelling wins), at most 20."""
    if groups is None:
        return ()
    kept: list[str] = []
    for raw in groups:
        label = raw.strip() if isinstance(raw, str) else raw
        if not isinstance(label, str) or not label:
            raise InvalidInput("groups", "each group must be 1-64 characters of text")
        if len(label) > GROUP_MAX_LENGTH:
            raise InvalidInput(
                "groups", f"each group must be at most {GROUP_MAX_LENGTH} characters"
            )
        if _has_control(label):
            raise InvalidInput("groups", "groups must not contain control characters")
        if label not in kept:
            kept.append(label)
    if len(kept) > GROUPS_MAX_COUNT:
        raise InvalidInput("groups", f"at most {GROUPS_MAX_COUNT} groups per rating")
    return tuple(kept)


def validate_rating(fields: RatingFields, from_id: str) -> RatingDraft:
    """Validate a `RatingInput`; `from_id` is its `from`, already resolved to a person id
    (`service.access.resolve_from`), so `fields.from_id` is not read."""
    validate_id(from_id, "from")
    validate_id(fields.to_id, "to")
    if from_id == fields.to_id:
        raise InvalidInput("to", "a person cannot rate themselves (from = to)")
    return RatingDraft(
        from_id=from_id,
        to_id=fields.to_id,
        strength=validate_strength(fields.strength),
        groups=validate_groups(fields.groups),
        context=_text(fields.context, "context", CONTEXT_MAX_LENGTH),
        visibility=fields.visibility or Visibility.CONNECTIONS,
        since=fields.since,
        last_interaction=fields.last_interaction,
    )


def validate_batch_size(items: Sequence[object], field_name: str = "input") -> None:
    if len(items) > BATCH_LIMIT:
        raise InvalidInput(
            field_name, f"a batch holds at most {BATCH_LIMIT} items, got {len(items)}"
        )


def collect_batch_errors(errors: list[InvalidItem], field_name: str = "input") -> None:
    """Raise one `InvalidBatch` listing every bad item, if there are any."""
    if errors:
        raise InvalidBatch(field_name, errors)


def validate_range(value: int, field_name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(field_name, f"must be an integer from {low} to {high}, got {value!r}")
    return value


def validate_first(value: int) -> int:
    return validate_range(value, "first", 1, FIRST_LIMIT)


def validate_path_query(
    *,
    source: str,
    target: str,
    max_hops: int,
    first: int,
    max_strength: int,
    avoid: Sequence[str] = (),
    min_hops: int = 1,
) -> PathQuery:
    """Validate the arguments of `warmPaths` / `introducers`."""
    validate_id(source, "from")
    validate_id(target, "target")
    if source == target:
        raise InvalidInput("target", "must differ from `from`")
    validate_range(max_hops, "maxHops", 1, MAX_HOPS_LIMIT)
    validate_first(first)
    validate_range(max_strength, "maxStrength", STRENGTH_MIN, STRENGTH_MAX)
    if len(avoid) > AVOID_LIMIT:
        raise InvalidInput("avoid", f"at most {AVOID_LIMIT} ids, got {len(avoid)}")
    for person_id in avoid:
        validate_id(person_id, "avoid")
    return PathQuery(
        source=source,
        target=target,
        min_hops=min_hops,
        max_hops=max_hops,
        first=first,
        max_strength=max_strength,
        avoid=frozenset(avoid) - {source, target},
    )


def validate_search(search: str | None) -> str | None:
    """`people(search:)`: trimmed; empty means everyone."""
    if search is None:
        return None
    trimmed = search.strip()
    if len(trimmed) > SEARCH_MAX_LENGTH:
        raise InvalidInput("search", f"must be at most {SEARCH_MAX_LENGTH} characters")
    return trimmed or None


def name_key(text: str) -> str:
    """A casefolded form of a name, for case-insensitive search in every store."""
    return unicodedata.normalize("NFKC", text).casefold()


def sort_key(text: str) -> str:
    """A string whose order is the Unicode code point order of `text` in every store.

    Neo4j compares strings by UTF-16 code units, which puts U+E000..U+FFFF after astral
    characters; UTF-8 bytes read as Latin-1 compare by code point everywhere.
    """
    return text.encode("utf-8").decode("latin-1")

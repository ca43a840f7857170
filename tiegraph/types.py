"""What the tiegraph API answers, as typed frozen dataclasses, and the inputs of its writes.

Field names are Python's (``profile_url``, ``from_id``); people inside ratings and paths are
given by id (``from_id``, ``rated_by``), people of a path or an introducer in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Visibility(StrEnum):
    PUBLIC = "PUBLIC"
    CONNECTIONS = "CONNECTIONS"
    PRIVATE = "PRIVATE"


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    headline: str | None = None
    company: str | None = None
    location: str | None = None
    profile_url: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Person:
        return cls(
            id=data["id"],
            name=data["name"],
            headline=data.get("headline"),
            company=data.get("company"),
            location=data.get("location"),
            profile_url=data.get("profileUrl"),
        )


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Rating:
    """How well `from_id` knows `to_id`: strength 1 (closest) .. 5 (never met)."""

    from_id: str
    to_id: str
    strength: int
    groups: tuple[str, ...]
    visibility: Visibility
    created_at: datetime
    updated_at: datetime
    context: str | None = None
    since: date | None = None
    last_interaction: date | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rating:
        return cls(
            from_id=data["from"]["id"],
            to_id=data["to"]["id"],
            strength=data["strength"],
            groups=tuple(data["groups"]),
            visibility=Visibility(data["visibility"]),
            created_at=datetime.fromisoformat(data["createdAt"]),
            updated_at=datetime.fromisoformat(data["updatedAt"]),
            context=data.get("context"),
            since=_date(data.get("since")),
            last_interaction=_date(data.get("lastInteraction")),
        )


@dataclass(frozen=True, slots=True)
class PersonPage:
    items: tuple[Person, ...]
    next_cursor: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PersonPage:
        return cls(tuple(Person.from_json(p) for p in data["items"]), data["nextCursor"])


@dataclass(frozen=True, slots=True)
class RatingPage:
    items: tuple[Rating, ...]
    next_cursor: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RatingPage:
        return cls(tuple(Rating.from_json(r) for r in data["items"]), data["nextCursor"])


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of a path; `rated_by` is `from_id`, or `to_id` when only the reverse rating
    exists."""

    from_id: str
    to_id: str
    strength: int
    rated_by: str
    groups: tuple[str, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PathStep:
        return cls(
            from_id=data["from"]["id"],
            to_id=data["to"]["id"],
            strength=data["strength"],
            rated_by=data["ratedBy"]["id"],
            groups=tuple(data["groups"]),
        )


@dataclass(frozen=True, slots=True)
class Introducer:
    person: Person
    to_introducer: PathStep
    to_target: PathStep
    score: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Introducer:
        return cls(
            person=Person.from_json(data["person"]),
            to_introducer=PathStep.from_json(data["toIntroducer"]),
            to_target=PathStep.from_json(data["toTarget"]),
            score=data["score"],
        )


@dataclass(frozen=True, slots=True)
class WarmPath:
    people: tuple[Person, ...]
    steps: tuple[PathStep, ...]
    hops: int
    score: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WarmPath:
        return cls(
            people=tuple(Person.from_json(p) for p in data["people"]),
            steps=tuple(PathStep.from_json(s) for s in data["steps"]),
            hops=data["hops"],
            score=data["score"],
        )


@dataclass(frozen=True, slots=True)
class RateResult:
    count: int
    ratings: tuple[Rating, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RateResult:
        return cls(data["count"], tuple(Rating.from_json(r) for r in data["ratings"]))


# --- inputs ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PersonInput:
    """A person to create or update; a field left None keeps its stored value. Without an
    `id` the service generates one (and the write is then not idempotent)."""

    name: str
    id: str | None = None
    headline: str | None = None
    company: str | None = None
    location: str | None = None
    profile_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        fields = {
            "id": self.id,
            "name": self.name,
            "headline": self.headline,
            "company": self.company,
            "location": self.location,
            "profileUrl": self.profile_url,
        }
        return {key: value for key, value in fields.items() if value is not None}


@dataclass(frozen=True, slots=True)
class RatingInput:
    """How well `from_` knows `to`; `from_` None means the token's viewer."""

    to: str
    strength: int
    from_: str | None = None
    groups: Sequence[str] | None = None
    context: str | None = None
    visibility: Visibility | str | None = None
    since: date | None = None
    last_interaction: date | None = None

    def to_json(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "from": self.from_,
            "to": self.to,
            "strength": self.strength,
            "groups": None if self.groups is None else list(self.groups),
            "context": self.context,
            "visibility": None if self.visibility is None else str(self.visibility),
            "since": None if self.since is None else self.since.isoformat(),
            "lastInteraction": (
                None if self.last_interaction is None else self.last_interaction.isoformat()
            ),
        }
        return {key: value for key, value in fields.items() if value is not None}

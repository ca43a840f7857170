"""The GraphQL documents the client sends, each with how to read its answer and whether it
may be retried when its outcome is unknown.

Retry safety (`Safety`):

- ``SAFE``: reads, and writes whose repetition leaves the same state: `upsert_person` /
  `upsert_people` with every id given, `remove_rating`, `delete_person`. Retried on
  SERVICE_UNAVAILABLE and on any transport failure (connection refused or reset, timeouts).
  A repeated `remove_rating` / `delete_person` whose first attempt did remove may answer
  False.
- ``UNSAFE``: `rate` / `rate_many` (a replace bumps `updatedAt`, and keeps a history of
  versions where the service has one) and `upsert_person` / `upsert_people` with an item
  without id (each attempt creates a person), and `execute` (unknown document). Retried only
  when the service says SERVICE_UNAVAILABLE (it guarantees nothing was written) or when the
  connection was never made (the request was not sent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from tiegraph.types import (
    Introducer,
    Person,
    PersonInput,
    PersonPage,
    RateResult,
    Rating,
    RatingInput,
    RatingPage,
    WarmPath,
)

T = TypeVar("T")


class Safety(Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Operation(Generic[T]):
    name: str
    document: str
    variables: dict[str, Any]
    read: Callable[[dict[str, Any]], T]
    safety: Safety

    def body(self) -> dict[str, Any]:
        body = {"query": self.document, "variables": self.variables}
        return {**body, "operationName": self.name} if self.name else body


PERSON = "fragment P on Person { id name headline company location profileUrl }"
RATING = (
    "fragment R on Rating { from { id } to { id } strength groups context visibility since "
    "lastInteraction createdAt updatedAt }"
)
STEP = "fragment S on PathStep { from { id } to { id } strength ratedBy { id } groups }"


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def person(person_id: str) -> Operation[Person | None]:
    def read(data: dict[str, Any]) -> Person | None:
        found = data["person"]
        return None if found is None else Person.from_json(found)

    document = f"query Person($id: ID!) {{ person(id: $id) {{ ...P }} }} {PERSON}"
    return Operation("Person", document, {"id": person_id}, read, Safety.SAFE)


def people(search: str | None, first: int | None, after: str | None) -> Operation[PersonPage]:
    document = (
        "query People($search: String, $first: Int, $after: String) "
        "{ people(search: $search, first: $first, after: $after) "
        f"{{ items {{ ...P }} nextCursor }} }} {PERSON}"
    )
    variables = _given(search=search, first=first, after=after)
    return Operation(
        "People", document, variables, lambda d: PersonPage.from_json(d["people"]), Safety.SAFE
    )


def rating(from_id: str, to_id: str) -> Operation[Rating | None]:
    def read(data: dict[str, Any]) -> Rating | None:
        found = data["rating"]
        return None if found is None else Rating.from_json(found)

    document = (
        f"query Rating($from: ID!, $to: ID!) {{ rating(from: $from, to: $to) {{ ...R }} }} {RATING}"
    )
    return Operation("Rating", document, {"from": from_id, "to": to_id}, read, Safety.SAFE)


def ratings(
    person_id: str,
    first: int | None,
    after: str | None,
    max_strength: int | None,
    group: str | None,
) -> Operation[RatingPage | None]:
    def read(data: dict[str, Any]) -> RatingPage | None:
        found = data["person"]
        return None if found is None else RatingPage.from_json(found["ratings"])

    document = (
        "query Ratings($id: ID!, $first: Int, $after: String, $maxStrength: Int, "
        "$group: String) { person(id: $id) { ratings(first: $first, after: $after, "
        "maxStrength: $maxStrength, group: $group) { items { ...R } nextCursor } } } " + RATING
    )
    variables = _given(
        id=person_id, first=first, after=after, maxStrength=max_strength, group=group
    )
    return Operation("Ratings", document, variables, read, Safety.SAFE)


def introducers(
    target: str, from_id: str | None, first: int | None, max_strength: int | None
) -> Operation[list[Introducer]]:
    document = (
        "query Introducers($from: ID, $target: ID!, $first: Int, $maxStrength: Int) "
        "{ introducers(from: $from, target: $target, first: $first, maxStrength: $maxStrength) "
        "{ person { ...P } toIntroducer { ...S } toTarget { ...S } score } } "
        f"{PERSON} {STEP}"
    )
    variables = _given(target=target, first=first, maxStrength=max_strength)
    variables["from"] = from_id
    return Operation(
        "Introducers",
        document,
        variables,
        lambda d: [Introducer.from_json(i) for i in d["introducers"]],
        Safety.SAFE,
    )


def warm_paths(
    target: str,
    from_id: str | None,
    max_hops: int | None,
    first: int | None,
    max_strength: int | None,
    avoid: Sequence[str],
) -> Operation[list[WarmPath]]:
    document = (
        "query WarmPaths($from: ID, $target: ID!, $maxHops: Int, $first: Int, "
        "$maxStrength: Int, $avoid: [ID!]) { warmPaths(from: $from, target: $target, "
        "maxHops: $maxHops, first: $first, maxStrength: $maxStrength, avoid: $avoid) "
        f"{{ people {{ ...P }} steps {{ ...S }} hops score }} }} {PERSON} {STEP}"
    )
    variables = _given(target=target, maxHops=max_hops, first=first, maxStrength=max_strength)
    variables["from"] = from_id
    variables["avoid"] = list(avoid)
    return Operation(
        "WarmPaths",
        document,
        variables,
        lambda d: [WarmPath.from_json(p) for p in d["warmPaths"]],
        Safety.SAFE,
    )


def mutual_connections(a: str, b: str) -> Operation[list[Person]]:
    document = (
        f"query Mutual($a: ID!, $b: ID!) {{ mutualConnections(a: $a, b: $b) {{ ...P }} }} {PERSON}"
    )
    return Operation(
        "Mutual",
        document,
        {"a": a, "b": b},
        lambda d: [Person.from_json(p) for p in d["mutualConnections"]],
        Safety.SAFE,
    )


def upsert_people(inputs: Sequence[PersonInput]) -> Operation[list[Person]]:
    document = (
        "mutation UpsertPeople($input: [PersonInput!]!) "
        f"{{ upsertPeople(input: $input) {{ ...P }} }} {PERSON}"
    )
    safety = Safety.SAFE if all(p.id is not None for p in inputs) else Safety.UNSAFE
    return Operation(
        "UpsertPeople",
        document,
        {"input": [p.to_json() for p in inputs]},
        lambda d: [Person.from_json(p) for p in d["upsertPeople"]],
        safety,
    )


def upsert_person(data: PersonInput) -> Operation[Person]:
    document = (
        "mutation UpsertPerson($input: PersonInput!) "
        f"{{ upsertPerson(input: $input) {{ ...P }} }} {PERSON}"
    )
    safety = Safety.SAFE if data.id is not None else Safety.UNSAFE
    return Operation(
        "UpsertPerson",
        document,
        {"input": data.to_json()},
        lambda d: Person.from_json(d["upsertPerson"]),
        safety,
    )


def rate(data: RatingInput) -> Operation[Rating]:
    document = (
        "mutation Rate($input: RatingInput!) "
        f"{{ rateConnection(input: $input) {{ ...R }} }} {RATING}"
    )
    return Operation(
        "Rate",
        document,
        {"input": data.to_json()},
        lambda d: Rating.from_json(d["rateConnection"]),
        Safety.UNSAFE,
    )


def rate_many(inputs: Sequence[RatingInput]) -> Operation[RateResult]:
    document = (
        "mutation RateMany($input: [RatingInput!]!) "
        f"{{ rateConnections(input: $input) {{ count ratings {{ ...R }} }} }} {RATING}"
    )
    return Operation(
        "RateMany",
        document,
        {"input": [r.to_json() for r in inputs]},
        lambda d: RateResult.from_json(d["rateConnections"]),
        Safety.UNSAFE,
    )


def remove_rating(to_id: str, from_id: str | None) -> Operation[bool]:
    document = "mutation RemoveRating($from: ID, $to: ID!) { removeRating(from: $from, to: $to) }"
    return Operation(
        "RemoveRating",
        document,
        {"from": from_id, "to": to_id},
        lambda d: bool(d["removeRating"]),
        Safety.SAFE,
    )


def delete_person(person_id: str) -> Operation[bool]:
    document = "mutation DeletePerson($id: ID!) { deletePerson(id: $id) }"
    return Operation(
        "DeletePerson", document, {"id": person_id}, lambda d: bool(d["deletePerson"]), Safety.SAFE
    )


def raw(
    document: str, variables: dict[str, Any] | None, operation_name: str | None
) -> Operation[dict[str, Any]]:
    return Operation(
        operation_name or "",
        document,
        variables or {},
        lambda d: d,
        Safety.UNSAFE,
    )

"""`builds_from_leaves` builds the same input objects as Strawberry's own conversion."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
import strawberry
from strawberry.types.arguments import convert_argument
from strawberry.types.base import get_object_definition

from service.api.leaf_inputs import builds_from_leaves
from service.api.schema import build_schema
from service.api.types import PersonInput, RatingInput, VisibilityType

SCHEMA = build_schema()


@contextmanager
def strawberry_default(cls: type) -> Iterator[None]:
    """Strawberry's field-by-field conversion for `cls`, for the duration."""
    definition = get_object_definition(cls, strict=True)
    saved, definition.from_input = definition.from_input, None
    try:
        yield
    finally:
        definition.from_input = saved


def convert(value: dict[str, Any], cls: type) -> Any:
    registry = SCHEMA.schema_converter.scalar_registry
    return convert_argument(value, cls, registry, SCHEMA.config)


# Values as graphql-core hands them over: scalars and enums already coerced, omitted fields
# absent unless the schema publishes a default (`visibility`).
RATINGS = [
    {"to": "b", "strength": 2, "visibility": VisibilityType.CONNECTIONS},
    {
        "from": "a",
        "to": "b",
        "strength": 5,
        "groups": ["Friends", "Vendors"],
        "context": "met at a conference",
        "visibility": VisibilityType.PRIVATE,
        "since": date(2020, 1, 2),
        "lastInteraction": date(2026, 11, 1),
    },
    {"to": "b", "strength": 1, "groups": None, "context": None, "visibility": None, "since": None},
    {"to": "b", "strength": 3, "groups": [], "visibility": VisibilityType.PUBLIC},
]
PEOPLE = [
    {"name": "Ana"},
    {"id": "p1", "name": "Ana", "headline": None, "company": "Acme", "location": ""},
    {"name": "Bo", "profileUrl": "https://example.com/bo"},
]


@pytest.mark.parametrize("value", RATINGS)
def test_a_rating_input_is_built_as_strawberry_builds_it(value: dict[str, Any]) -> None:
    fast = convert(value, RatingInput)
    with strawberry_default(RatingInput):
        slow = convert(value, RatingInput)
    assert type(fast) is RatingInput
    assert vars(fast) == vars(slow)
    assert fast.to_fields() == slow.to_fields()


@pytest.mark.parametrize("value", PEOPLE)
def test_a_person_input_is_built_as_strawberry_builds_it(value: dict[str, Any]) -> None:
    fast = convert(value, PersonInput)
    with strawberry_default(PersonInput):
        slow = convert(value, PersonInput)
    assert vars(fast) == vars(slow)


def test_a_list_field_is_a_copy() -> None:
    groups = ["Friends"]
    built = convert({"to": "b", "strength": 1, "groups": groups}, RatingInput)
    assert built.groups == groups
    assert built.groups is not groups


def test_an_input_with_a_nested_input_is_refused() -> None:
    @strawberry.input
    class Inner:
        x: int

    @strawberry.input
    class Outer:
        inner: Inner

    with pytest.raises(TypeError, match=r"Outer\.inner"):
        builds_from_leaves(Outer)

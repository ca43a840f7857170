"""The checked-in schema.graphql is the schema the service serves, and it keeps the contract."""

from __future__ import annotations

import re
from pathlib import Path

from service.api.schema import sdl

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "regenerate it: tiegraph export-schema > schema.graphql"


def test_schema_graphql_is_current() -> None:
    checked_in = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert checked_in == sdl(), f"schema.graphql is stale; {REGENERATE}"


def compact(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_contract_signatures_are_present() -> None:
    """Spot checks of API.md's SDL: names, defaults and nullability that clients rely on."""
    schema = compact(sdl())
    for line in [
        "scalar Date",
        "scalar DateTime",
        "enum Visibility { PUBLIC CONNECTIONS PRIVATE }",
        "ratings(first: Int = 50, after: String, maxStrength: Int, group: String): RatingPage!",
        "people(search: String, first: Int = 20, after: String): PersonPage!",
        "rating(from: ID!, to: ID!): Rating",
        "introducers(from: ID, target: ID!, first: Int = 10, maxStrength: Int = 5): [Introducer!]!",
        "warmPaths(from: ID, target: ID!, maxHops: Int = 3, first: Int = 5, maxStrength: Int = 5, "
        "avoid: [ID!] = []): [WarmPath!]!",
        "mutualConnections(a: ID!, b: ID!): [Person!]!",
        "visibility: Visibility = CONNECTIONS",
        "upsertPerson(input: PersonInput!): Person!",
        "upsertPeople(input: [PersonInput!]!): [Person!]!",
        "rateConnection(input: RatingInput!): Rating!",
        "rateConnections(input: [RatingInput!]!): RateConnectionsResult!",
        "removeRating(from: ID, to: ID!): Boolean!",
        "deletePerson(id: ID!): Boolean!",
        "type RateConnectionsResult { count: Int! ratings: [Rating!]! }",
        "type RatingPage { items: [Rating!]! nextCursor: String }",
        "type PersonPage { items: [Person!]! nextCursor: String }",
        '"""to\'s rating of from, when it exists and is visible.""" reciprocal: Rating',
    ]:
        assert compact(line) in schema, line

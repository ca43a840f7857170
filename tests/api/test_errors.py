"""Error shapes: every limit of API.md, invalid types, NOT_FOUND, and the query limits."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError

from service.api.errors import present
from tests.support.api import Api, running, settings_for

WARM = '{ warmPaths(from: "alice", target: "dave", %s) { hops } }'
INTRODUCERS = '{ introducers(from: "alice", target: "dave", %s) { score } }'
RATINGS = '{ person(id: "alice") { ratings(%s) { items { strength } } } }'
RATE = 'mutation { rateConnection(input: {from: "alice", to: "bob", %s}) { strength } }'
RATE_VARS = "mutation($input: RatingInput!) { rateConnection(input: $input) { strength } }"
RATE_MANY = "mutation($input: [RatingInput!]!) { rateConnections(input: $input) { count } }"
PEOPLE_MANY = "mutation($input: [PersonInput!]!) { upsertPeople(input: $input) { id } }"


# person > ratings > items > from > ratings > ...: each field's type and a leaf to select on it
CHAIN = (("ratings", "nextCursor"), ("items", "strength"), ("from", "id"))


def nested(levels: int) -> str:
    """A query exactly `levels` fields deep (the leaf included)."""
    fields, leaf = ['person(id: "alice")'], "id"
    while len(fields) < levels - 1:
        name, leaf = CHAIN[(len(fields) - 1) % len(CHAIN)]
        fields.append(name)
    return "{ " + " { ".join(fields) + " { " + leaf + " }" * len(fields) + " }"


async def assert_bad_input(api: Api, query: str, field: str, **variables: Any) -> dict[str, Any]:
    error = await api.error(query, variables or None)
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == field, error
    return error


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ("maxHops: 0", "maxHops"),
        ("maxHops: 5", "maxHops"),
        ("first: 0", "first"),
        ("first: 101", "first"),
        ("maxStrength: 0", "maxStrength"),
        ("maxStrength: 6", "maxStrength"),
        ("avoid: [" + ", ".join(f'"p{i}"' for i in range(101)) + "]", "avoid"),
        ('avoid: [" bob"]', "avoid"),
    ],
)
async def test_warm_paths_limits(seeded_api: Api, arguments: str, field: str) -> None:
    await assert_bad_input(seeded_api, WARM % arguments, field)


async def test_warm_paths_at_the_limits_are_fine(seeded_api: Api) -> None:
    avoid = ", ".join(f'"p{i}"' for i in range(100))
    query = WARM % f"maxHops: 4, first: 100, maxStrength: 1, avoid: [{avoid}]"
    assert await seeded_api.data(query) == {"warmPaths": []}
    assert await seeded_api.data(WARM % "maxHops: 1, first: 1, maxStrength: 5") == {"warmPaths": []}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [("first: 0", "first"), ("first: 101", "first"), ("maxStrength: 6", "maxStrength")],
)
async def test_introducers_limits(seeded_api: Api, arguments: str, field: str) -> None:
    await assert_bad_input(seeded_api, INTRODUCERS % arguments, field)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ("first: 0", "first"),
        ("first: 101", "first"),
        ("maxStrength: 0", "maxStrength"),
        ("maxStrength: 6", "maxStrength"),
        ('after: "not a cursor"', "after"),
    ],
)
async def test_person_ratings_limits(seeded_api: Api, arguments: str, field: str) -> None:
    await assert_bad_input(seeded_api, RATINGS % arguments, field)


@pytest.mark.parametrize("first", [0, 101])
async def test_people_first_limits(seeded_api: Api, first: int) -> None:
    query = "{ people(first: " + str(first) + ") { items { id } } }"
    await assert_bad_input(seeded_api, query, "first")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ("strength: 0", "strength"),
        ("strength: 6", "strength"),
        ("strength: 3, groups: [" + ", ".join(f'"g{i}"' for i in range(21)) + "]", "groups"),
        ('strength: 3, groups: ["%s"]' % ("x" * 65), "groups"),
        ('strength: 3, groups: ["   "]', "groups"),
    ],
)
async def test_rating_value_limits(seeded_api: Api, fields: str, field: str) -> None:
    await assert_bad_input(seeded_api, RATE % fields, field)


async def test_rating_limits_that_pass(seeded_api: Api) -> None:
    groups = ", ".join(f'"{i:02d}{"x" * 62}"' for i in range(20))
    data = await seeded_api.data(RATE % f"strength: 5, groups: [{groups}]")
    assert data == {"rateConnection": {"strength": 5}}


@pytest.mark.parametrize(
    "bad_id",
    ["a\u0000b", "tab\there", " leading", "trailing ", "x" * 201, ""],
)
async def test_bad_ids(seeded_api: Api, bad_id: str) -> None:
    await assert_bad_input(
        seeded_api,
        "mutation($p: PersonInput!) { upsertPerson(input: $p) { id } }",
        "id",
        p={"id": bad_id, "name": "Bad"},
    )
    rating = {"from": "alice", "to": bad_id, "strength": 1}
    await assert_bad_input(seeded_api, RATE_VARS, "to", input=rating)
    await assert_bad_input(
        seeded_api, "query($id: ID!) { person(id: $id) { id } }", "id", id=bad_id
    )


async def test_an_id_of_200_characters_is_fine(seeded_api: Api) -> None:
    long_id = "x" * 200
    data = await seeded_api.data(
        "mutation($p: PersonInput!) { upsertPerson(input: $p) { id } }",
        {"p": {"id": long_id, "name": "Long"}},
    )
    assert data == {"upsertPerson": {"id": long_id}}


async def test_self_rating(seeded_api: Api) -> None:
    await assert_bad_input(
        seeded_api, RATE_VARS, "to", input={"from": "bob", "to": "bob", "strength": 1}
    )


async def test_rating_an_unknown_person_is_not_found_and_writes_nothing(seeded_api: Api) -> None:
    error = await seeded_api.error(
        RATE_VARS, {"input": {"from": "alice", "to": "nobody", "strength": 2}}
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["field"] == "to"
    batch = [
        {"from": "alice", "to": "dave", "strength": 2},
        {"from": "alice", "to": "ghost", "strength": 1},
    ]
    error = await seeded_api.error(RATE_MANY, {"input": batch})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert await seeded_api.data('{ rating(from: "alice", to: "dave") { strength } }') == {
        "rating": None
    }


async def test_invalid_batch_lists_every_bad_index_and_writes_nothing(seeded_api: Api) -> None:
    batch = [
        {"from": "alice", "to": "dave", "strength": 2},
        {"from": "alice", "to": "bob", "strength": 9},
        {"from": "carol", "to": "carol", "strength": 1},
        {"from": "bob", "to": "dave", "strength": 3, "groups": ["y" * 65]},
    ]
    error = await assert_bad_input(seeded_api, RATE_MANY, "input", input=batch)
    invalid = error["extensions"]["invalid"]
    assert [(item["index"], item["field"]) for item in invalid] == [
        (1, "strength"),
        (2, "to"),
        (3, "groups"),
    ]
    assert all(item["message"] for item in invalid)
    assert await seeded_api.data('{ rating(from: "alice", to: "dave") { strength } }') == {
        "rating": None
    }


async def test_a_batch_of_5001_is_refused(seeded_api: Api) -> None:
    ratings = [{"from": "alice", "to": f"p{i}", "strength": 3} for i in range(5001)]
    await assert_bad_input(seeded_api, RATE_MANY, "input", input=ratings)
    people = [{"id": f"p{i}", "name": f"P {i}"} for i in range(5001)]
    await assert_bad_input(seeded_api, PEOPLE_MANY, "input", input=people)


@pytest.mark.slow
async def test_a_literal_batch_of_5001_is_bad_input_not_too_complex(seeded_api: Api) -> None:
    items = ", ".join(
        f'{{from: "alice", to: "p{i}", strength: 3, groups: ["Friends"], visibility: PUBLIC}}'
        for i in range(5001)
    )
    query = "mutation { rateConnections(input: [" + items + "]) { count } }"
    await assert_bad_input(seeded_api, query, "input")


async def test_a_batch_of_5000_is_stored(seeded_api: Api) -> None:
    people = [{"id": f"p{i:04d}", "name": f"Person {i}"} for i in range(5000)]
    assert len((await seeded_api.data(PEOPLE_MANY, {"input": people}))["upsertPeople"]) == 5000
    ratings = [
        {"from": "alice", "to": p["id"], "strength": 3, "groups": ["Met once at a conference"]}
        for p in people
    ]
    data = await seeded_api.data(RATE_MANY, {"input": ratings})
    assert data == {"rateConnections": {"count": 5000}}


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (RATE % 'strength: "three"', None, "strength"),
        (RATE % "strength: 2.5", None, "strength"),
        (RATE % "strength: 99999999999", None, "strength"),
        (RATE % "strength: 2, visibility: SECRET", None, "visibility"),
        (RATE % "strength: 2, unknown: 1", None, "unknown"),
        (
            'mutation { rateConnection(input: {from: "alice", to: "bob"}) { strength } }',
            None,
            "strength",
        ),
        ("{ person { id } }", None, "id"),
        ('{ person(id: "alice") { nickname } }', None, "nickname"),
        ('{ person(id: "alice", extra: 1) { id } }', None, "extra"),
        (RATE_VARS, {"input": {"to": "bob", "strength": "x"}}, "strength"),
        (RATE_VARS, {"input": {"to": "bob", "strength": 2**31}}, "strength"),
        (RATE_VARS, {"input": {"to": "bob", "strength": 2, "since": "2020-13-01"}}, "since"),
        (RATE_VARS, {"input": {"to": "bob", "strength": 2, "visibility": "SECRET"}}, "visibility"),
        (RATE_VARS, None, "input"),
        ("query($n: Int) { people(first: $n) { items { id } } }", {"n": 2**40}, "n"),
    ],
)
async def test_invalid_types_are_bad_user_input(
    seeded_api: Api, query: str, variables: dict[str, Any] | None, field: str
) -> None:
    result = await seeded_api(query, variables)
    errors = result["errors"]
    assert errors
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert errors[0]["extensions"]["field"] == field


async def test_a_bad_date_literal_is_bad_user_input(seeded_api: Api) -> None:
    result = await seeded_api(RATE % 'strength: 2, since: "2020-02-30"')
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]


async def test_a_syntax_error_is_bad_user_input(seeded_api: Api) -> None:
    error = await seeded_api.error("{ people(first: 1")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_nested_counts_fields() -> None:
    assert nested(2) == '{ person(id: "alice") { id } }'
    assert nested(4) == '{ person(id: "alice") { ratings { items { strength } } } }'


async def test_depth_10_is_fine_and_11_is_too_complex(seeded_api: Api) -> None:
    # nested(n) has n fields in a chain: depth n - 1, root fields being depth 0.
    ten = await seeded_api(nested(11))
    assert "errors" not in ten, ten
    error = await seeded_api.error(nested(12))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_depth_counts_through_fragments(seeded_api: Api) -> None:
    query = (
        'query { person(id: "alice") { ...R } } '
        "fragment R on Person { ratings { items { from { ratings { items { from { "
        "ratings { items { from { ratings { nextCursor } } } } } } } } } } }"
    )
    error = await seeded_api.error(query)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_too_many_aliases(seeded_api: Api) -> None:
    fine = " ".join(f'a{i}: person(id: "alice") {{ id }}' for i in range(30))
    assert "errors" not in await seeded_api("{ " + fine + " }")
    many = " ".join(f'a{i}: person(id: "alice") {{ id }}' for i in range(31))
    error = await seeded_api.error("{ " + many + " }")
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_too_many_tokens(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data", dev=True, max_tokens=100)) as api:
        fine = await api("{ people { items { id } } }")
        assert "errors" not in fine
        long = "{ people { items { " + " ".join(["id"] * 200) + " } } }"
        error = await api.error(long)
        assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_introspection_can_be_switched_off(tmp_path: Path) -> None:
    query = "{ __schema { queryType { name } } }"
    async with running(settings_for(tmp_path / "on", dev=True)) as api:
        assert await api.data(query) == {"__schema": {"queryType": {"name": "Query"}}}
    async with running(settings_for(tmp_path / "off", dev=True, introspection=False)) as api:
        errors = (await api(query))["errors"]
        assert "introspection" in errors[0]["message"]
        assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
        assert await api.data("{ __typename }") == {"__typename": "Query"}


def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise RuntimeError("secret detail")
    except RuntimeError as e:
        cause = e
    error = GraphQLError("secret detail", path=["person"], original_error=cause)
    with caplog.at_level(logging.ERROR, logger="tiegraph.api"):
        shown = present(error, None, "req-7")
    assert shown.message == "Internal error (request id req-7)"
    assert shown.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret detail" not in str(shown.formatted)
    (record,) = caplog.records
    assert "req-7" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[1] is cause

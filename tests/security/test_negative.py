"""Negative tests of authentication and authorisation, for every operation of the schema.

Every bad credential gets UNAUTHENTICATED on every operation and changes nothing; a token
whose `sub` names no person is a valid, unprivileged user; a `user` acting for someone else
gets FORBIDDEN and changes nothing, while an admin may; rotation, issuer and audience hold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.security.conftest import (
    ADMIN,
    NOTHING,
    Change,
    Dump,
    assert_unchanged,
    dump,
    error_codes,
    seeded,
    signed,
    tampered,
    unsigned,
)
from tests.support.api import OTHER_SECRET, SECRET, Api, settings_for

NEW_SECRET = "the-rotated-secret-that-is-long-enough-424242"


@dataclass(frozen=True)
class Operation:
    """One operation of the schema, as a request an admin may make successfully."""

    name: str
    query: str
    mutation: bool = False
    # What the admin's request adds, so the admin run can check it against a dump.
    adds: Change = NOTHING


OPERATIONS = [
    Operation("person", '{ person(id: "alice") { id name } }'),
    Operation("people", "{ people { items { id } nextCursor } }"),
    Operation("rating", '{ rating(from: "alice", to: "bob") { strength groups } }'),
    Operation(
        "introducers",
        '{ introducers(from: "alice", target: "carol") { person { id } score } }',
    ),
    Operation("warmPaths", '{ warmPaths(from: "alice", target: "dave") { hops score } }'),
    Operation("mutualConnections", '{ mutualConnections(a: "alice", b: "carol") { id } }'),
    Operation(
        "Person.ratings",
        '{ person(id: "alice") { ratings(first: 5) { items { strength } nextCursor } } }',
    ),
    Operation(
        "Rating.reciprocal",
        '{ rating(from: "alice", to: "bob") { reciprocal { strength context } } }',
    ),
    Operation(
        "upsertPerson",
        'mutation { upsertPerson(input: {id: "erin", name: "Erin"}) { id } }',
        mutation=True,
        adds=Change(people=frozenset({"erin"})),
    ),
    Operation(
        "upsertPeople",
        'mutation { upsertPeople(input: [{id: "erin", name: "Erin"}, {id: "alice", name: "A"}])'
        " { id } }",
        mutation=True,
        adds=Change(people=frozenset({"erin"})),
    ),
    Operation(
        "rateConnection",
        'mutation { rateConnection(input: {from: "alice", to: "dave", strength: 3}) { strength } }',
        mutation=True,
        adds=Change(ratings=frozenset({("alice", "dave")})),
    ),
    Operation(
        "rateConnections",
        'mutation { rateConnections(input: [{from: "alice", to: "dave", strength: 3},'
        ' {from: "dave", to: "alice", strength: 3}]) { count } }',
        mutation=True,
        adds=Change(ratings=frozenset({("alice", "dave"), ("dave", "alice")})),
    ),
    Operation("removeRating", 'mutation { removeRating(from: "alice", to: "bob") }', mutation=True),
    Operation("deletePerson", 'mutation { deletePerson(id: "dave") }', mutation=True),
]
OPERATION_PARAMS = [pytest.param(op, id=op.name) for op in OPERATIONS]


def _now() -> datetime:
    return datetime.now(UTC)


# Authorization header values that must not authenticate anyone (None: no header at all).
BAD_CREDENTIALS: list[Any] = [
    pytest.param(None, id="no-header"),
    pytest.param("", id="empty-header"),
    pytest.param("Bearer", id="bearer-alone"),
    pytest.param("Bearer abc", id="bearer-abc"),
    pytest.param("Basic x", id="basic"),
    pytest.param(f"Basic {signed(role='admin')}", id="basic-with-valid-jwt"),
    pytest.param(f"Bearer {signed(role='admin')} extra", id="two-tokens"),
    pytest.param(f"Bearer {signed(OTHER_SECRET, role='admin')}", id="other-secret"),
    pytest.param(f"Bearer {signed(exp=_now() - timedelta(minutes=5))}", id="expired"),
    pytest.param(f"Bearer {signed(nbf=_now() + timedelta(hours=1))}", id="not-yet-valid"),
    pytest.param(f"Bearer {signed(role=None)}", id="no-role"),
    pytest.param(f"Bearer {signed(role='root')}", id="unknown-role"),
    pytest.param(f"Bearer {signed(role='ADMIN')}", id="role-wrong-case"),
    pytest.param(f"Bearer {signed(role=['admin'])}", id="role-list"),
    pytest.param(f"Bearer {signed(exp=None)}", id="no-exp"),
    pytest.param(f"Bearer {signed(sub=None)}", id="no-sub"),
    pytest.param(f"Bearer {signed(sub='')}", id="empty-sub"),
    pytest.param(f"Bearer {signed(sub=' alice')}", id="sub-not-an-id"),
    pytest.param(f"Bearer {signed(sub=123)}", id="sub-not-a-string"),
    pytest.param(f"Bearer {unsigned(role='admin')}", id="alg-none"),
    pytest.param(f"Bearer {tampered(role='admin')}", id="tampered-payload"),
]


async def post(api: Api, query: str, authorization: str | None) -> dict[str, Any]:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await api.client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@dataclass(frozen=True)
class Shared:
    api: Api
    baseline: Dump


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shared]:
    """One seeded app for the tests that must change nothing; each mutation test compares
    the data with the dump taken right after seeding."""
    async with seeded(settings_for(tmp_path_factory.mktemp("negative"))) as api:
        yield Shared(api, await dump(api))


@pytest_asyncio.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    """A fresh seeded app, for tests whose admin half changes data."""
    async with seeded(settings_for(tmp_path / "data")) as fresh:
        yield fresh


# --- every bad credential, on every operation -----------------------------------------------


@pytest.mark.parametrize("authorization", BAD_CREDENTIALS)
@pytest.mark.parametrize("operation", OPERATION_PARAMS)
async def test_bad_credentials_are_unauthenticated(
    shared: Shared, operation: Operation, authorization: str | None
) -> None:
    result = await post(shared.api, operation.query, authorization)
    assert result.get("data") is None, result
    assert error_codes(result) == ["UNAUTHENTICATED"], result
    if operation.mutation:
        assert_unchanged(shared.baseline, await dump(shared.api), why=operation.name)


@pytest.mark.parametrize("operation", OPERATION_PARAMS)
async def test_the_same_operations_succeed_as_admin(api: Api, operation: Operation) -> None:
    """The control of the test above: each request is valid, only the credential was bad."""
    before = await dump(api)
    result = await post(api, operation.query, f"Bearer {ADMIN}")
    assert "errors" not in result, result
    assert result["data"], result
    after = await dump(api)
    if not operation.mutation:
        assert after == before
        return
    assert after != before, f"{operation.name} as admin changed nothing"
    assert after["people"].keys() - before["people"].keys() <= operation.adds.people
    assert after["ratings"].keys() - before["ratings"].keys() <= operation.adds.ratings


# --- a valid token whose sub names no person --------------------------------------------------

GHOST = f"Bearer {signed(sub='ghost')}"
ALICE = f"Bearer {signed(sub='alice')}"


@dataclass(frozen=True)
class GhostCase:
    """What a user who is not (yet) a person gets: data, or an error code."""

    id: str
    query: str
    expected: dict[str, Any] | str
    adds: Change = NOTHING


GHOST_CASES = [
    GhostCase(
        "person",
        '{ person(id: "alice") { id name } }',
        {"person": {"id": "alice", "name": "Alice"}},
    ),
    GhostCase(
        "people",
        "{ people { items { id } } }",
        {"people": {"items": [{"id": i} for i in ("alice", "bob", "carol", "dave")]}},
    ),
    GhostCase(
        "rating-connections-hidden",
        '{ rating(from: "alice", to: "bob") { strength } }',
        {"rating": None},
    ),
    GhostCase(
        "rating-public-seen",
        '{ rating(from: "bob", to: "carol") { strength reciprocal { strength } } }',
        {"rating": {"strength": 2, "reciprocal": None}},
    ),
    GhostCase(
        "Rating.reciprocal-private-hidden",
        '{ rating(from: "bob", to: "alice") { strength } }',
        {"rating": None},
    ),
    GhostCase(
        "Person.ratings-only-public",
        '{ person(id: "bob") { ratings { items { to { id } } } } }',
        {"person": {"ratings": {"items": [{"to": {"id": "carol"}}]}}},
    ),
    GhostCase("introducers-own", '{ introducers(target: "carol") { score } }', {"introducers": []}),
    GhostCase(
        "introducers-of-another",
        '{ introducers(from: "alice", target: "carol") { score } }',
        "FORBIDDEN",
    ),
    GhostCase("warmPaths-own", '{ warmPaths(target: "carol") { hops } }', {"warmPaths": []}),
    GhostCase(
        "warmPaths-of-another", '{ warmPaths(from: "bob", target: "dave") { hops } }', "FORBIDDEN"
    ),
    GhostCase(
        "mutualConnections-sees-no-private-steps",
        '{ mutualConnections(a: "alice", b: "carol") { id } }',
        {"mutualConnections": []},
    ),
    GhostCase(
        "upsertPerson-itself",
        'mutation { upsertPerson(input: {id: "ghost", name: "Ghost"}) { id } }',
        {"upsertPerson": {"id": "ghost"}},
        Change(people=frozenset({"ghost"})),
    ),
    GhostCase(
        "upsertPerson-another",
        'mutation { upsertPerson(input: {id: "alice", name: "Mallory"}) { id } }',
        "FORBIDDEN",
    ),
    GhostCase(
        "upsertPeople-itself-and-a-contact",
        'mutation { upsertPeople(input: [{id: "ghost", name: "G"}, {id: "erin", name: "E"}])'
        " { id } }",
        {"upsertPeople": [{"id": "ghost"}, {"id": "erin"}]},
        Change(people=frozenset({"ghost", "erin"})),
    ),
    GhostCase(
        "rateConnection-before-existing",
        'mutation { rateConnection(input: {to: "alice", strength: 2}) { strength } }',
        "NOT_FOUND",
    ),
    GhostCase(
        "rateConnection-for-another",
        'mutation { rateConnection(input: {from: "alice", to: "dave", strength: 2}) { strength } }',
        "FORBIDDEN",
    ),
    GhostCase(
        "rateConnections-before-existing",
        'mutation { rateConnections(input: [{to: "alice", strength: 2}]) { count } }',
        "NOT_FOUND",
    ),
    GhostCase(
        "removeRating-own", 'mutation { removeRating(to: "alice") }', {"removeRating": False}
    ),
    GhostCase(
        "removeRating-another", 'mutation { removeRating(from: "alice", to: "bob") }', "FORBIDDEN"
    ),
    GhostCase(
        "deletePerson-itself", 'mutation { deletePerson(id: "ghost") }', {"deletePerson": False}
    ),
    GhostCase("deletePerson-another", 'mutation { deletePerson(id: "alice") }', "FORBIDDEN"),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in GHOST_CASES])
async def test_a_token_for_no_person_is_an_unprivileged_user(api: Api, case: GhostCase) -> None:
    before = await dump(api)
    result = await post(api, case.query, GHOST)
    if isinstance(case.expected, str):
        assert error_codes(result) == [case.expected], result
        assert result.get("data") is None, result
    else:
        assert "errors" not in result, result
        assert result["data"] == case.expected
    assert_unchanged(before, await dump(api), case.adds, why=case.id)


async def test_a_new_user_creates_itself_then_rates(api: Api) -> None:
    created = await post(
        api, 'mutation { upsertPerson(input: {id: "ghost", name: "G"}) { id } }', GHOST
    )
    assert "errors" not in created, created
    rated = await post(
        api, 'mutation { rateConnection(input: {to: "alice", strength: 2}) { from { id } } }', GHOST
    )
    assert rated.get("data") == {"rateConnection": {"from": {"id": "ghost"}}}, rated
    # Rating alice does not let ghost see alice's CONNECTIONS ratings: only the people alice
    # rated see them.
    hidden = await post(api, '{ rating(from: "alice", to: "bob") { strength } }', GHOST)
    assert hidden == {"data": {"rating": None}}
    # ghost's own rating (CONNECTIONS) is visible to alice, whom ghost rated.
    seen = await post(api, '{ rating(from: "ghost", to: "alice") { strength } }', ALICE)
    assert seen == {"data": {"rating": {"strength": 2}}}


# --- a user acting for someone else -----------------------------------------------------------


@dataclass(frozen=True)
class ForOther:
    """A request alice (a user) may not make; `effect` checks what it does for an admin."""

    id: str
    query: str
    effect: Callable[[Dump, Dump], None]


def _rating_added(key: tuple[str, str]) -> Callable[[Dump, Dump], None]:
    def check(before: Dump, after: Dump) -> None:
        assert key not in before["ratings"] and key in after["ratings"]

    return check


def _rating_gone(key: tuple[str, str]) -> Callable[[Dump, Dump], None]:
    def check(before: Dump, after: Dump) -> None:
        assert key in before["ratings"] and key not in after["ratings"]

    return check


def _person_gone(person_id: str) -> Callable[[Dump, Dump], None]:
    def check(before: Dump, after: Dump) -> None:
        assert person_id in before["people"] and person_id not in after["people"]
        assert not [k for k in after["ratings"] if person_id in k]

    return check


def _renamed(person_id: str, name: str) -> Callable[[Dump, Dump], None]:
    def check(before: Dump, after: Dump) -> None:
        assert after["people"][person_id]["name"] == name != before["people"][person_id]["name"]

    return check


def _batch_written(before: Dump, after: Dump) -> None:
    assert ("alice", "dave") in after["ratings"] and ("bob", "dave") in after["ratings"]
    assert after["ratings"][("alice", "bob")]["strength"] == 5


def _people_written(before: Dump, after: Dump) -> None:
    assert "erin" in after["people"] and after["people"]["bob"]["name"] == "Mallory"


def _answered(before: Dump, after: Dump) -> None:
    assert before == after


FOR_OTHERS = [
    ForOther(
        "rateConnection",
        'mutation { rateConnection(input: {from: "bob", to: "dave", strength: 1}) { strength } }',
        _rating_added(("bob", "dave")),
    ),
    ForOther(
        "rateConnections-one-bad-item",
        """mutation { rateConnections(input: [
             {from: "alice", to: "dave", strength: 3},
             {from: "bob", to: "dave", strength: 1},
             {from: "alice", to: "bob", strength: 5}]) { count } }""",
        _batch_written,
    ),
    ForOther(
        "removeRating",
        'mutation { removeRating(from: "bob", to: "carol") }',
        _rating_gone(("bob", "carol")),
    ),
    ForOther(
        "removeRating-about-me",
        'mutation { removeRating(from: "bob", to: "alice") }',
        _rating_gone(("bob", "alice")),
    ),
    ForOther("deletePerson", 'mutation { deletePerson(id: "bob") }', _person_gone("bob")),
    ForOther(
        "upsertPerson-existing",
        'mutation { upsertPerson(input: {id: "bob", name: "Mallory"}) { id } }',
        _renamed("bob", "Mallory"),
    ),
    ForOther(
        "upsertPeople-one-existing",
        'mutation { upsertPeople(input: [{id: "erin", name: "Erin"}, {id: "bob", name: "Mallory"}])'
        " { id } }",
        _people_written,
    ),
    ForOther(
        "introducers", '{ introducers(from: "bob", target: "dave") { person { id } } }', _answered
    ),
    ForOther("warmPaths", '{ warmPaths(from: "bob", target: "dave") { hops } }', _answered),
]
FOR_OTHER_PARAMS = [pytest.param(c, id=c.id) for c in FOR_OTHERS]


@pytest.mark.parametrize("case", FOR_OTHER_PARAMS)
async def test_a_user_acting_for_another_is_forbidden(api: Api, case: ForOther) -> None:
    before = await dump(api)
    result = await post(api, case.query, ALICE)
    assert error_codes(result) == ["FORBIDDEN"], result
    assert result.get("data") is None, result
    assert_unchanged(before, await dump(api), why=case.id)


@pytest.mark.parametrize("case", FOR_OTHER_PARAMS)
async def test_an_admin_may_act_for_anyone(api: Api, case: ForOther) -> None:
    before = await dump(api)
    result = await post(api, case.query, f"Bearer {ADMIN}")
    assert "errors" not in result, result
    case.effect(before, await dump(api))


# Alice doing the same things for herself: FORBIDDEN above is about "another", not the operation.
OWN_ACTIONS = [
    (
        'mutation { rateConnection(input: {to: "dave", strength: 1}) { strength } }',
        ("alice", "dave"),
    ),
    (
        'mutation { rateConnections(input: [{to: "dave", strength: 1}]) { count } }',
        ("alice", "dave"),
    ),
    ('mutation { removeRating(to: "bob") }', None),
    ('mutation { upsertPerson(input: {id: "alice", name: "Alice B"}) { id } }', None),
    ('mutation { upsertPerson(input: {id: "erin", name: "Erin"}) { id } }', None),
    ('{ introducers(target: "carol") { person { id } } }', None),
    ('{ warmPaths(target: "dave") { hops } }', None),
    ('mutation { deletePerson(id: "alice") }', None),
]


@pytest.mark.parametrize(
    "query, rating",
    OWN_ACTIONS,
    ids=[q.split("(")[0].split("{ ")[-1].strip() + f"-{i}" for i, (q, _) in enumerate(OWN_ACTIONS)],
)
async def test_a_user_may_act_for_itself(
    api: Api, query: str, rating: tuple[str, str] | None
) -> None:
    result = await post(api, query, ALICE)
    assert "errors" not in result, result
    if rating is not None:
        assert rating in (await dump(api))["ratings"]


STEPS_TO_ALICE = '{ warmPaths(target: "alice") { steps { from { id } to { id } ratedBy { id } } } }'


async def test_a_path_step_never_uses_a_rating_the_viewer_cannot_see(api: Api) -> None:
    """bob -> alice is PRIVATE to bob: carol's step bob -> alice must use alice -> bob."""
    carol = f"Bearer {signed(sub='carol')}"
    admin_view = f"Bearer {ADMIN}"
    for viewer, rater in ((carol, "alice"), (admin_view, "bob")):
        query = STEPS_TO_ALICE.replace("warmPaths(", 'warmPaths(from: "carol", ')
        result = await post(api, query, viewer)
        assert "errors" not in result, result
        used = {
            step["ratedBy"]["id"]
            for path in result["data"]["warmPaths"]
            for step in path["steps"]
            if (step["from"]["id"], step["to"]["id"]) == ("bob", "alice")
        }
        assert used == {rater}, result


# --- secret rotation, issuer and audience -----------------------------------------------------

WHO_AM_I = 'mutation { rateConnection(input: {to: "dave", strength: 3}) { from { id } } }'


async def test_a_token_signed_with_the_previous_secret_is_accepted(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", jwt_secret=NEW_SECRET, jwt_previous_secret=SECRET)
    async with seeded(settings, signed(NEW_SECRET, sub="root", role="admin")) as api:
        for secret in (NEW_SECRET, SECRET):
            result = await post(api, WHO_AM_I, f"Bearer {signed(secret)}")
            assert result.get("data") == {"rateConnection": {"from": {"id": "alice"}}}, result
        # The previous secret still carries the token's role, no more.
        forbidden = await post(
            api,
            'mutation { removeRating(from: "bob", to: "carol") }',
            f"Bearer {signed(SECRET)}",
        )
        assert error_codes(forbidden) == ["FORBIDDEN"], forbidden
        for token in (
            signed(OTHER_SECRET),
            signed(SECRET, exp=_now() - timedelta(minutes=5)),
        ):
            refused = await post(api, WHO_AM_I, f"Bearer {token}")
            assert error_codes(refused) == ["UNAUTHENTICATED"], refused


async def test_after_the_rotation_the_old_secret_is_refused(tmp_path: Path) -> None:
    admin = signed(NEW_SECRET, sub="root", role="admin")
    settings = settings_for(tmp_path / "data", jwt_secret=NEW_SECRET)
    async with seeded(settings, admin) as api:
        before = await dump(api, admin)
        for token in (signed(SECRET), signed(SECRET, sub="root", role="admin")):
            refused = await post(api, WHO_AM_I, f"Bearer {token}")
            assert error_codes(refused) == ["UNAUTHENTICATED"], refused
        assert before == await dump(api, admin)


ISSUER = "https://issuer.tiegraph.test"
AUDIENCE = "tiegraph-api"


@pytest.mark.parametrize(
    "overrides, accepted",
    [
        pytest.param({}, True, id="right-iss-and-aud"),
        pytest.param({"aud": ["other", AUDIENCE]}, True, id="aud-list-with-ours"),
        pytest.param({"iss": "https://evil.test"}, False, id="wrong-iss"),
        pytest.param({"aud": "other-api"}, False, id="wrong-aud"),
        pytest.param({"aud": ["other-api"]}, False, id="aud-list-without-ours"),
        pytest.param({"iss": None}, False, id="no-iss"),
        pytest.param({"aud": None}, False, id="no-aud"),
    ],
)
async def test_issuer_and_audience_are_checked_when_configured(
    tmp_path: Path, overrides: dict[str, Any], accepted: bool
) -> None:
    settings = settings_for(tmp_path / "data", jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    admin = signed(sub="root", role="admin", iss=ISSUER, aud=AUDIENCE)
    async with seeded(settings, admin) as api:
        before = await dump(api, admin)
        token = signed(SECRET, **{"iss": ISSUER, "aud": AUDIENCE, **overrides})
        result = await post(api, WHO_AM_I, f"Bearer {token}")
        if accepted:
            assert result.get("data") == {"rateConnection": {"from": {"id": "alice"}}}, result
        else:
            assert error_codes(result) == ["UNAUTHENTICATED"], result
            assert before == await dump(api, admin)

"""Bearer tokens: who gets in, who may do what, and the --dev exception."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from service.api.auth import Authenticator, mint_token
from service.app import create_app
from service.domain import Role, Viewer
from service.errors import Unauthenticated
from tests.support.api import (
    OTHER_SECRET,
    SECRET,
    Api,
    running,
    settings_for,
    token_for,
)

PEOPLE = "{ people { items { id } } }"
RATE = "mutation($input: RatingInput!) { rateConnection(input: $input) { strength } }"
WARM = "query($from: ID) { warmPaths(from: $from, target: %s) { hops } }"


def raw_token(claims: dict[str, Any], secret: str = SECRET) -> str:
    now = datetime.now(UTC)
    base: dict[str, Any] = {"sub": "alice", "role": "user", "exp": now + timedelta(hours=1)}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, secret, algorithm="HS256")


def hs512_token() -> str:
    """Signed with the right secret, by an algorithm the service does not accept."""
    claims = {"sub": "alice", "role": "admin", "exp": datetime.now(UTC) + timedelta(hours=1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test secret is short for HS512, on purpose
        return jwt.encode(claims, SECRET, algorithm="HS512")


async def assert_code(api: Api, code: str, query: str, token: str | None, **variables: Any) -> None:
    error = await api.error(query, variables or None, token=token)
    assert error["extensions"]["code"] == code, error


async def test_no_token_is_unauthenticated(auth_api: Api) -> None:
    response = await auth_api.post(PEOPLE)
    assert response.status_code == 200
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body.get("data") is None


async def test_unauthenticated_requests_are_not_even_parsed(auth_api: Api) -> None:
    error = await auth_api.error("{ this is not graphql")
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "bearer a b", "Token abc"],
)
async def test_malformed_headers_are_unauthenticated(auth_api: Api, authorization: str) -> None:
    response = await auth_api.client.post(
        "/graphql", json={"query": PEOPLE}, headers={"Authorization": authorization}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(raw_token({}, secret=OTHER_SECRET), id="other-secret"),
        pytest.param(raw_token({"exp": datetime.now(UTC) - timedelta(minutes=1)}), id="expired"),
        pytest.param(raw_token({"exp": None}), id="no-exp"),
        pytest.param(raw_token({"role": None}), id="no-role"),
        pytest.param(raw_token({"role": "superuser"}), id="unknown-role"),
        pytest.param(raw_token({"sub": None}), id="no-sub"),
        pytest.param(raw_token({"sub": " alice"}), id="sub-not-an-id"),
        pytest.param(raw_token({"sub": 42}), id="sub-not-a-string"),
        pytest.param(hs512_token(), id="other-algorithm"),
    ],
)
async def test_invalid_tokens_are_unauthenticated(auth_api: Api, token: str) -> None:
    await assert_code(auth_api, "UNAUTHENTICATED", PEOPLE, token)


async def test_valid_user_token(auth_api: Api) -> None:
    data = await auth_api.data(PEOPLE, token=token_for("alice"))
    assert len(data["people"]["items"]) == 4


async def test_token_of_a_person_not_stored_yet_is_valid(auth_api: Api) -> None:
    newcomer = token_for("newcomer")
    data = await auth_api.data(
        'mutation { upsertPerson(input: {id: "newcomer", name: "New"}) { id } }', token=newcomer
    )
    assert data == {"upsertPerson": {"id": "newcomer"}}


async def test_previous_secret_is_accepted_during_rotation(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", jwt_secret=SECRET, jwt_previous_secret=OTHER_SECRET)
    async with running(settings) as api:
        assert await api.data(PEOPLE, token=token_for("alice", secret=OTHER_SECRET))
        assert await api.data(PEOPLE, token=token_for("alice", secret=SECRET))
        stranger = token_for("alice", secret="a-third-secret-nobody-configured-at-all")
        await assert_code(api, "UNAUTHENTICATED", PEOPLE, stranger)


async def test_issuer_and_audience_are_checked_when_configured(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", jwt_issuer="https://id.example", jwt_audience="tg")
    async with running(settings) as api:
        good = raw_token({"iss": "https://id.example", "aud": "tg"})
        assert await api.data(PEOPLE, token=good)
        await assert_code(api, "UNAUTHENTICATED", PEOPLE, raw_token({"aud": "tg"}))
        wrong_aud = raw_token({"iss": "https://id.example", "aud": "other"})
        await assert_code(api, "UNAUTHENTICATED", PEOPLE, wrong_aud)


async def test_user_may_not_rate_for_someone_else_and_nothing_changes(auth_api: Api) -> None:
    alice = token_for("alice")
    rating = {"from": "bob", "to": "dave", "strength": 1}
    await assert_code(auth_api, "FORBIDDEN", RATE, alice, input=rating)
    batch = "mutation($input: [RatingInput!]!) { rateConnections(input: $input) { count } }"
    mixed = [{"to": "dave", "strength": 2}, {"from": "bob", "to": "dave", "strength": 1}]
    await assert_code(auth_api, "FORBIDDEN", batch, alice, input=mixed)
    admin = token_for("root", Role.ADMIN)
    check = (
        '{ a: rating(from: "bob", to: "dave") { strength } '
        'b: rating(from: "alice", to: "dave") { strength } }'
    )
    assert await auth_api.data(check, token=admin) == {"a": None, "b": None}


async def test_user_rates_as_itself_with_from_left_out(auth_api: Api) -> None:
    alice = token_for("alice")
    data = await auth_api.data(RATE, {"input": {"to": "dave", "strength": 2}}, token=alice)
    assert data == {"rateConnection": {"strength": 2}}
    admin = token_for("root", Role.ADMIN)
    stored = await auth_api.data('{ rating(from: "alice", to: "dave") { strength } }', token=admin)
    assert stored == {"rating": {"strength": 2}}


async def test_user_may_not_remove_or_delete_for_someone_else(auth_api: Api) -> None:
    alice = token_for("alice")
    await assert_code(
        auth_api, "FORBIDDEN", 'mutation { removeRating(from: "bob", to: "carol") }', alice
    )
    await assert_code(auth_api, "FORBIDDEN", 'mutation { deletePerson(id: "bob") }', alice)
    admin = token_for("root", Role.ADMIN)
    data = await auth_api.data('{ rating(from: "bob", to: "carol") { strength } }', token=admin)
    assert data == {"rating": {"strength": 2}}


async def test_warm_paths_only_from_yourself_unless_admin(auth_api: Api) -> None:
    query = WARM % '"carol"'
    alice = token_for("alice")
    await assert_code(auth_api, "FORBIDDEN", query, alice, **{"from": "bob"})
    own = await auth_api.data(query, {"from": None}, token=alice)
    assert own["warmPaths"]
    admin = token_for("root", Role.ADMIN)
    assert (await auth_api.data(query, {"from": "bob"}, token=admin))["warmPaths"]
    introducers = '{ introducers(from: "alice", target: "dave") { person { id } } }'
    await assert_code(auth_api, "FORBIDDEN", introducers, token_for("bob"))
    data = await auth_api.data(introducers, token=admin)
    assert data == {"introducers": [{"person": {"id": "carol"}}]}


async def test_visibility_follows_the_viewer(auth_api: Api) -> None:
    query = '{ rating(from: "carol", to: "dave") { strength } }'
    assert await auth_api.data(query, token=token_for("dave")) == {"rating": {"strength": 2}}
    assert await auth_api.data(query, token=token_for("alice")) == {"rating": None}


async def test_dev_mode_needs_no_token_but_honours_a_valid_one(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data", dev=True)) as api:
        await api.data(
            'mutation { upsertPeople(input: [{id: "a", name: "A"}, {id: "b", name: "B"}]) { id } }'
        )
        rate_as_viewer = 'mutation { rateConnection(input: {to: "b", strength: 1}) { strength } }'
        error = await api.error(rate_as_viewer)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "from"}
        data = await api.data(rate_as_viewer, token=token_for("a"))
        assert data == {"rateConnection": {"strength": 1}}
        assert await api.data(PEOPLE, token="garbage")


def test_server_refuses_to_start_without_a_secret_unless_dev(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="TIEGRAPH_JWT_SECRET"):
        settings_for(tmp_path / "data", jwt_secret=None)
    create_app(settings_for(tmp_path / "data", jwt_secret=None, dev=True))


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_verified_token_is_remembered_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(Path("unused"))
    issued = datetime.now(UTC)
    token = mint_token(settings, sub="alice", role=Role.USER, ttl=timedelta(minutes=5), now=issued)
    clock = Clock(issued.timestamp())
    authenticate = Authenticator(settings, clock=clock)
    assert authenticate(f"Bearer {token}") == Viewer("alice", Role.USER)

    def no_decoding(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("decoded again")

    with monkeypatch.context() as patched:
        patched.setattr(jwt, "decode", no_decoding)
        assert authenticate(f"bearer  {token}") == Viewer("alice", Role.USER)
    # Past exp the token is verified afresh (jwt.decode applies the leeway, with its own clock).
    clock.now = (issued + timedelta(minutes=5)).timestamp()

    def expired(*args: Any, **kwargs: Any) -> Any:
        raise jwt.ExpiredSignatureError("Signature has expired")

    with monkeypatch.context() as patched:
        patched.setattr(jwt, "decode", expired)
        with pytest.raises(Unauthenticated, match="expired"):
            authenticate(f"Bearer {token}")


def test_tokens_that_fail_are_not_remembered_and_the_cache_is_bounded() -> None:
    settings = settings_for(Path("unused"))
    authenticate = Authenticator(settings, maxsize=2)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            authenticate("Bearer not.a.token")
    for sub in ("a", "b", "c"):
        token = mint_token(settings, sub=sub, role=Role.USER, ttl=timedelta(minutes=5))
        assert authenticate(f"Bearer {token}").person_id == sub
    assert len(authenticate._verified) == 2
    dev = Authenticator(settings_for(Path("unused"), dev=True))
    assert dev("Bearer not.a.token") == Viewer.dev()

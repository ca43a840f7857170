"""The `tiegraph` client against the real service over real HTTP: every method, sync and
async, typed answers, typed errors, tokens."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest

from service.api.auth import mint_token
from service.domain import Role as ServiceRole
from service.settings import Settings
from tiegraph import (
    AsyncTiegraphClient,
    BadUserInput,
    Forbidden,
    Introducer,
    NotFound,
    Person,
    PersonInput,
    Rating,
    RatingInput,
    TiegraphClient,
    TokenMinter,
    Unauthenticated,
    Visibility,
    WarmPath,
    make_token,
)

PEOPLE = [
    PersonInput("Ana Ortiz", id="ana", company="Acme"),
    PersonInput("Ben Okafor", id="ben"),
    PersonInput("Sam Reyes", id="sam", headline="CTO at Globex"),
    PersonInput("Cleo Park", id="cleo"),
]
RATINGS = [
    RatingInput("ben", 1, from_="ana", groups=["Friends"]),
    RatingInput("sam", 2, from_="ben", visibility=Visibility.PUBLIC, since=date(2019, 4, 1)),
    RatingInput("cleo", 3, from_="ana"),
    RatingInput("sam", 3, from_="cleo"),
]


def seed(client: TiegraphClient) -> None:
    client.upsert_people(PEOPLE)
    client.rate_many(RATINGS)


def test_sync_reads_and_writes(live_url: str, secret: str) -> None:
    admin = make_token(secret, "root", "admin")
    with TiegraphClient(live_url, token=admin) as client:
        seed(client)
        ana = client.person("ana")
        assert ana == Person("ana", "Ana Ortiz", company="Acme")
        assert client.person("nobody") is None

        page = client.people(search="a", first=2)
        assert [p.id for p in page.items] == ["ana", "ben"]
        assert page.next_cursor is not None
        rest = client.people(search="a", first=2, after=page.next_cursor)
        assert [p.id for p in rest.items] == ["cleo", "sam"]

        rating = client.rating("ben", "sam")
        assert isinstance(rating, Rating)
        assert (rating.strength, rating.visibility, rating.since) == (
            2,
            Visibility.PUBLIC,
            date(2019, 4, 1),
        )
        assert isinstance(rating.created_at, datetime) and rating.created_at.tzinfo is not None

        ratings = client.ratings("ana")
        assert ratings is not None
        assert [(r.to_id, r.strength) for r in ratings.items] == [("ben", 1), ("cleo", 3)]
        assert client.ratings("nobody") is None

        (best, second) = client.introducers("sam", from_="ana")
        assert isinstance(best, Introducer)
        assert best.person.id == "ben" and best.score == pytest.approx(0.63)
        assert best.to_target.rated_by == "ben"
        assert second.person.id == "cleo"

        paths = client.warm_paths("sam", from_="ana", max_hops=3)
        assert isinstance(paths[0], WarmPath)
        assert [p.id for p in paths[0].people] == ["ana", "ben", "sam"]
        assert paths[0].hops == 2 and len(paths[0].steps) == 2
        avoided = client.warm_paths("sam", from_="ana", avoid=["ben"])
        assert [p.id for p in avoided[0].people] == ["ana", "cleo", "sam"]

        assert [p.id for p in client.mutual_connections("ana", "sam")] == ["ben", "cleo"]

        updated = client.upsert_person("Ana Ortiz", id="ana", headline="Founder")
        assert (updated.headline, updated.company) == ("Founder", "Acme")
        replaced = client.rate("ben", 2, from_="ana", groups=["Friends", "Team"])
        assert (replaced.strength, replaced.groups) == (2, ("Friends", "Team"))
        assert client.remove_rating("cleo", from_="ana") is True
        assert client.remove_rating("cleo", from_="ana") is False
        assert client.delete_person("cleo") is True
        assert client.person("cleo") is None
        raw = client.execute("query Q($id: ID!) { person(id: $id) { name } }", {"id": "sam"})
        assert raw == {"person": {"name": "Sam Reyes"}}


async def test_async_client(live_url: str, secret: str) -> None:
    async with AsyncTiegraphClient(live_url, token=make_token(secret, "root", "admin")) as client:
        await client.upsert_people(PEOPLE)
        result = await client.rate_many(RATINGS)
        assert result.count == 4 and len(result.ratings) == 4
        (best, _) = await client.introducers("sam", from_="ana")
        assert best.person.name == "Ben Okafor"
        paths = await client.warm_paths("sam", from_="ana")
        assert paths[0].score == pytest.approx(0.63)
        generated = await client.upsert_person("Nameless")
        assert generated.id  # the service chose one
        assert await client.person(generated.id) == generated
        assert [p.id for p in await client.mutual_connections("ana", "sam")] == ["ben", "cleo"]


def test_errors_are_typed_and_carry_the_code(live_url: str, secret: str) -> None:
    with TiegraphClient(live_url, token=make_token(secret, "root", "admin")) as admin:
        seed(admin)
        with pytest.raises(BadUserInput) as bad:
            admin.rate("ana", 1, from_="ana")
        assert bad.value.extensions["code"] == "BAD_USER_INPUT"
        assert bad.value.field == "to" or bad.value.field == "from"
        assert bad.value.request_id
        with pytest.raises(BadUserInput) as batch:
            admin.rate_many(
                [RatingInput("ben", 9, from_="ana"), RatingInput("sam", 0, from_="ana")]
            )
        assert [item["index"] for item in batch.value.invalid] == [0, 1]
        with pytest.raises(NotFound) as missing:
            admin.rate("zed", 2, from_="ana")
        assert missing.value.extensions["id"] == "zed"
        with pytest.raises(BadUserInput) as request_error:  # refused before execution: HTTP 400
            admin.execute("{ nope }")
        assert request_error.value.field == "nope"
    with TiegraphClient(live_url) as anonymous:
        with pytest.raises(Unauthenticated):
            anonymous.people()
    with TiegraphClient(live_url, token=make_token(secret, "ben")) as ben:
        with pytest.raises(Forbidden):
            ben.rate("sam", 1, from_="ana")
        assert ben.rate("ana", 2).from_id == "ben"  # from defaults to the viewer


def test_make_token_matches_the_cli(secret: str) -> None:
    settings = Settings(jwt_secret=secret, jwt_issuer="tiegraph", jwt_audience="app")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ours = make_token(
        secret, "ana", "admin", timedelta(minutes=30), issuer="tiegraph", audience="app", now=now
    )
    theirs = mint_token(
        settings, sub="ana", role=ServiceRole.ADMIN, ttl=timedelta(minutes=30), now=now
    )
    options = {"verify_exp": False}
    decode = lambda token: jwt.decode(token, secret, ["HS256"], audience="app", options=options)  # noqa: E731
    assert decode(ours) == decode(theirs)


def test_token_minter_renews_before_expiry(secret: str) -> None:
    now = [time.time()]
    minter = TokenMinter(secret, "ana", ttl=timedelta(seconds=100), clock=lambda: now[0])
    first = minter()
    now[0] += 79
    assert minter() == first
    now[0] += 2  # 81 s: past 80 % of the lifetime
    renewed = minter()
    assert renewed != first
    claims = jwt.decode(
        renewed, secret, ["HS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims["exp"] - claims["iat"] == 100 and claims["sub"] == "ana"


def test_token_minter_as_the_clients_token(live_url: str, secret: str) -> None:
    with TiegraphClient(live_url, token=TokenMinter(secret, "root", "admin")) as client:
        assert client.upsert_person("Zoe", id="zoe").id == "zoe"

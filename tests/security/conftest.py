"""Helpers of the security suite: a seeded app, raw tokens, and a full dump of the data.

Every attack in this suite is judged the same way: the response is what it should be, and a
dump of every person and rating, read back as an admin, shows that nothing else changed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from service.domain import Role
from service.settings import Settings
from tests.support.api import SECRET, SEED_PEOPLE, SEED_RATINGS, Api, running, token_for

ADMIN = token_for("root", Role.ADMIN)
# The reciprocal of alice -> bob, so that `Rating.reciprocal` has something to return.
SEED_RECIPROCAL = """
mutation {
  rateConnection(input: {from: "bob", to: "alice", strength: 2, groups: ["Family"],
                         context: "school", visibility: PRIVATE}) { strength }
}
"""

RATING_FIELDS = """
fragment RatingFields on Rating {
  to { id } strength groups context visibility since lastInteraction createdAt updatedAt
}
"""
PEOPLE_PAGE = (
    """
query($after: String) {
  people(first: 100, after: $after) {
    items {
      id name headline company location profileUrl
      ratings(first: 100) { items { ...RatingFields } nextCursor }
    }
    nextCursor
  }
}
"""
    + RATING_FIELDS
)
MORE_RATINGS = (
    """
query($id: ID!, $after: String) {
  person(id: $id) { ratings(first: 100, after: $after) { items { ...RatingFields } nextCursor } }
}
"""
    + RATING_FIELDS
)

Dump = dict[str, dict[Any, dict[str, Any]]]


async def dump(api: Api, admin: str = ADMIN) -> Dump:
    """Every person and every rating, as an admin sees them (admins see all ratings)."""
    people: dict[Any, dict[str, Any]] = {}
    ratings: dict[Any, dict[str, Any]] = {}
    after: str | None = None
    while True:
        page = (await api.data(PEOPLE_PAGE, {"after": after}, token=admin))["people"]
        for person in page["items"]:
            rated = person.pop("ratings")
            people[person["id"]] = person
            while True:
                for item in rated["items"]:
                    ratings[(person["id"], item["to"]["id"])] = item
                if rated["nextCursor"] is None:
                    break
                variables = {"id": person["id"], "after": rated["nextCursor"]}
                rated = (await api.data(MORE_RATINGS, variables, token=admin))["person"]["ratings"]
        after = page["nextCursor"]
        if after is None:
            break
    return {"people": people, "ratings": ratings}


@dataclass(frozen=True)
class Change:
    """What an operation was allowed to add: new people and new ratings, by key."""

    people: frozenset[str] = frozenset()
    ratings: frozenset[tuple[str, str]] = frozenset()


NOTHING = Change()


def assert_unchanged(before: Dump, after: Dump, allowed: Change = NOTHING, why: str = "") -> None:
    """Everything in `before` is still there, equal; anything new is in `allowed`."""
    for kind, allowed_keys in (("people", allowed.people), ("ratings", allowed.ratings)):
        old, new = before[kind], after[kind]
        missing = sorted(map(str, old.keys() - new.keys()))
        assert not missing, f"{why}: {kind} vanished: {missing}"
        changed = [key for key in old if old[key] != new[key]]
        assert not changed, f"{why}: {kind} changed: {[(old[k], new[k]) for k in changed]}"
        added = new.keys() - old.keys()
        unexpected = sorted(map(str, added - allowed_keys))
        assert not unexpected, f"{why}: unexpected new {kind}: {unexpected}"


async def seed(api: Api, admin: str = ADMIN) -> None:
    """alice -1-> bob -2-> carol -2-> dave, alice -4-> carol, bob -2-> alice (PRIVATE);
    bob -> carol is PUBLIC, the others CONNECTIONS."""
    await api.data(SEED_PEOPLE, token=admin)
    await api.data(SEED_RATINGS, token=admin)
    await api.data(SEED_RECIPROCAL, token=admin)


@asynccontextmanager
async def seeded(settings: Settings, admin: str = ADMIN) -> AsyncIterator[Api]:
    """The app on `settings`, with the seed graph, and no default token."""
    async with running(settings) as api:
        await seed(api, admin)
        yield api


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims of user alice; an override of None drops the claim."""
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": "alice",
        "role": "user",
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(secret: str = SECRET, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm="HS256")


def unsigned(**overrides: Any) -> str:
    """A token with ``alg: none`` and no signature, the classic JWT forgery."""
    payload = {
        k: int(v.timestamp()) if isinstance(v, datetime) else v
        for k, v in claims(**overrides).items()
    }
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(payload).encode())}."


def tampered(**overrides: Any) -> str:
    """A valid user token whose payload was rewritten (say to role admin), signature kept."""
    header, _, signature = signed().split(".")
    payload = {
        k: int(v.timestamp()) if isinstance(v, datetime) else v
        for k, v in claims(**overrides).items()
    }
    return f"{header}.{_b64(json.dumps(payload).encode())}.{signature}"


def error_codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or []]

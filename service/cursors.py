"""Opaque pagination cursors: base64url JSON of the last item's sort key.

Clients must treat them as opaque; a cursor that does not decode is `BAD_USER_INPUT` on `after`.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime

from service.errors import InvalidInput
from service.requests import RequestsAfter
from service.store.base import PeopleAfter, RatingsAfter, ReviewAfter


def _encode(kind: str, values: list[object]) -> str:
    raw = json.dumps([kind, *values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(kind: str, cursor: str, arity: int) -> list[object]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeError, binascii.Error) as e:
        raise InvalidInput("after", "is not a cursor this service returned") from e
    if not isinstance(values, list) or len(values) != arity + 1 or values[0] != kind:
        raise InvalidInput("after", "is not a cursor of this list")
    return values[1:]


def people_cursor(after: PeopleAfter) -> str:
    return _encode("people", [after.name, after.id])


def parse_people_cursor(cursor: str | None) -> PeopleAfter | None:
    if cursor is None:
        return None
    name, person_id = _decode("people", cursor, 2)
    if not isinstance(name, str) or not isinstance(person_id, str):
        raise InvalidInput("after", "is not a cursor of this list")
    return PeopleAfter(name=name, id=person_id)


def ratings_cursor(after: RatingsAfter) -> str:
    return _encode("ratings", [after.strength, after.to_id])


def parse_ratings_cursor(cursor: str | None) -> RatingsAfter | None:
    if cursor is None:
        return None
    strength, to_id = _decode("ratings", cursor, 2)
    if isinstance(strength, bool) or not isinstance(strength, int) or not isinstance(to_id, str):
        raise InvalidInput("after", "is not a cursor of this list")
    return RatingsAfter(strength=strength, to_id=to_id)


def review_cursor(after: ReviewAfter) -> str:
    return _encode(
        "review", [None if after.since is None else after.since.isoformat(), after.to_id]
    )


def parse_review_cursor(cursor: str | None) -> ReviewAfter | None:
    if cursor is None:
        return None
    since, to_id = _decode("review", cursor, 2)
    if not (since is None or isinstance(since, str)) or not isinstance(to_id, str):
        raise InvalidInput("after", "is not a cursor of this list")
    try:
        day = None if since is None else date.fromisoformat(since)
    except ValueError as e:
        raise InvalidInput("after", "is not a cursor of this list") from e
    return ReviewAfter(since=day, to_id=to_id)


# --- connection requests (issue 9) --------------------------------------------------------


def requests_cursor(after: RequestsAfter) -> str:
    return _encode("requests", [after.sent_at.isoformat(), after.id])


def parse_requests_cursor(cursor: str | None) -> RequestsAfter | None:
    if cursor is None:
        return None
    sent_at, request_id = _decode("requests", cursor, 2)
    if not isinstance(sent_at, str) or not isinstance(request_id, str):
        raise InvalidInput("after", "is not a cursor of this list")
    try:
        moment = datetime.fromisoformat(sent_at)
    except ValueError as e:
        raise InvalidInput("after", "is not a cursor of this list") from e
    return RequestsAfter(sent_at=moment, id=request_id)

"""`tiegraph export`: every person and rating of a store as JSON Lines, read as one snapshot.

The file is what `tiegraph load` / `tiegraph import tiegraph` read (`service.bulkload`)::

    {"kind": "tiegraph", "format": 1, "exportedAt": "2026-11-27T21:00:00+00:00"}
    {"kind": "person", "id": "alice", "name": "Alice", "headline": null, ...}
    {"kind": "rating", "from": "alice", "to": "bob", "strength": 2, "groups": [...],
     "createdAt": "...", "updatedAt": "...", "reviewed": true, "history": [...]}

Then ``{"kind": "request", "id", "from", "to", "message", "sentAt", "status", "respondedAt"}``
and ``{"kind": "policy", "owner", "policy": {...}}`` lines.

Every line has a `kind`; people come before the ratings and requests that name them. Fields
that are not set are written as null, so a restore over existing data clears them too. New
kinds are new lines; a reader that does not know a kind stops with the line's number rather
than dropping it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

import orjson

from service import versions
from service.bulkload import FORMAT, HEADER_KIND
from service.domain import Person, Rating
from service.requests import ConnectionRequest
from service.store.base import Exported, Store


@dataclass(slots=True)
class ExportReport:
    people: int = 0
    ratings: int = 0
    requests: int = 0
    policies: int = 0


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def person_record(person: Person) -> dict[str, Any]:
    return {
        "kind": "person",
        "id": person.id,
        "name": person.name,
        "headline": person.headline,
        "company": person.company,
        "location": person.location,
        "profileUrl": person.profile_url,
    }


def rating_record(rating: Rating) -> dict[str, Any]:
    return {
        "kind": "rating",
        "from": rating.from_id,
        "to": rating.to_id,
        "strength": rating.strength,
        "groups": list(rating.groups),
        "context": rating.context,
        "visibility": rating.visibility.value,
        "since": _day(rating.since),
        "lastInteraction": _day(rating.last_interaction),
        "createdAt": _iso(rating.created_at),
        "updatedAt": _iso(rating.updated_at),
        "reviewed": rating.reviewed,
        "history": [versions.version_record(v) for v in rating.history],
    }


async def export_store(
    store: Store,
    out: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> ExportReport:
    """Write the header line, every person, then every rating of `store` to `out`.

    `progress(records)` is called every 1,000 records with the count so far.
    """
    report = ExportReport()
    dumps = orjson.dumps
    header = {"kind": HEADER_KIND, "format": FORMAT, "exportedAt": _iso(now or datetime.now(UTC))}
    out.write(dumps(header) + b"\n")

    def emit(item: Exported) -> None:
        if isinstance(item, Person):
            out.write(dumps(person_record(item)) + b"\n")
            report.people += 1
        else:
            out.write(dumps(rating_record(item)) + b"\n")
            report.ratings += 1
        done = report.people + report.ratings
        if progress is not None and done % 1000 == 0:
            progress(done)

    await store.export_snapshot(emit)
    # Requests and policies are read after the snapshot of people and ratings (each in its
    # own read); people are never deleted by a request, so every one they name was exported
    # unless deleted meanwhile, which the restore reports by line.
    for request in await store.export_requests():
        out.write(dumps(request_record(request)) + b"\n")
        report.requests += 1
    for owner, policy in await store.export_policies():
        out.write(dumps({"kind": "policy", "owner": owner, "policy": policy.as_json()}) + b"\n")
        report.policies += 1
    if progress is not None:
        progress(report.people + report.ratings + report.requests + report.policies)
    return report


def request_record(request: ConnectionRequest) -> dict[str, Any]:
    responded = request.responded_at
    return {
        "kind": "request",
        "id": request.id,
        "from": request.from_id,
        "to": request.to_id,
        "message": request.message,
        "sentAt": _iso(request.sent_at),
        "status": request.status.value,
        "respondedAt": None if responded is None else _iso(responded),
    }

"""Rating history as stored: one JSON object per earlier version, the same in every store.

    {"strength": 3, "groups": ["Friends"], "visibility": "CONNECTIONS",
     "changedAt": "2026-11-27T10:00:00+00:00"}

The embedded store keeps a JSON array of these in a column (SQLite's json functions append to
it inside the upsert); Neo4j keeps a list of these objects as strings on the relationship (a
property cannot hold maps), which survives the relationship's retyping because the writer
carries it over. `tiegraph export` writes the same objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from service.domain import RatingVersion, Visibility


def _iso(value: datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def version_record(version: RatingVersion) -> dict[str, Any]:
    return {
        "strength": version.strength,
        "groups": list(version.groups),
        "visibility": version.visibility.value,
        "changedAt": _iso(version.changed_at),
    }


def version_from_record(record: Mapping[str, Any]) -> RatingVersion:
    """Raises KeyError/ValueError/TypeError on a malformed record (callers say where)."""
    strength = record["strength"]
    groups = record["groups"]
    if isinstance(strength, bool) or not isinstance(strength, int) or not 1 <= strength <= 5:
        raise ValueError(f"strength must be 1-5, got {strength!r}")
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise ValueError("groups must be a list of labels")
    changed = datetime.fromisoformat(record["changedAt"])
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    return RatingVersion(
        strength=strength,
        groups=tuple(groups),
        visibility=Visibility(record["visibility"]),
        changed_at=changed.astimezone(UTC),
    )


def encode(version: RatingVersion) -> str:
    return json.dumps(version_record(version), ensure_ascii=False, separators=(",", ":"))


def decode_all(texts: Iterable[str]) -> tuple[RatingVersion, ...]:
    return tuple(version_from_record(json.loads(text)) for text in texts)


def decode_array(text: str) -> tuple[RatingVersion, ...]:
    """The embedded store's column: a JSON array of version objects."""
    return tuple(version_from_record(item) for item in json.loads(text))


def encode_array(versions: Iterable[RatingVersion]) -> str:
    return json.dumps(
        [version_record(v) for v in versions], ensure_ascii=False, separators=(",", ":")
    )

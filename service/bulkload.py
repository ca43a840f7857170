"""Bulk load: a JSON Lines file -> validated `LoadBatch`es -> a store, resumable.

The file holds one object per line, people before the ratings that name them::

    {"kind": "person", "id": "p000001", "name": "Ana Ortiz", "company": "Acme"}
    {"kind": "rating", "from": "p000001", "to": "p000002", "strength": 3, "groups": ["Friends"]}

Every record goes through the same validation as the API (`service.domain`). Records are cut
into batches of `batch_size`; each batch is written in one transaction together with its
number (`Store.load_batch`), so a load that stops (a bad line, a crash, Ctrl-C) leaves whole
batches behind and the next run with the same file skips them. A bad line stops the load
before its batch is written: `BadRecord` names the line and the field.

The load is identified by a key derived from the file (its first MiB, its size) and the batch
size; ``restart`` starts a new generation of that key, so the old checkpoint no longer counts.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Final

import orjson

from service import versions
from service.domain import (
    KEEP,
    MaybeText,
    PersonFields,
    PersonPatch,
    Rating,
    RatingDraft,
    RatingFields,
    Visibility,
    validate_person,
    validate_rating,
    validate_strength,
)
from service.errors import InvalidInput, NotFound
from service.requests import ConnectionRequest, RequestStatus, TriagePolicy
from service.store.base import LoadBatch, Store

# Records per transaction. Each commit rewrites the index pages the batch touched, and a
# batch of ratings touches pages all over the by-target index: 50,000 loads tier L into the
# embedded store 1.25x as fast as 10,000 (bench/RESULTS.md), for ~35 MB of parsed records a
# batch (two are in memory: one written, the next parsed).
DEFAULT_BATCH_SIZE: Final = 50_000
_HEAD_BYTES: Final = 1 << 20

_PERSON_KEYS: Final = {
    "id": "id",
    "name": "name",
    "headline": "headline",
    "company": "company",
    "location": "location",
    "profileUrl": "profile_url",
}
_RATING_KEYS: Final = frozenset(
    {"kind", "from", "to", "strength", "groups", "visibility", "context", "since"}
    | {"lastInteraction"}
)


class BadRecord(ValueError):
    """A line of the file that cannot be loaded: the load stops before its batch."""

    def __init__(self, line: int, field: str | None, reason: str) -> None:
        where = f"line {line}" if field is None else f"line {line}, field {field!r}"
        super().__init__(f"{where}: {reason}")
        self.line = line
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ReadBatch:
    """A batch as read from the file, with where each rating came from."""

    batch: LoadBatch
    rating_lines: tuple[int, ...]
    # Bytes of the file read up to the end of this batch (for a progress bar).
    offset: int
    # Requests and policies of an export: written after the batch, by id / owner (so a
    # resumed load that writes them again changes nothing).
    requests: tuple[tuple[int, ConnectionRequest], ...] = ()
    policies: tuple[tuple[int, str, TriagePolicy], ...] = ()


@dataclass(slots=True)
class LoadReport:
    key: str
    batches: int = 0
    skipped_batches: int = 0
    people: int = 0
    ratings: int = 0
    seconds: float = 0.0
    resumed_after: int | None = None
    restarted: bool = False

    @property
    def ratings_per_second(self) -> float:
        return self.ratings / self.seconds if self.seconds > 0 else 0.0


# --- the load key ------------------------------------------------------------------------------


def file_key(path: Path, batch_size: int) -> str:
    """sha256 of the file's first MiB, its size and the batch size.

    The batch size is part of it: batch numbers mean other lines under another size.
    """
    digest = hashlib.sha256()
    with path.open("rb") as f:
        digest.update(f.read(_HEAD_BYTES))
    digest.update(f"|{path.stat().st_size}|{batch_size}".encode())
    return digest.hexdigest()


async def current_key(store: Store, base: str) -> tuple[str, int | None]:
    """The key of the latest generation of a load and its checkpoint.

    Generation 0 is `base`; ``--restart`` makes ``base@1``, ``base@2``, ...
    """
    key, done = base, await store.load_checkpoint(base)
    generation = 1
    while (later := await store.load_checkpoint(f"{base}@{generation}")) is not None:
        key, done = f"{base}@{generation}", later
        generation += 1
    return key, done


def _next_generation(base: str, key: str) -> str:
    generation = 0 if key == base else int(key.rsplit("@", 1)[1])
    return f"{base}@{generation + 1}"


# --- reading -----------------------------------------------------------------------------------


def _text(record: dict[str, Any], key: str, line: int) -> MaybeText:
    """A field as PersonInput sees it: absent keeps the stored value, null clears it."""
    if key not in record:
        return KEEP
    value = record[key]
    if value is not None and not isinstance(value, str):
        raise BadRecord(line, key, "must be a string or null")
    return value


def _date(record: dict[str, Any], key: str, line: int) -> date | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRecord(line, key, "must be an ISO-8601 date such as 2026-11-27")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRecord(line, key, f"{value!r} is not an ISO-8601 date") from None


def parse_person(record: dict[str, Any], line: int) -> PersonPatch:
    unknown = record.keys() - _PERSON_KEYS.keys() - {"kind"}
    if unknown:
        raise BadRecord(line, min(unknown), "is not a field of a person record")
    person_id, name = record.get("id"), record.get("name")
    if not isinstance(person_id, str):
        raise BadRecord(line, "id", "is required: a string of 1-200 characters")
    if not isinstance(name, str):
        raise BadRecord(line, "name", "is required: a string")
    fields = PersonFields(
        id=person_id,
        name=name,
        headline=_text(record, "headline", line),
        company=_text(record, "company", line),
        location=_text(record, "location", line),
        profile_url=_text(record, "profileUrl", line),
    )
    try:
        return validate_person(fields)
    except InvalidInput as e:
        raise BadRecord(line, e.field, e.reason) from None


_VISIBILITIES: Final = {v.value: v for v in Visibility}
# Distinct dates `_Seen` remembers (a file of random dates must not grow it without end).
_DATES_KEPT: Final = 100_000


class _Seen:
    """Values of this load that already passed the domain's validation.

    A file names each person in ~50 ratings and repeats a few group lists everywhere, while
    the domain checks text character by character: a value is validated once, and a rating
    made only of seen values is assembled as `validate_rating` would.
    """

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.groups: dict[tuple[Any, ...], tuple[str, ...]] = {(): ()}
        self.dates: dict[str, date] = {}

    def parse_date(self, record: dict[str, Any], key: str, line: int) -> date | None:
        """`_date`, parsing each distinct text once: a file repeats a few thousand dates."""
        value = record.get(key)
        if not isinstance(value, str):
            return _date(record, key, line)  # None, or the BadRecord of a value not text
        known = self.dates.get(value)
        if known is None:
            known = _date(record, key, line)
            if known is not None and len(self.dates) < _DATES_KEPT:
                self.dates[value] = known
        return known

    def rating(self, record: dict[str, Any], line: int) -> RatingDraft:
        """The rating of `record`, validated; the common case without a call per field."""
        from_id, to_id = record.get("from"), record.get("to")
        raw_groups = record.get("groups")
        visibility = record.get("visibility", "CONNECTIONS")
        try:
            groups = self.groups.get(() if raw_groups is None else tuple(raw_groups))
        except TypeError:  # not a list of labels: the full check says what is wrong
            groups = None
        if (
            groups is None
            or record.get("context") is not None
            or from_id not in self.ids
            or to_id not in self.ids
            or from_id == to_id
            or visibility not in _VISIBILITIES
            or not record.keys() <= _RATING_KEYS
        ):
            draft = parse_rating(record, line)
            self.ids.update((draft.from_id, draft.to_id))
            if raw_groups is not None:
                self.groups[tuple(raw_groups)] = draft.groups
            return draft
        try:
            strength = validate_strength(record.get("strength"))  # type: ignore[arg-type]
        except InvalidInput as e:
            raise BadRecord(line, e.field, e.reason) from None
        return RatingDraft(
            from_id=from_id,  # in self.ids: a valid id
            to_id=to_id,
            strength=strength,
            groups=groups,
            visibility=_VISIBILITIES[visibility],
            since=self.parse_date(record, "since", line),
            last_interaction=self.parse_date(record, "lastInteraction", line),
        )


def parse_rating(record: dict[str, Any], line: int) -> RatingDraft:
    unknown = record.keys() - _RATING_KEYS
    if unknown:
        raise BadRecord(line, min(unknown), "is not a field of a rating record")
    for key in ("from", "to"):
        if not isinstance(record.get(key), str):
            raise BadRecord(line, key, "is required: a person id")
    groups = record.get("groups")
    if groups is not None and not isinstance(groups, list):
        raise BadRecord(line, "groups", "must be a list of labels")
    visibility = record.get("visibility")
    if visibility is not None and visibility not in _VISIBILITIES:
        raise BadRecord(line, "visibility", "must be PUBLIC, CONNECTIONS or PRIVATE")
    context = record.get("context")
    if context is not None and not isinstance(context, str):
        raise BadRecord(line, "context", "must be a string or null")
    fields = RatingFields(
        from_id=record["from"],
        to_id=record["to"],
        strength=record.get("strength"),  # type: ignore[arg-type]  # validated below
        groups=groups,
        context=context,
        visibility=None if visibility is None else _VISIBILITIES[visibility],
        since=_date(record, "since", line),
        last_interaction=_date(record, "lastInteraction", line),
    )
    try:
        return validate_rating(fields, record["from"])
    except InvalidInput as e:
        raise BadRecord(line, e.field, e.reason) from None


def _records(lines: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, text) of every non-blank line."""
    for number, raw in enumerate(lines, 1):
        if not raw.isspace():
            yield number, raw


def read_batches(
    path: Path,
    key: str,
    batch_size: int,
    *,
    skip_through: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[ReadBatch]:
    """The file as batches of `batch_size` records; batches up to `skip_through` are counted
    but neither parsed nor returned (a resumed load does not redo their work).

    Raises `BadRecord` for the first bad line, before returning the batch that holds it.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    seen = _Seen()
    with path.open("rb") as f:
        records = _records(f)
        number = 0
        while True:
            chunk = list(itertools.islice(records, batch_size))
            if not chunk:
                return
            if skip_through is None or number > skip_through:
                yield _parse_batch(key, number, chunk, clock(), f.tell(), seen)
            number += 1


def _parse_batch(
    key: str,
    number: int,
    chunk: list[tuple[int, bytes]],
    now: datetime,
    offset: int,
    seen: _Seen,
) -> ReadBatch:
    people: list[PersonPatch] = []
    ratings: list[RatingDraft] = []
    rating_lines: list[int] = []
    restored: list[Rating] = []
    restored_lines: list[int] = []
    requests: list[tuple[int, ConnectionRequest]] = []
    policies: list[tuple[int, str, TriagePolicy]] = []
    loads = orjson.loads
    for line, raw in chunk:
        try:
            record = loads(raw)
        except ValueError as e:
            raise BadRecord(line, None, f"not a JSON object ({e})") from None
        if not isinstance(record, dict):
            raise BadRecord(line, None, "not a JSON object")
        kind = record.get("kind")
        if kind == "rating" and "createdAt" in record:
            restored.append(parse_restored(record, line))
            restored_lines.append(line)
        elif kind == "rating":
            ratings.append(seen.rating(record, line))
            rating_lines.append(line)
        elif kind == "person":
            person = parse_person(record, line)
            seen.ids.add(person.id)
            people.append(person)
        elif kind == HEADER_KIND:
            check_header(record, line)
        elif kind == "request":
            requests.append((line, parse_request(record, line)))
        elif kind == "policy":
            policies.append((line, *parse_policy(record, line)))
        else:
            raise BadRecord(line, "kind", f"{kind!r} is not a kind this tiegraph reads ({KINDS})")
    batch = LoadBatch(key, number, tuple(people), tuple(ratings), now, tuple(restored))
    return ReadBatch(
        batch, (*rating_lines, *restored_lines), offset, tuple(requests), tuple(policies)
    )


# --- loading -----------------------------------------------------------------------------------


def count_lines(path: Path) -> int:
    """How many lines `path` has: about the records a load of it brings (0.2 s for 400 MB)."""
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


async def load_file(
    store: Store,
    path: Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[LoadReport], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> LoadReport:
    """Load `path` into `store`, resuming after the last committed batch unless `restart`.

    `on_start(report)` is told whether the load resumes or restarts before anything is read;
    `progress(offset)` is called after each batch with the bytes of the file done so far.
    Raises `BadRecord` for a bad line or a rating naming an unknown person; the batches
    before it stay committed.
    """
    base = file_key(path, batch_size)
    key, done = await current_key(store, base)
    report = LoadReport(key=key, resumed_after=done)
    if restart and done is not None:
        key, done = _next_generation(base, key), None
        report.key, report.restarted, report.resumed_after = key, True, None
    if done is not None:
        report.skipped_batches = done + 1
    if on_start is not None:
        on_start(report)
    started = time.perf_counter()
    left = max(0, count_lines(path) - (0 if done is None else (done + 1) * batch_size))
    async with store.bulk_loading(left):
        # One batch is written while the next one is parsed: the store's work runs in its
        # own thread (SQLite) or on the network (Neo4j), parsing here.
        writing: tuple[ReadBatch, asyncio.Task[bool]] | None = None
        try:
            for read in read_batches(path, key, batch_size, skip_through=done, clock=clock):
                if writing is not None:
                    await _finish(store, *writing, report, progress)
                writing = (read, asyncio.ensure_future(store.load_batch(read.batch)))
                await asyncio.sleep(0)  # let the write start before parsing the next batch
        finally:
            if writing is not None:
                # Also when the next line was bad: the batches before it stay committed.
                await _finish(store, *writing, report, progress)
    report.seconds = time.perf_counter() - started
    return report


async def _finish(
    store: Store,
    read: ReadBatch,
    task: asyncio.Task[bool],
    report: LoadReport,
    progress: Callable[[int], None] | None,
) -> None:
    try:
        written = await task
    except NotFound as e:
        line = read.rating_lines[e.index] if e.index is not None else 0
        raise BadRecord(
            line, e.field, f"no person {e.person_id!r} in the store or earlier in the file"
        ) from None
    for line, request in read.requests:
        try:
            await store.restore_requests([request])
        except NotFound as e:
            raise BadRecord(line, e.field, f"no person {e.person_id!r} in the store") from None
    for line, owner, policy in read.policies:
        try:
            await store.put_policy(owner, policy)
        except NotFound:
            raise BadRecord(line, "owner", f"no person {owner!r} in the store") from None
    if written:
        report.batches += 1
        report.people += len(read.batch.people)
        report.ratings += len(read.batch.ratings) + len(read.batch.restored)
    else:
        report.skipped_batches += 1
    if progress is not None:
        progress(read.offset)


# --- `tiegraph export` files: a header line and whole ratings (issue 8) --------------------

# The first line of an export: {"kind": "tiegraph", "format": 1, "exportedAt": ...}.
HEADER_KIND: Final = "tiegraph"
FORMAT: Final = 1
KINDS: Final = '"tiegraph", "person", "rating", "request", "policy"'
_RESTORED_KEYS: Final = frozenset({"createdAt", "updatedAt", "reviewed", "history"})


def check_header(record: dict[str, Any], line: int) -> None:
    if record.get("format") != FORMAT:
        raise BadRecord(
            line,
            "format",
            f"this tiegraph reads export format {FORMAT}, not {record.get('format')!r}",
        )


def _timestamp(record: dict[str, Any], key: str, line: int) -> datetime:
    value = record.get(key)
    if not isinstance(value, str):
        raise BadRecord(line, key, "is required: an ISO-8601 date-time with offset")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord(line, key, f"{value!r} is not an ISO-8601 date-time") from None
    if stamp.tzinfo is None:
        raise BadRecord(line, key, "needs an offset (such as +00:00)")
    return stamp.astimezone(UTC)


def parse_restored(record: dict[str, Any], line: int) -> Rating:
    """A rating as `tiegraph export` wrote it: validated like any rating, plus its
    timestamps, `reviewed` and `history`, kept as they are."""
    draft = parse_rating({k: v for k, v in record.items() if k not in _RESTORED_KEYS}, line)
    reviewed = record.get("reviewed", True)
    if not isinstance(reviewed, bool):
        raise BadRecord(line, "reviewed", "must be true or false")
    history = record.get("history") or []
    if not isinstance(history, list):
        raise BadRecord(line, "history", "must be a list of earlier versions")
    try:
        earlier = tuple(versions.version_from_record(item) for item in history)
    except (KeyError, TypeError, ValueError) as e:
        raise BadRecord(line, "history", f"an earlier version is malformed ({e})") from None
    return Rating(
        from_id=draft.from_id,
        to_id=draft.to_id,
        strength=draft.strength,
        groups=draft.groups,
        context=draft.context,
        visibility=draft.visibility,
        since=draft.since,
        last_interaction=draft.last_interaction,
        created_at=_timestamp(record, "createdAt", line),
        updated_at=_timestamp(record, "updatedAt", line),
        reviewed=reviewed,
        history=earlier,
    )


def parse_request(record: dict[str, Any], line: int) -> ConnectionRequest:
    for key in ("id", "from", "to"):
        if not isinstance(record.get(key), str) or not record[key]:
            raise BadRecord(line, key, "is required: a non-empty string")
    message = record.get("message")
    if message is not None and not isinstance(message, str):
        raise BadRecord(line, "message", "must be a string or null")
    try:
        status = RequestStatus(record.get("status"))
    except ValueError:
        raise BadRecord(line, "status", "must be PENDING, ACCEPTED or DECLINED") from None
    responded = record.get("respondedAt")
    return ConnectionRequest(
        id=record["id"],
        from_id=record["from"],
        to_id=record["to"],
        message=message,
        sent_at=_timestamp(record, "sentAt", line),
        status=status,
        responded_at=None if responded is None else _timestamp(record, "respondedAt", line),
    )


def parse_policy(record: dict[str, Any], line: int) -> tuple[str, TriagePolicy]:
    owner, policy = record.get("owner"), record.get("policy")
    if not isinstance(owner, str) or not owner:
        raise BadRecord(line, "owner", "is required: a person id")
    if not isinstance(policy, dict):
        raise BadRecord(line, "policy", "must be an object")
    return owner, TriagePolicy.from_json(policy)

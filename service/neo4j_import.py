"""First load of a JSON Lines file into an empty Neo4j with Neo4j's offline importer.

`tiegraph load` writes through Cypher transactions, a few thousand ratings a second on Neo4j.
For a new database there is a faster way: ``neo4j-admin database import full`` builds the
store files from CSV directly. This module reads the same file the same way (`service.bulkload`:
the same records, the same validation, the same batches and ``BadRecord`` messages), decides
what `tiegraph load` would have left in Neo4j, writes that as the importer's CSV files
(`service.neo4j_csv`) and runs the importer (`service.neo4j_admin`).

What it shares with `tiegraph load`, and why it is the same result:

- Every line is checked before the importer starts, so a bad line stops the import with the
  message `tiegraph load` gives for it, and nothing is imported (there are no "batches before
  it": a store is built whole or not at all).
- A rating must name people of its own batch or an earlier one, as a batch is written after
  the people before it; a request or a policy, people of its batch or earlier.
- Repeats resolve as the Bolt path resolves them, batch by batch (the batch size matters, as
  for `tiegraph load`): a person's later records patch the earlier ones; within a batch the
  last rating of a pair wins; a rating of a pair rated in an earlier batch replaces it,
  keeping its ``createdAt`` and adding the replaced version to its history; an exported
  (restored) rating replaces whatever the pair had; the last request of an id and the last
  policy of an owner win.
- The load's checkpoint is imported too, so `tiegraph load` of the same file with the same
  batch size afterwards finds every batch done.

Two passes only when needed: the first pass writes every row as it reads it, which is right
unless a person or a pair comes back (or an owner has a policy, which lives on the person's
row). Then the first pass has found exactly which ones, and a second pass keeps just those in
memory until the end and writes everything else straight through. A generated network is
read once.

Memory: a dict of person ids to node numbers, and in the first pass a set of rated pairs
(about 70 bytes a rating: ~2 GB at 25M ratings), freed before the importer starts.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from service import neo4j_admin
from service.bulkload import DEFAULT_BATCH_SIZE, BadRecord, ReadBatch, file_key, read_batches
from service.domain import Person, PersonPatch, Rating, RatingDraft, RatingVersion
from service.neo4j_csv import ImportFiles
from service.requests import ConnectionRequest, TriagePolicy
from service.runtime import fewer_collections


@dataclass(slots=True)
class ImportReport:
    people: int = 0
    ratings: int = 0
    requests: int = 0
    batches: int = 0
    # 1, or 2 when the file repeats a person or a pair (see the module's docstring).
    passes: int = 1
    csv_seconds: float = 0.0
    importer_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.csv_seconds + self.importer_seconds

    @property
    def ratings_per_second(self) -> float:
        return self.ratings / self.seconds if self.seconds > 0 else 0.0


def import_file(
    path: Path,
    data_dir: Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    overwrite: bool = False,
    csv_dir: Path | None = None,
    keep_csv: bool = False,
    progress: Callable[[int], None] | None = None,
    importer_progress: Callable[[neo4j_admin.ImporterProgress], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ImportReport:
    """Import `path` into the ``neo4j`` database of `data_dir` (a `scripts/neo4j-local`
    data directory, its server stopped).

    The CSV files go to `csv_dir` (default: a directory in `data_dir`), removed afterwards
    unless `keep_csv`. `progress(offset)` is told the bytes of the file read after each batch,
    then `importer_progress` each stage and percentage the importer reports.
    Raises `BadRecord` for the first bad line and `neo4j_admin.ImporterError` (or its
    `ImportRefused`) when the importer refuses or fails; either way nothing is imported.
    """
    neo4j_admin.check_can_import(data_dir, overwrite=overwrite)
    directory = csv_dir or data_dir / "import-csv"
    started = time.perf_counter()
    try:
        files, report = write_files(path, directory, batch_size, progress=progress, clock=clock)
        report.csv_seconds = time.perf_counter() - started
        started = time.perf_counter()
        neo4j_admin.run_importer(
            data_dir, files.importer_args(), overwrite=overwrite, progress=importer_progress
        )
        report.importer_seconds = time.perf_counter() - started
    finally:
        if not keep_csv:
            shutil.rmtree(directory, ignore_errors=True)
    return report


def write_files(
    path: Path,
    directory: Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
    *,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[ImportFiles, ImportReport]:
    """The importer's CSV files of `path` in `directory` (closed), and what they hold.

    Raises `BadRecord` for the first bad line, as `tiegraph load` would. Runs with fewer
    garbage collections: with CPython's thresholds they took up to a quarter of the time.
    """
    with fewer_collections():
        first = _Conversion(ImportFiles(directory), held=None)
        _convert(path, batch_size, first, progress, clock)
        if not first.repeats.any():
            return first.files, first.report
        second = _Conversion(ImportFiles(directory), held=first.repeats)
        second.report.passes = 2
        del first  # its set of pairs
        _convert(path, batch_size, second, progress, clock)
        return second.files, second.report


def _convert(
    path: Path,
    batch_size: int,
    conversion: _Conversion,
    progress: Callable[[int], None] | None,
    clock: Callable[[], datetime],
) -> None:
    key = file_key(path, batch_size)
    try:
        for read in read_batches(path, key, batch_size, clock=clock):
            conversion.batch(read)
            if progress is not None:
                progress(read.offset)
        conversion.finish(key)
    finally:
        conversion.files.close()


@dataclass(slots=True)
class _Repeats:
    """What the first pass found coming back: people (by id) and pairs (by `_pair` key)."""

    people: set[str] = field(default_factory=set)
    pairs: set[int] = field(default_factory=set)

    def any(self) -> bool:
        return bool(self.people or self.pairs)


def _pair(start: int, end: int) -> int:
    return start << 32 | end


def _missing_person(line: int, field_name: str, person_id: str, where: str) -> BadRecord:
    return BadRecord(line, field_name, f"no person {person_id!r} in the store{where}")


_EARLIER: str = " or earlier in the file"


class _Conversion:
    """One pass over the file's batches into `files`.

    With `held` None it is the first pass: it writes every row and records in `repeats`
    what came back (after which its files are wrong, and a second pass follows). With
    `held`, those people and pairs are kept in memory and written by `finish`.
    """

    def __init__(self, files: ImportFiles, held: _Repeats | None) -> None:
        self.files = files
        self.first_pass = held is None
        self.held = held or _Repeats()
        self.repeats = _Repeats()
        self.report = ImportReport()
        self.nodes: dict[str, int] = {}
        self.pairs: set[int] = set()  # first pass: every pair seen
        self.people: dict[str, Person] = {}  # held people, as stored so far
        self.ratings: dict[int, tuple[int, int, Rating]] = {}  # held pairs, as stored so far
        self.policies: dict[str, str] = {}
        self.requests: dict[str, tuple[int, int, ConnectionRequest]] = {}
        self.last: tuple[int, datetime] | None = None
        self.written = 0  # ratings written straight through

    # --- a batch, in the order `Neo4jStore.load_batch` and `bulkload._finish` write it ---

    def batch(self, read: ReadBatch) -> None:
        batch = read.batch
        self._people(batch.people)
        self._new_ratings(read, batch.ratings, batch.now)
        self._restored(read, batch.restored, len(batch.ratings))
        self._requests(read.requests)
        self._policies(read.policies)
        self.last = (batch.number, batch.now)
        self.report.batches += 1

    def _people(self, patches: Sequence[PersonPatch]) -> None:
        nodes, held = self.nodes, self.held.people
        for patch in patches:
            node = nodes.get(patch.id)
            if node is None:
                nodes[patch.id] = len(nodes)
            elif self.first_pass:
                self.repeats.people.add(patch.id)
            if patch.id in held:
                self.people[patch.id] = patch.apply(self.people.get(patch.id))
            elif self.first_pass or node is None:
                self.files.person(nodes[patch.id], patch.apply(None))

    def _ends(self, read: ReadBatch, at: int, rating: RatingDraft | Rating) -> tuple[int, int]:
        """The node numbers of a rating's people; `BadRecord` (as `tiegraph load` says it)
        when one is not in this batch or an earlier one."""
        start, end = self.nodes.get(rating.from_id), self.nodes.get(rating.to_id)
        if start is None:
            raise _missing_person(read.rating_lines[at], "from", rating.from_id, _EARLIER)
        if end is None:
            raise _missing_person(read.rating_lines[at], "to", rating.to_id, _EARLIER)
        return start, end

    def _new_ratings(self, read: ReadBatch, drafts: Sequence[RatingDraft], now: datetime) -> None:
        straight: list[tuple[int, int, RatingDraft]] = []
        held: dict[int, tuple[int, int, RatingDraft]] = {}  # the last of each held pair
        pairs, held_pairs = self.pairs, self.held.pairs
        for at, draft in enumerate(drafts):
            start, end = self._ends(read, at, draft)
            key = _pair(start, end)
            if self.first_pass:
                if key in pairs:
                    self.repeats.pairs.add(key)
                pairs.add(key)
                straight.append((start, end, draft))
            elif key in held_pairs:
                held[key] = (start, end, draft)
            else:
                straight.append((start, end, draft))
        self.files.new_ratings(straight, now)
        self.written += len(straight)
        for key, (start, end, draft) in held.items():
            before = self.ratings.get(key)
            self.ratings[key] = (
                start,
                end,
                _rated(None if before is None else before[2], draft, now),
            )

    def _restored(self, read: ReadBatch, restored: Sequence[Rating], offset: int) -> None:
        for at, rating in enumerate(restored, offset):
            start, end = self._ends(read, at, rating)
            key = _pair(start, end)
            if self.first_pass:
                if key in self.pairs:
                    self.repeats.pairs.add(key)
                self.pairs.add(key)
            if key in self.held.pairs:
                self.ratings[key] = (start, end, rating)
            else:
                self.files.rating(start, end, rating)
                self.written += 1

    def _requests(self, requests: Sequence[tuple[int, ConnectionRequest]]) -> None:
        for line, request in requests:
            start, end = self.nodes.get(request.from_id), self.nodes.get(request.to_id)
            if start is None:
                raise _missing_person(line, "from", request.from_id, "")
            if end is None:
                raise _missing_person(line, "to", request.to_id, "")
            self.requests[request.id] = (start, end, request)

    def _policies(self, policies: Sequence[tuple[int, str, TriagePolicy]]) -> None:
        for line, owner, policy in policies:
            if owner not in self.nodes:
                raise _missing_person(line, "owner", owner, "")
            if self.first_pass:
                self.repeats.people.add(owner)  # its row is written already
            # As `Neo4jStore.put_policy` stores it.
            self.policies[owner] = json.dumps(policy.as_json(), ensure_ascii=False)

    # --- the end ----------------------------------------------------------------------------

    def finish(self, key: str) -> None:
        """Write what was held, the requests and the load's checkpoint."""
        for person_id, person in self.people.items():
            self.files.person(self.nodes[person_id], person, self.policies.get(person_id))
        for start, end, rating in self.ratings.values():
            self.files.rating(start, end, rating)
        for start, end, request in self.requests.values():
            self.files.request(start, end, request)
        if self.last is not None:
            number, now = self.last
            self.files.checkpoint(len(self.nodes), key, number, now)
        self.report.people = len(self.nodes)
        # (A first pass that found repeats counted some pairs twice; its report is dropped.)
        self.report.ratings = self.written + len(self.ratings)
        self.report.requests = len(self.requests)


def _rated(before: Rating | None, draft: RatingDraft, now: datetime) -> Rating:
    """The rating `draft` leaves at `now` where the pair had `before` (from an earlier
    batch): as `Neo4jStore` replaces one, `createdAt` kept and `before` added to history."""
    if before is None:
        return draft.stamped(now, now)
    replaced = RatingVersion(
        strength=before.strength,
        groups=before.groups,
        visibility=before.visibility,
        changed_at=before.updated_at,
    )
    return replace(draft.stamped(before.created_at, now), history=(*before.history, replaced))

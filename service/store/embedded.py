"""EmbeddedStore: SQLite on disk as the record of truth, a compact networkx graph in memory.

Every write runs in one SQLite transaction (WAL, ``synchronous=FULL``) and is acknowledged
only after COMMIT returned; the in-memory graph is changed only after that, under the same
lock that readers take, so a read never sees a half-applied or rolled-back write. All SQLite
and graph work runs in a worker thread (`asyncio.to_thread`) to keep the event loop free.

In memory: one `pathsearch.RatingGraph` node per person (attributes ``person`` and
``name_key``) and one edge per pair of people who rated each other in either direction,
carrying both ratings' strength and visibility packed in a small int. That is all the path
search reads; whole ratings (groups, dates, times) are read from SQLite when a query returns
them, so memory grows by about two dict entries per rating instead of a `Rating` object.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
import errno
import fcntl
import functools
import gc
import itertools
import json
import os
import pathlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

import orjson

from service import pathsearch, versions
from service.access import can_see
from service.domain import (
    Path,
    PathQuery,
    Person,
    PersonPatch,
    Rating,
    RatingDraft,
    Viewer,
    Visibility,
    name_key,
)
from service.errors import InvalidInput, NotFound, StoreUnavailable, StoreUnusable, over_time_budget
from service.requests import (
    ConnectionRequest,
    RequestDraft,
    RequestNotFound,
    RequestsAfter,
    RequestStatus,
    TriagePolicy,
)
from service.scoring import ScoringTable
from service.store.base import (
    Exported,
    ImportBatch,
    ImportCounts,
    LoadBatch,
    PeopleAfter,
    RatingsAfter,
    ReviewAfter,
)

DB_FILENAME: Final = "tiegraph.sqlite3"
# Held (flock, exclusive) by the process that has the directory open; holds its pid.
LOCK_FILENAME: Final = "tiegraph.lock"
_BULK_CACHE_KIB: Final = 256 * 1024

T = TypeVar("T")

# Append-only: MIGRATIONS[n] takes a database from user_version n to n + 1.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """
        CREATE TABLE person (
            id          TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            name_key    TEXT NOT NULL,
            headline    TEXT,
            company     TEXT,
            location    TEXT,
            profile_url TEXT
        )
        """,
        """
        CREATE TABLE rating (
            from_id          TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
            to_id            TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
            strength         INTEGER NOT NULL CHECK (strength BETWEEN 1 AND 5),
            groups           TEXT NOT NULL,
            context          TEXT,
            visibility       TEXT NOT NULL
                             CHECK (visibility IN ('PUBLIC', 'CONNECTIONS', 'PRIVATE')),
            since            TEXT,
            last_interaction TEXT,
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            PRIMARY KEY (from_id, to_id),
            CHECK (from_id <> to_id)
        )
        """,
        # The cascade on delete of a person looks ratings up by to_id too.
        "CREATE INDEX rating_to_id ON rating(to_id)",  # see also _TO_ID_INDEX
    ),
    (
        # The last committed batch of each bulk load (`load_batch`), for resuming.
        """
        CREATE TABLE load_checkpoint (
            key        TEXT PRIMARY KEY,
            batch      INTEGER NOT NULL CHECK (batch >= 0),
            updated_at TEXT NOT NULL
        )
        """,
    ),
    # Issue 9: connection requests and triage policies. IF NOT EXISTS: the tables are
    # independent of the other migrations, so their order among them does not matter.
    (
        """
        CREATE TABLE IF NOT EXISTS connection_request (
            id           TEXT PRIMARY KEY,
            from_id      TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
            to_id        TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
            message      TEXT,
            sent_at      TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED')),
            responded_at TEXT,
            CHECK (from_id <> to_id)
        )
        """,
        # At most one pending request per (requester, owner): a new one updates it.
        """
        CREATE UNIQUE INDEX IF NOT EXISTS connection_request_pending
        ON connection_request(from_id, to_id) WHERE status = 'PENDING'
        """,
        # The owner's pages, newest first.
        """
        CREATE INDEX IF NOT EXISTS connection_request_page
        ON connection_request(to_id, status, sent_at DESC, id)
        """,
        """
        CREATE TABLE IF NOT EXISTS triage_policy (
            owner_id   TEXT PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
            policy     TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
    ),
    (
        # Issue 8: imported ratings wait for review; every replace keeps the replaced version
        # (a JSON array, `service.versions`). v1 rows read as reviewed with no history.
        "ALTER TABLE rating ADD COLUMN reviewed INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE rating ADD COLUMN history TEXT NOT NULL DEFAULT '[]'",
        # toReview reads one owner's unreviewed ratings by since.
        "CREATE INDEX rating_unreviewed ON rating(from_id, since) WHERE reviewed = 0",
    ),
)
SCHEMA_VERSION: Final = len(MIGRATIONS)

_UPSERT_PERSON: Final = """
    INSERT INTO person (id, name, name_key, headline, company, location, profile_url)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
        name = excluded.name, name_key = excluded.name_key, headline = excluded.headline,
        company = excluded.company, location = excluded.location,
        profile_url = excluded.profile_url
"""
# A replace appends the replaced version to `history` (the right-hand sides read the old row).
_REPLACE_RATING: Final = """
    ON CONFLICT (from_id, to_id) DO UPDATE SET
        strength = excluded.strength, groups = excluded.groups, context = excluded.context,
        visibility = excluded.visibility, since = excluded.since,
        last_interaction = excluded.last_interaction, updated_at = excluded.updated_at,
        reviewed = excluded.reviewed,
        history = json_insert(history, '$[#]', json_object(
            'strength', strength, 'groups', json(groups), 'visibility', visibility,
            'changedAt', updated_at))
"""
# A bulk load that brings at least half as many ratings as the store holds drops the to_id
# index for the load and builds it again at the end (`bulk_loading`). Kept up row by row, it
# cost 2.7-5.3 µs of writer time per rating at tier L (46.2 and 39.5 s against 32.9 and
# 32.7 s for 2,488,380 ratings); built at the end from sorted keys, 0.8 µs per rating held
# (1.9 s for the same 2,488,380). So rebuilding pays while the store holds at most about twice
# what the load brings. `_open_database` builds it when a load died before its end.
_TO_ID_INDEX: Final = "CREATE INDEX IF NOT EXISTS rating_to_id ON rating(to_id)"
_DROP_TO_ID_INDEX: Final = "DROP INDEX IF EXISTS rating_to_id"
_COUNT_RATINGS: Final = "SELECT count(*) FROM rating"
_DEFER_INDEX_BELOW: Final = 2  # stored ratings per loaded one, at most

_INSERT_RATING: Final = """
    INSERT INTO rating (from_id, to_id, strength, groups, context, visibility, since,
                        last_interaction, created_at, updated_at, reviewed)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_UPSERT_RATING: Final = _INSERT_RATING + _REPLACE_RATING
# The same write for a whole bulk-load batch: ?1 is a JSON array of `_draft_json_row`s, ?2 the
# time. One statement is one call into SQLite, which runs it without holding Python's GIL, so
# the loader parses the next batch meanwhile (`executemany` takes the GIL back for every row,
# and each time waits for the parser to let go of it). `ORDER BY key`: the rows go in array
# order, as `executemany` would write them, so of the same pair twice the later one wins and
# the history keeps the earlier. `WHERE true`: SQLite's grammar needs it before ON CONFLICT.
_INSERT_RATINGS_JSON: Final = """
    INSERT INTO rating (from_id, to_id, strength, groups, context, visibility, since,
                        last_interaction, created_at, updated_at, reviewed)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
           json_extract(value, '$[2]'), json_extract(value, '$[3]'),
           json_extract(value, '$[4]'), json_extract(value, '$[5]'),
           json_extract(value, '$[6]'), json_extract(value, '$[7]'),
           ?2, ?2, json_extract(value, '$[8]')
    FROM json_each(?1) WHERE true ORDER BY key
"""
_UPSERT_RATINGS_JSON: Final = _INSERT_RATINGS_JSON + _REPLACE_RATING
_SELECT_PEOPLE: Final = (
    "SELECT id, name, name_key, headline, company, location, profile_url FROM person"
)
_UPSERT_RATING_RETURNING: Final = _UPSERT_RATING + " RETURNING created_at, history"
# A batch of distinct pairs in one statement. RETURNING gives no order: rows name their pair.
_UPSERT_RATINGS_JSON_RETURNING: Final = (
    _UPSERT_RATINGS_JSON + " RETURNING from_id, to_id, created_at, history"
)
_SELECT_RATING: Final = """
    SELECT from_id, to_id, strength, groups, context, visibility, since, last_interaction,
           created_at, updated_at, reviewed, history
    FROM rating WHERE from_id = ? AND to_id = ?
"""
_SELECT_GROUPS: Final = "SELECT groups FROM rating WHERE from_id = ? AND to_id = ?"
# What the graph keeps of every rating.
_SELECT_TIES: Final = "SELECT from_id, to_id, strength, visibility FROM rating"
_RATINGS_BY: Final = """
    SELECT from_id, to_id, strength, groups, context, visibility, since, last_interaction,
           created_at, updated_at, reviewed, history
    FROM rating
    WHERE from_id = ? AND visibility IN (?, ?, ?)
      AND (? IS NULL OR strength <= ?)
      AND (? IS NULL OR (strength, to_id) > (?, ?))
      AND (? IS NULL OR EXISTS (SELECT 1 FROM json_each(rating.groups) WHERE value = ?))
    ORDER BY strength, to_id
    LIMIT ?
"""
_SELECT_CHECKPOINT: Final = "SELECT batch FROM load_checkpoint WHERE key = ?"
_SAVE_CHECKPOINT: Final = """
    INSERT INTO load_checkpoint (key, batch, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET batch = excluded.batch, updated_at = excluded.updated_at
"""


# --- issue 8: import, review, export ---------------------------------------------------------
_RESTORE_RATING: Final = """
    INSERT OR REPLACE INTO rating (from_id, to_id, strength, groups, context, visibility, since,
                                   last_interaction, created_at, updated_at, reviewed, history)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# An import creates a rating only where the pair has none: the owner's own one is kept.
_INSERT_RATING_IF_ABSENT: Final = """
    INSERT INTO rating (from_id, to_id, strength, groups, context, visibility, since,
                        last_interaction, created_at, updated_at, reviewed)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (from_id, to_id) DO NOTHING
"""
_TO_REVIEW: Final = """
    SELECT from_id, to_id, strength, groups, context, visibility, since, last_interaction,
           created_at, updated_at, reviewed, history
    FROM rating
    WHERE from_id = ? AND reviewed = 0
      AND (? = 0
           OR (? IS NULL AND since IS NULL AND to_id > ?)
           OR (? IS NOT NULL AND (since IS NULL OR since < ? OR (since = ? AND to_id > ?))))
    ORDER BY since IS NULL, since DESC, to_id
    LIMIT ?
"""
_EXPORT_PEOPLE: Final = (
    "SELECT id, name, name_key, headline, company, location, profile_url FROM person ORDER BY id"
)
_EXPORT_RATINGS: Final = """
    SELECT from_id, to_id, strength, groups, context, visibility, since, last_interaction,
           created_at, updated_at, reviewed, history
    FROM rating ORDER BY from_id, to_id
"""


def _iso_datetime(value: datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def _iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _person_row(person: Person) -> tuple[Any, ...]:
    return (
        person.id,
        person.name,
        name_key(person.name),
        person.headline,
        person.company,
        person.location,
        person.profile_url,
    )


@functools.lru_cache(maxsize=4096)
def _groups_text(groups: tuple[str, ...]) -> str:
    # A load repeats a few group lists millions of times.
    return json.dumps(list(groups), ensure_ascii=False)


def _draft_json_row(draft: RatingDraft) -> tuple[Any, ...]:
    """A rating's column values but the two times: a row of `_UPSERT_RATINGS_JSON`
    (`_draft_row` adds the times)."""
    since, last = draft.since, draft.last_interaction
    return (
        draft.from_id,
        draft.to_id,
        draft.strength,
        _groups_text(draft.groups),
        draft.context,
        draft.visibility.value,
        None if since is None else since.isoformat(),
        None if last is None else last.isoformat(),
        int(draft.reviewed),
    )


def _json_rows(drafts: Sequence[RatingDraft]) -> str:
    """The ?1 of `_UPSERT_RATINGS_JSON`: the drafts' rows as one JSON array."""
    return orjson.dumps(list(map(_draft_json_row, drafts))).decode()


def _draft_row(draft: RatingDraft, now: str) -> tuple[Any, ...]:
    """The row of a rating written at `now` (created_at stays as stored on a replace)."""
    *values, reviewed = _draft_json_row(draft)
    return (*values, now, now, reviewed)


# An import files an invitation again only when the owner has not answered that very one
# (same requester, same sentAt): importing the same file twice changes nothing.
_ANSWERED_REQUEST: Final = """
    SELECT 1 FROM connection_request
    WHERE from_id = ? AND to_id = ? AND sent_at = ? AND status <> 'PENDING'
"""
_RESTORE_REQUEST: Final = """
    INSERT OR REPLACE INTO connection_request
        (id, from_id, to_id, message, sent_at, status, responded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
"""


def _restored_row(rating: Rating) -> tuple[Any, ...]:
    return (
        rating.from_id,
        rating.to_id,
        rating.strength,
        _groups_text(rating.groups),
        rating.context,
        rating.visibility.value,
        _iso_date(rating.since),
        _iso_date(rating.last_interaction),
        _iso_datetime(rating.created_at),
        _iso_datetime(rating.updated_at),
        int(rating.reviewed),
        versions.encode_array(rating.history),
    )


class _RatingReader:
    """Rows -> Ratings, sharing one tuple per distinct groups text: most ratings repeat a few
    labels, and a graph of millions of ratings should not hold millions of equal tuples."""

    def __init__(self) -> None:
        self._groups: dict[str, tuple[str, ...]] = {}

    def groups(self, text: str) -> tuple[str, ...]:
        labels = self._groups.get(text)
        if labels is None:
            labels = self._groups.setdefault(text, tuple(json.loads(text)))
        return labels

    def __call__(self, row: sqlite3.Row | tuple[Any, ...]) -> Rating:
        (from_id, to_id, strength, groups, context, visibility, since, last, created, updated) = (
            row[:10]
        )
        # Queries that select only the v1 columns read as reviewed with no history.
        reviewed, history = row[10:12] if len(row) > 10 else (1, "[]")
        return Rating(
            from_id=from_id,
            to_id=to_id,
            strength=strength,
            groups=self.groups(groups),
            context=context,
            visibility=Visibility(visibility),
            since=_date(since),
            last_interaction=_date(last),
            created_at=datetime.fromisoformat(created),
            updated_at=datetime.fromisoformat(updated),
            reviewed=bool(reviewed),
            history=() if history == "[]" else versions.decode_array(history),
        )


class EmbeddedStore:
    """The zero-setup store: ``data_dir/tiegraph.sqlite3`` plus an in-memory rating graph.

    `busy_timeout` is how long a write waits for another process holding the database before
    it gives up with `StoreUnavailable`.
    """

    def __init__(
        self,
        data_dir: pathlib.Path,
        *,
        busy_timeout: float = 5.0,
        query_budget: float = 5.0,
        read_only: bool = False,
    ) -> None:
        self._query_budget = query_budget
        # Read-only: for `tiegraph export` and `tiegraph report` beside a running service. No
        # directory lock (the service holds it), no migration, and every write is refused;
        # SQLite's WAL gives each read transaction a consistent snapshot.
        self.read_only = read_only
        self.data_dir = pathlib.Path(data_dir)
        self.path = self.data_dir / DB_FILENAME
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        self._read = _RatingReader()
        self._graph = self._new_graph()
        # (name, id) of every person, sorted by code point: `people` pages walk it in order.
        self._by_name: list[tuple[str, str]] = []

    # --- plumbing ---------------------------------------------------------------------------
    async def _run(self, work: Callable[[], T], *, needs_open: bool = True) -> T:
        """Run `work` in a worker thread holding the lock; SQLite errors -> StoreUnavailable.

        A closed store answers nothing rather than reading an empty graph.
        """

        def locked() -> T:
            with self._lock:
                if needs_open:
                    self._connection()
                try:
                    return work()
                except sqlite3.IntegrityError:
                    raise  # a broken invariant of ours, not an unreachable store
                except sqlite3.Error as e:
                    raise StoreUnavailable(f"the embedded store failed: {e}") from e

        return await asyncio.to_thread(locked)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreUnavailable("the embedded store is not open")
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; any exception rolls back and propagates."""
        conn = self._connection()
        if self.read_only:
            raise StoreUnusable(f"{self.data_dir} is open read-only here: nothing can be written")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # --- lifecycle --------------------------------------------------------------------------
    async def open(self) -> None:
        await self._run(self._open, needs_open=False)

    def _open(self) -> None:
        if self._conn is not None:
            return
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnusable(
                f"cannot use {self.data_dir} as the data directory: {e.strerror or e}"
            ) from e
        if not self.read_only:
            self._take_directory_lock()
        try:
            self._open_database()
        except BaseException:
            self._release_directory_lock()
            raise

    def _take_directory_lock(self) -> None:
        """One process per data directory: a second one would serve a graph in memory that
        the first one's writes never reach. An OS lock, released when the process dies."""
        path = self.data_dir / LOCK_FILENAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise StoreUnusable(f"cannot write in the data directory {self.data_dir}: {e}") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreUnusable(
                    f"the data directory {self.data_dir} is in use by another tiegraph "
                    f"process (pid {holder}); stop it, or give this one another --data-dir"
                ) from e
            raise StoreUnusable(f"cannot lock {path}: {e}") from e
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _release_directory_lock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the only descriptor releases the flock

    def _open_database(self) -> None:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a commit is never implicit.
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=self._busy_timeout
            )
        except sqlite3.Error as e:
            raise StoreUnusable(f"cannot open {self.path}: {e}") from e
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreUnusable(f"{self.path}: cannot use WAL journal mode (got {mode})")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            # 64 MiB of page cache (default 2 MiB): a bulk load inserts into three B-trees of
            # millions of keys; allocated only as pages are read.
            conn.execute("PRAGMA cache_size=-65536")
            self._conn = conn
            self._migrate(conn)
            if not self.read_only:
                conn.execute(_TO_ID_INDEX)  # a bulk load that died dropped it (bulk_loading)
            self._load(conn)
        except sqlite3.OperationalError as e:
            self._conn = None
            conn.close()
            text = str(e).lower()
            if "locked" in text or "busy" in text:
                raise  # another (non-tiegraph) process holds the database: may pass
            raise StoreUnusable(f"cannot use {self.path}: {e}") from e
        except BaseException:
            self._conn = None
            conn.close()
            raise

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if self.read_only:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise StoreUnusable(
                    f"{self.path} has schema version {version}, this tiegraph {SCHEMA_VERSION}: "
                    "open it once with `tiegraph serve` (which migrates it) before reading it"
                )
            return
        with self._transaction():
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreUnusable(
                    f"{self.path} has schema version {version}; this tiegraph knows up to "
                    f"{SCHEMA_VERSION}"
                )
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            # PRAGMA takes no parameters; SCHEMA_VERSION is our own integer.
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")

    def _new_graph(self) -> pathsearch.RatingGraph:
        graph = pathsearch.RatingGraph()
        graph.labels = self._labels
        return graph

    def _load(self, conn: sqlite3.Connection) -> None:
        # Millions of ratings allocate no object each, but the collector would still walk the
        # growing adjacency dicts again and again; off while loading, then frozen: the loaded
        # graph is never garbage, so later collections need not look at it.
        collecting = gc.isenabled()
        gc.disable()
        try:
            graph = self._new_graph()
            for row in conn.execute(_SELECT_PEOPLE):
                person = Person(row[0], row[1], row[3], row[4], row[5], row[6])
                graph.add_node(person.id, person=person, name_key=row[2])
            # Each rating row brings new id strings; the graph keeps the node's own.
            canonical = {person_id: person_id for person_id in graph}
            graph.add_ratings(conn.execute(_SELECT_TIES), canonical)
            del canonical
            pathsearch.group_hubs(graph)
            self._graph = graph
            self._by_name = sorted((p.name, p.id) for p in self._people())
        finally:
            if collecting:
                gc.enable()
        gc.collect()
        gc.freeze()

    async def close(self) -> None:
        await self._run(self._close, needs_open=False)

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._release_directory_lock()
        self._graph = self._new_graph()
        self._by_name = []

    async def ping(self) -> None:
        await self._run(lambda: self._connection().execute("SELECT 1").fetchone())

    # --- graph helpers (call with the lock held) --------------------------------------------
    def _people(self) -> Iterator[Person]:
        person: Person
        for _, person in self._graph.nodes(data="person"):
            yield person

    def _person(self, person_id: str) -> Person | None:
        attrs = self._graph.nodes.get(person_id)
        return None if attrs is None else attrs["person"]

    def _canonical(self, person_id: str) -> str:
        """The id object the graph holds for this person (one string per person in memory)."""
        # The raw node dict: networkx's NodeView costs a Python call per lookup.
        person: Person = self._graph._node[person_id]["person"]
        return person.id

    def _rating(self, from_id: str, to_id: str) -> Rating | None:
        row = self._connection().execute(_SELECT_RATING, (from_id, to_id)).fetchone()
        return None if row is None else self._read(row)

    def _labels(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
        """Groups of the ratings (rater, rated): read only for the steps of returned paths."""
        conn, labels = self._connection(), {}
        for pair in dict.fromkeys(pairs):
            row = conn.execute(_SELECT_GROUPS, pair).fetchone()
            if row is not None:
                labels[pair] = self._read.groups(row[0])
        return labels

    def _rated(self, rater: str, rated: str | None) -> bool:
        return (
            rated is not None
            and rater in self._graph
            and self._graph.rating(rater, rated) is not None
        )

    def _sees(self, viewer: Viewer, rating: Rating) -> bool:
        rated_viewer = self._rated(rating.from_id, viewer.person_id)
        return can_see(viewer, rating.from_id, rating.visibility, rater_rated_viewer=rated_viewer)

    def _remember_people(self, people: Iterable[Person]) -> None:
        """Committed people into the graph and the name order (call after COMMIT)."""
        replaced: list[tuple[Person | None, Person]] = []
        for person in people:
            old = self._person(person.id)
            if old is None:
                self._graph.add_node(person.id, person=person, name_key=name_key(person.name))
            else:
                # Keep the id object the adjacency already holds.
                person = dataclasses.replace(person, id=old.id)
                self._graph.nodes[old.id].update(person=person, name_key=name_key(person.name))
            replaced.append((old, person))
        if len(replaced) < 64:
            for old, person in replaced:
                self._index_name(old, person)
            return
        # A bulk load adds thousands at once: one sort instead of an insertion each.
        gone = {(old.name, old.id) for old, _ in replaced if old is not None}
        kept = (key for key in self._by_name if key not in gone) if gone else self._by_name
        self._by_name = sorted(itertools.chain(kept, ((p.name, p.id) for _, p in replaced)))

    def _index_name(self, old: Person | None, new: Person | None) -> None:
        if old is not None:
            key = (old.name, old.id)
            at = bisect.bisect_left(self._by_name, key)
            if at < len(self._by_name) and self._by_name[at] == key:
                del self._by_name[at]
        if new is not None:
            bisect.insort(self._by_name, (new.name, new.id))

    # --- people -----------------------------------------------------------------------------
    async def upsert_people(self, patches: Sequence[PersonPatch]) -> list[Person]:
        def work() -> list[Person]:
            stored: dict[str, Person] = {}
            for patch in patches:
                stored[patch.id] = patch.apply(stored.get(patch.id) or self._person(patch.id))
            people = [stored[patch.id] for patch in patches]
            with self._transaction() as conn:
                conn.executemany(_UPSERT_PERSON, map(_person_row, stored.values()))
            self._remember_people(stored.values())
            return people

        return await self._run(work)

    async def get_people(self, ids: Sequence[str]) -> dict[str, Person]:
        def work() -> dict[str, Person]:
            found = {person_id: self._person(person_id) for person_id in ids}
            return {person_id: p for person_id, p in found.items() if p is not None}

        return await self._run(work)

    async def search_people(
        self, name_part: str | None, id_prefix: str | None, limit: int, after: PeopleAfter | None
    ) -> list[Person]:
        def matches(name: str, person_id: str) -> bool:
            if name_part is None and id_prefix is None:
                return True
            if id_prefix is not None and person_id.startswith(id_prefix):
                return True
            key: str = self._graph.nodes[person_id]["name_key"]
            return name_part is not None and name_part in key

        def work() -> list[Person]:
            start = (
                0 if after is None else bisect.bisect_right(self._by_name, (after.name, after.id))
            )
            found: list[Person] = []
            for name, person_id in itertools.islice(self._by_name, start, None):
                if len(found) >= limit:
                    break
                if matches(name, person_id):
                    found.append(self._graph.nodes[person_id]["person"])
            return found

        if limit <= 0:
            return []
        return await self._run(work)

    async def delete_person(self, person_id: str) -> bool:
        def work() -> bool:
            existing = self._person(person_id)
            with self._transaction() as conn:
                # Explicit, though the foreign keys cascade: the intent is plain to a reader.
                conn.execute(
                    "DELETE FROM rating WHERE from_id = ? OR to_id = ?", (person_id, person_id)
                )
                deleted = conn.execute("DELETE FROM person WHERE id = ?", (person_id,)).rowcount
            if existing is not None:
                self._graph.remove_node(person_id)
                self._index_name(existing, None)
            return deleted > 0

        return await self._run(work)

    # --- ratings ----------------------------------------------------------------------------
    async def put_ratings(self, drafts: Sequence[RatingDraft], now: datetime) -> list[Rating]:
        def work() -> list[Rating]:
            self._check_people(drafts, set(), index=len(drafts) > 1)
            with self._transaction() as conn:
                ratings = self._write_ratings(conn, drafts, now)
            self._remember(drafts)
            return ratings

        return await self._run(work)

    def _write_ratings(
        self, conn: sqlite3.Connection, drafts: Sequence[RatingDraft], now: datetime
    ) -> list[Rating]:
        """The rating write of `put_ratings` inside an open transaction; also accepting a
        connection request goes through it. Call `_remember(drafts)` after COMMIT."""
        stamp = _iso_datetime(now)
        if len(drafts) > 1 and len({(d.from_id, d.to_id) for d in drafts}) == len(drafts):
            # One statement for the batch, run by SQLite without the GIL (statement by
            # statement, the store took half of a 5,000-rating `rateConnections`). Repeated
            # pairs take the row-by-row way below: each replace must see the one before it.
            written = {
                (from_id, to_id): (created, history)
                for from_id, to_id, created, history in conn.execute(
                    _UPSERT_RATINGS_JSON_RETURNING, (_json_rows(drafts), stamp)
                )
            }
            returned = [written[d.from_id, d.to_id] for d in drafts]
        else:
            returned = [
                conn.execute(_UPSERT_RATING_RETURNING, _draft_row(draft, stamp)).fetchone()
                for draft in drafts
            ]
        created_now = datetime.fromisoformat(stamp)  # what a new row reads back as
        return [
            draft.stamped(
                created_at=created_now if created == stamp else datetime.fromisoformat(created),
                updated_at=now,
                history=() if history == "[]" else versions.decode_array(history),
            )
            for draft, (created, history) in zip(drafts, returned, strict=True)
        ]

    def _check_people(
        self,
        drafts: Sequence[RatingDraft | Rating],
        also: set[str] | dict[str, Any],
        *,
        index: bool,
    ) -> None:
        """NotFound for the first rating naming someone neither stored nor in `also`."""
        nodes = self._graph._node
        # Two plain tests per rating, no tuple of pairs: a bulk load checks millions.
        for at, draft in enumerate(drafts):
            from_id, to_id = draft.from_id, draft.to_id
            if from_id not in nodes and from_id not in also:
                raise NotFound("from", from_id, at if index else None)
            if to_id not in nodes and to_id not in also:
                raise NotFound("to", to_id, at if index else None)

    def _remember(self, drafts: Iterable[RatingDraft | Rating]) -> None:
        """Committed ratings into the graph (call after COMMIT)."""
        # `_canonical` inlined: a bulk load remembers millions of ratings.
        nodes = self._graph._node
        self._graph.add_ratings(
            (nodes[d.from_id]["person"].id, nodes[d.to_id]["person"].id, d.strength, d.visibility)
            for d in drafts
        )

    async def get_rating(self, from_id: str, to_id: str, viewer: Viewer) -> Rating | None:
        def work() -> Rating | None:
            rating = self._rating(from_id, to_id)
            return rating if rating is not None and self._sees(viewer, rating) else None

        return await self._run(work)

    async def ratings_by(
        self,
        from_id: str,
        viewer: Viewer,
        limit: int,
        after: RatingsAfter | None,
        max_strength: int | None,
        group: str | None,
    ) -> list[Rating]:
        def work() -> list[Rating]:
            # Every rating here has the same rater, so what the viewer sees is one test per
            # visibility, done before the query.
            rated_viewer = self._rated(from_id, viewer.person_id)
            seen: list[str | None] = [
                v.value
                for v in Visibility
                if can_see(viewer, from_id, v, rater_rated_viewer=rated_viewer)
            ]
            seen += [None] * (len(Visibility) - len(seen))
            params = (
                from_id,
                *seen,
                max_strength,
                max_strength,
                None if after is None else after.strength,
                None if after is None else after.strength,
                None if after is None else after.to_id,
                group,
                group,
                limit,
            )
            rows = self._connection().execute(_RATINGS_BY, params)
            return [self._read(row) for row in rows]

        return await self._run(work)

    async def remove_rating(self, from_id: str, to_id: str) -> bool:
        def work() -> bool:
            with self._transaction() as conn:
                removed = conn.execute(
                    "DELETE FROM rating WHERE from_id = ? AND to_id = ?", (from_id, to_id)
                ).rowcount
            if from_id in self._graph:
                self._graph.remove_rating(from_id, to_id)
            return removed > 0

        return await self._run(work)

    # --- bulk load --------------------------------------------------------------------------
    async def load_batch(self, batch: LoadBatch) -> bool:
        # Encoded here, in the caller's thread: a bulk load parses its next batch there while
        # this one is written, and the write thread then runs SQLite alone, without the GIL.
        stamp = _iso_datetime(batch.now)
        rows = _json_rows(batch.ratings) if batch.ratings else None

        def work() -> bool:
            stored: dict[str, Person] = {}
            for patch in batch.people:
                stored[patch.id] = patch.apply(stored.get(patch.id) or self._person(patch.id))
            self._check_people([*batch.ratings, *batch.restored], stored, index=True)
            conn = self._connection()
            # A bulk load inserts millions of keys into three B-trees: a larger page cache
            # keeps their inner pages (measured: +14% rows per CPU-second at 2.4M ratings).
            conn.execute(f"PRAGMA cache_size=-{_BULK_CACHE_KIB:d}")
            # `_check_people` has just found every rating's two people, under the lock that
            # every write takes, so SQLite's own look-ups of them would find the same: off for
            # this batch (about 30% more ratings/s at tier L). The pragma cannot change inside
            # a transaction, hence around it.
            conn.execute("PRAGMA foreign_keys=OFF")
            try:
                with self._transaction():
                    done = conn.execute(_SELECT_CHECKPOINT, (batch.key,)).fetchone()
                    if done is not None and done[0] >= batch.number:
                        return False
                    conn.executemany(_UPSERT_PERSON, map(_person_row, stored.values()))
                    if rows is not None:
                        conn.execute(_UPSERT_RATINGS_JSON, (rows, stamp))
                    if batch.restored:
                        conn.executemany(_RESTORE_RATING, map(_restored_row, batch.restored))
                    conn.execute(_SAVE_CHECKPOINT, (batch.key, batch.number, stamp))
            finally:
                conn.execute("PRAGMA foreign_keys=ON")
            self._remember_people(stored.values())
            self._remember(batch.ratings)
            self._remember(batch.restored)
            return True

        return await self._run(work)

    @contextlib.asynccontextmanager
    async def bulk_loading(self, ratings: int) -> AsyncIterator[None]:
        """Around the `load_batch` calls of a load that brings about `ratings` ratings: the
        to_id index is left out while they write and built at the end when that costs less
        than keeping it (`_DEFER_INDEX_BELOW`). Each batch stays one transaction either way.
        Meanwhile everything answers the same, but what looks ratings up by the person rated
        (a person's delete, the ratings of someone) reads the whole table."""

        def drop_index() -> bool:
            with self._transaction() as conn:
                stored = conn.execute(_COUNT_RATINGS).fetchone()[0]
                if stored > _DEFER_INDEX_BELOW * ratings:
                    return False
                conn.execute(_DROP_TO_ID_INDEX)
                return True

        def build_index() -> None:
            with self._transaction() as conn:
                conn.execute(_TO_ID_INDEX)

        dropped = await self._run(drop_index)
        try:
            yield
        finally:
            if dropped:
                await self._run(build_index)

    async def load_checkpoint(self, key: str) -> int | None:
        def work() -> int | None:
            row = self._connection().execute(_SELECT_CHECKPOINT, (key,)).fetchone()
            return None if row is None else int(row[0])

        return await self._run(work)

    # --- traversal --------------------------------------------------------------------------
    async def find_paths(self, query: PathQuery, viewer: Viewer, table: ScoringTable) -> list[Path]:
        deadline = time.monotonic() + self._query_budget

        def work() -> list[Path]:
            try:
                found = pathsearch.find_paths(self._graph, query, viewer, table, deadline=deadline)
            except pathsearch.SearchTimedOut as e:
                raise over_time_budget(self._query_budget) from e
            # Each path with its people, read in the same turn of the store as the path: the
            # answer shows them without another call to the store (`Path.known`).
            return [dataclasses.replace(path, known=self._people_of(path.people)) for path in found]

        return await self._run(work)

    def _people_of(self, ids: Sequence[str]) -> tuple[Person, ...]:
        return tuple(person for person in map(self._person, ids) if person is not None)

    async def mutual_connections(self, a: str, b: str, viewer: Viewer) -> list[Person]:
        def work() -> list[Person]:
            ids = pathsearch.mutual_connections(self._graph, a, b, viewer)
            return [self._graph.nodes[person_id]["person"] for person_id in ids]

        return await self._run(work)

    # --- LinkedIn import, review, export (issue 8) -------------------------------------------
    async def import_network(self, batch: ImportBatch) -> ImportCounts:
        def work() -> ImportCounts:
            counts = ImportCounts()
            changed: dict[str, Person] = {}
            for person in batch.people:
                old = changed.get(person.id) or self._person(person.id)
                if old is None:
                    changed[person.id] = person
                    counts.people_created += 1
                    continue
                new = dataclasses.replace(
                    old, **{name: getattr(person, name) for name in batch.refresh}
                )
                if new != old:
                    changed[person.id] = new
                    counts.people_updated += 1
            for person in batch.requesters:
                if person.id not in changed and self._person(person.id) is None:
                    changed[person.id] = person
                    counts.people_created += 1
            self._check_people(batch.ratings, changed, index=True)
            stamp = _iso_datetime(batch.now)
            created: list[RatingDraft] = []
            with self._transaction() as conn:
                conn.executemany(_UPSERT_PERSON, map(_person_row, changed.values()))
                for draft in batch.ratings:
                    if conn.execute(_INSERT_RATING_IF_ABSENT, _draft_row(draft, stamp)).rowcount:
                        created.append(draft)
                fresh = [
                    d
                    for d in batch.requests
                    if conn.execute(
                        _ANSWERED_REQUEST, (d.from_id, d.to_id, _request_time(d.sent_at))
                    ).fetchone()
                    is None
                ]
                filed = write_requests(conn, fresh)
                counts.requests_created = sum(1 for _, new in filed if new)
            self._remember_people(changed.values())
            self._remember(created)
            counts.ratings_created = len(created)
            counts.ratings_kept = len(batch.ratings) - len(created)
            return counts

        return await self._run(work)

    async def unreviewed_by(
        self, owner: str, limit: int, after: ReviewAfter | None
    ) -> list[Rating]:
        def work() -> list[Rating]:
            since = None if after is None else _iso_date(after.since)
            to_id = None if after is None else after.to_id
            params = (
                owner,
                0 if after is None else 1,
                since,
                to_id,
                since,
                since,
                since,
                to_id,
                limit,
            )
            return [self._read(row) for row in self._connection().execute(_TO_REVIEW, params)]

        return await self._run(work)

    async def export_snapshot(self, emit: Callable[[Exported], None]) -> None:
        def work() -> None:
            # One read transaction: WAL gives it a snapshot, writers of other processes go on.
            conn = self._connection()
            conn.execute("BEGIN")
            try:
                for row in conn.execute(_EXPORT_PEOPLE):
                    emit(Person(row[0], row[1], row[3], row[4], row[5], row[6]))
                for row in conn.execute(_EXPORT_RATINGS):
                    emit(self._read(row))
            finally:
                conn.execute("COMMIT")

        await self._run(work)

    async def restore_requests(self, requests: Sequence[ConnectionRequest]) -> None:
        def work() -> None:
            nodes = self._graph._node
            for at, request in enumerate(requests):
                for field, person_id in (("from", request.from_id), ("to", request.to_id)):
                    if person_id not in nodes:
                        raise NotFound(field, person_id, at)
            with self._transaction() as conn:
                conn.executemany(_RESTORE_REQUEST, map(_restored_request_row, requests))

        if requests:
            await self._run(work)

    # --- connection requests (issue 9) ------------------------------------------------------
    async def receive_requests(
        self, people: Sequence[PersonPatch], drafts: Sequence[RequestDraft]
    ) -> list[ConnectionRequest]:
        def work() -> list[ConnectionRequest]:
            stored: dict[str, Person] = {}
            for patch in people:
                stored[patch.id] = patch.apply(stored.get(patch.id) or self._person(patch.id))
            nodes = self._graph._node
            for at, draft in enumerate(drafts):
                for field, person_id in (("from", draft.from_id), ("to", draft.to_id)):
                    if person_id not in nodes and person_id not in stored:
                        raise NotFound(field, person_id, at if len(drafts) > 1 else None)
            with self._transaction() as conn:
                conn.executemany(_UPSERT_PERSON, map(_person_row, stored.values()))
                written = write_requests(conn, drafts)
            self._remember_people(stored.values())
            return [request for request, _ in written]

        return await self._run(work)

    async def get_request(self, request_id: str) -> ConnectionRequest | None:
        def work() -> ConnectionRequest | None:
            row = self._connection().execute(_SELECT_REQUEST, (request_id,)).fetchone()
            return None if row is None else _request(row)

        return await self._run(work)

    async def list_requests(
        self, owner_id: str, status: RequestStatus, limit: int, after: RequestsAfter | None
    ) -> list[ConnectionRequest]:
        def work() -> list[ConnectionRequest]:
            at = None if after is None else _request_time(after.sent_at)
            last = None if after is None else after.id
            params = (owner_id, status.value, at, at, at, last, limit)
            return [_request(row) for row in self._connection().execute(_LIST_REQUESTS, params)]

        return await self._run(work)

    async def answer_request(
        self,
        request_id: str,
        status: RequestStatus,
        rating: RatingDraft | None,
        now: datetime,
    ) -> ConnectionRequest:
        def work() -> ConnectionRequest:
            with self._transaction() as conn:
                row = conn.execute(_SELECT_REQUEST, (request_id,)).fetchone()
                if row is None:
                    raise RequestNotFound(request_id)
                if row[5] != RequestStatus.PENDING.value:
                    raise InvalidInput("id", f"this request was already answered ({row[5]})")
                conn.execute(_ANSWER_REQUEST, (status.value, _request_time(now), request_id))
                if rating is not None:
                    self._check_people([rating], set(), index=False)
                    self._write_ratings(conn, [rating], now)
                answered = conn.execute(_SELECT_REQUEST, (request_id,)).fetchone()
            if rating is not None:
                self._remember([rating])
            return _request(answered)

        return await self._run(work)

    async def get_policy(self, owner_id: str) -> TriagePolicy | None:
        def work() -> TriagePolicy | None:
            row = self._connection().execute(_SELECT_POLICY, (owner_id,)).fetchone()
            return None if row is None else TriagePolicy.from_json(json.loads(row[0]))

        return await self._run(work)

    async def put_policy(self, owner_id: str, policy: TriagePolicy) -> None:
        def work() -> None:
            if self._person(owner_id) is None:
                raise NotFound("owner", owner_id)
            text = json.dumps(policy.as_json(), ensure_ascii=False)
            with self._transaction() as conn:
                conn.execute(_PUT_POLICY, (owner_id, text, _iso_datetime(datetime.now(UTC))))

        await self._run(work)

    async def export_requests(self) -> list[ConnectionRequest]:
        def work() -> list[ConnectionRequest]:
            rows = self._connection().execute(_ALL_REQUESTS)
            return [_request(row) for row in rows]

        return await self._run(work)

    async def export_policies(self) -> list[tuple[str, TriagePolicy]]:
        def work() -> list[tuple[str, TriagePolicy]]:
            rows = self._connection().execute(_ALL_POLICIES)
            return [(owner, TriagePolicy.from_json(json.loads(text))) for owner, text in rows]

        return await self._run(work)

    # --- the value of a network (issue 9) ---------------------------------------------------
    async def ratings_of(self, person_id: str, viewer: Viewer) -> list[Rating]:
        def work() -> list[Rating]:
            rows = self._connection().execute(_RATINGS_OF, (person_id,))
            return [r for r in map(self._read, rows) if self._sees(viewer, r)]

        return await self._run(work)

    async def warm_reach(self, owner_id: str, viewer: Viewer) -> int:
        def work() -> int:
            return pathsearch.warm_reach(self._graph, owner_id, viewer)

        return await self._run(work)


# --- connection requests: the SQL, and the write an import can share (issue 9) ------------

_SELECT_REQUEST: Final = """
    SELECT id, from_id, to_id, message, sent_at, status, responded_at
    FROM connection_request WHERE id = ?
"""
_PENDING_REQUEST: Final = """
    SELECT id, from_id, to_id, message, sent_at, status, responded_at
    FROM connection_request
    WHERE from_id = ? AND to_id = ? AND status = 'PENDING'
"""
_INSERT_REQUEST: Final = """
    INSERT INTO connection_request (id, from_id, to_id, message, sent_at, status, responded_at)
    VALUES (?, ?, ?, ?, ?, 'PENDING', NULL)
"""
_UPDATE_PENDING: Final = "UPDATE connection_request SET message = ?, sent_at = ? WHERE id = ?"
_ANSWER_REQUEST: Final = """
    UPDATE connection_request SET status = ?, responded_at = ?
    WHERE id = ? AND status = 'PENDING'
"""
_LIST_REQUESTS: Final = """
    SELECT id, from_id, to_id, message, sent_at, status, responded_at
    FROM connection_request
    WHERE to_id = ? AND status = ?
      AND (? IS NULL OR sent_at < ? OR (sent_at = ? AND id > ?))
    ORDER BY sent_at DESC, id
    LIMIT ?
"""
_ALL_REQUESTS: Final = """
    SELECT id, from_id, to_id, message, sent_at, status, responded_at
    FROM connection_request ORDER BY id
"""
_SELECT_POLICY: Final = "SELECT policy FROM triage_policy WHERE owner_id = ?"
_PUT_POLICY: Final = """
    INSERT INTO triage_policy (owner_id, policy, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (owner_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at
"""
_ALL_POLICIES: Final = "SELECT owner_id, policy FROM triage_policy ORDER BY owner_id"
_RATINGS_OF: Final = """
    SELECT from_id, to_id, strength, groups, context, visibility, since, last_interaction,
           created_at, updated_at, reviewed, history
    FROM rating WHERE to_id = ?
"""


def _request_time(value: datetime) -> str:
    """UTC with microseconds always written: the text sorts as the times do. isoformat, not
    strftime("%Y"): glibc writes the year 103 as "103", which neither sorts nor reads back."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def _request(row: sqlite3.Row | tuple[Any, ...]) -> ConnectionRequest:
    request_id, from_id, to_id, message, sent_at, status, responded_at = row
    return ConnectionRequest(
        id=request_id,
        from_id=from_id,
        to_id=to_id,
        message=message,
        sent_at=datetime.fromisoformat(sent_at),
        status=RequestStatus(status),
        responded_at=None if responded_at is None else datetime.fromisoformat(responded_at),
    )


def write_requests(
    conn: sqlite3.Connection, drafts: Sequence[RequestDraft]
) -> list[tuple[ConnectionRequest, bool]]:
    """Write connection requests inside the caller's open transaction on `conn`.

    Each draft becomes a new PENDING request, or updates the message and sentAt of the
    PENDING request from the same person to the same owner. Returns each request as stored
    and whether it is new, in input order. Both people must exist by then (in the same
    transaction is fine): the foreign keys fail the statement otherwise.
    """
    written: list[tuple[ConnectionRequest, bool]] = []
    for draft in drafts:
        sent_at = _request_time(draft.sent_at)
        pending = conn.execute(_PENDING_REQUEST, (draft.from_id, draft.to_id)).fetchone()
        if pending is None:
            row = (draft.id, draft.from_id, draft.to_id, draft.message, sent_at)
            conn.execute(_INSERT_REQUEST, row)
            written.append((_request((*row, "PENDING", None)), True))
        else:
            conn.execute(_UPDATE_PENDING, (draft.message, sent_at, pending[0]))
            kept = (pending[0], draft.from_id, draft.to_id, draft.message, sent_at)
            written.append((_request((*kept, "PENDING", None)), False))
    return written


def _restored_request_row(request: ConnectionRequest) -> tuple[Any, ...]:
    responded = request.responded_at
    return (
        request.id,
        request.from_id,
        request.to_id,
        request.message,
        _request_time(request.sent_at),
        request.status.value,
        None if responded is None else _request_time(responded),
    )

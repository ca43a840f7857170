"""Neo4jStore: the Store protocol over the official async driver.

One driver per store, opened by `open()` (which also migrates) and closed by `close()`. The
driver and all the work around it (a path search's Python half included) run on the store's own
event loop in a thread of its own (`LoopThread`), never on the caller's: any loop may await the
store, and a long search does not hold the app's loop. Every call is one transaction whose unit
of work is idempotent and returns domain objects: a managed one (`execute_read` /
`execute_write`), or an auto-commit one for a read of one statement. The Cypher lives in
`graph_schema.queries`.

- Driver failures become `StoreUnavailable` with the driver's reason; a unit of work that
  raises rolls its transaction back, so a failed write has changed nothing.
- A read runs under the time budget: past it, the transaction is cancelled in the server and
  the caller gets `QueryTooComplex` (reason "time budget"), not "unavailable".
- Writes of one process take turns (one lock) and lock people in id order, so concurrent
  batches do not deadlock each other; a deadlock with another process is a transient error
  that the driver retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from neo4j import (
    READ_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    AsyncResult,
    AsyncSession,
    Query,
    unit_of_work,
)
from neo4j.api import AsyncBookmarkManager
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_schema import queries as cypher
from graph_schema.migrate import Migration, migrate
from service import versions
from service.domain import (
    KEEP,
    Path,
    PathQuery,
    Person,
    PersonPatch,
    Rating,
    RatingDraft,
    RatingVersion,
    Step,
    Viewer,
    Visibility,
    name_key,
    sort_key,
)
from service.errors import (
    InvalidInput,
    NotFound,
    StoreOutcomeUnknown,
    StoreUnavailable,
    TiegraphError,
    over_time_budget,
)
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
from service.store.loop_thread import LoopThread
from service.store.neo4j_paths import DegreeCache, JoinedSteps, LayerStep, MeetInTheMiddle

T = TypeVar("T")
logger = logging.getLogger("tiegraph.store")

# A deadlock between two writers is retried by the driver for this long (with back-off).
WRITE_RETRY_SECONDS = 30.0
# A commit whose answer was lost (Neo4j died after receiving it) is run again for this long,
# waiting for Neo4j to come back, so that the client learns whether it was written.
OUTCOME_RETRY_SECONDS = 120.0

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    ServiceUnavailable,  # includes IncompleteCommit and the routing variants
    SessionExpired,
    TransientError,  # still failing once the driver's retries ran out
    AuthError,
    OSError,
    TimeoutError,
)


def _translated(error: BaseException, budget: float) -> TiegraphError | None:
    """The project's error for a driver failure, or None when it is not the driver's."""
    if isinstance(error, Neo4jError) and "TransactionTimedOut" in (error.code or ""):
        return over_time_budget(budget)
    if isinstance(error, _UNAVAILABLE):
        kind = "timed out" if isinstance(error, TimeoutError) else "did not answer"
        return StoreUnavailable(f"Neo4j {kind}: {error}".strip().rstrip(":"))
    if isinstance(error, Neo4jError) and "DatabaseNotFound" in (error.code or ""):
        return StoreUnavailable(f"Neo4j has no such database: {error.message}")
    return None


@contextlib.contextmanager
def _driver_errors(budget: float) -> Iterator[None]:
    """Driver failures inside become `StoreUnavailable` or `QueryTooComplex`, with the cause."""
    try:
        yield
    except TiegraphError:
        raise
    except Exception as e:
        translated = _translated(e, budget)
        if translated is not None:
            raise translated from e
        raise


class _Statements(Protocol):
    """What a unit of work needs of its transaction: `run` (managed or `_AutoCommit`)."""

    async def run(
        self, query: str, parameters: dict[str, Any] | None = None, **kwparameters: Any
    ) -> AsyncResult: ...


class _AutoCommit:
    """Runs a unit of work's one statement as an auto-commit transaction of `session`, with
    the same server-side timeout a managed one gets."""

    def __init__(self, session: AsyncSession, timeout: float) -> None:
        self._session = session
        self._timeout = timeout

    async def run(
        self, query: str, parameters: dict[str, Any] | None = None, **kwparameters: Any
    ) -> AsyncResult:
        statement = Query(query, timeout=self._timeout)
        return await self._session.run(statement, parameters, **kwparameters)


# --- records -> domain --------------------------------------------------------------------


def _person(data: dict[str, Any]) -> Person:
    return Person(
        id=data["id"],
        name=data["name"],
        headline=data["headline"],
        company=data["company"],
        location=data["location"],
        profile_url=data["profileUrl"],
    )


def _date(value: Any) -> date | None:
    if value is None:
        return None
    native = value.to_native()
    assert isinstance(native, date)
    return native


def _datetime(value: Any) -> datetime:
    native = value.to_native()
    assert isinstance(native, datetime)
    return native.astimezone(UTC)


def _rating(data: dict[str, Any]) -> Rating:
    return Rating(
        from_id=data["fromId"],
        to_id=data["toId"],
        strength=data["strength"],
        groups=tuple(data["groups"]),
        context=data["context"],
        visibility=Visibility(data["visibility"]),
        since=_date(data["since"]),
        last_interaction=_date(data["lastInteraction"]),
        created_at=_datetime(data["createdAt"]),
        updated_at=_datetime(data["updatedAt"]),
        reviewed=bool(data.get("reviewed", True)),
        history=versions.decode_all(data.get("history") or ()),
    )


# --- domain -> parameters -----------------------------------------------------------------


def _viewer_params(viewer: Viewer) -> dict[str, Any]:
    return {"viewerId": viewer.person_id, "isAdmin": viewer.is_admin}


def _person_row(patch: PersonPatch) -> dict[str, Any]:
    props: dict[str, Any] = {
        "name": patch.name,
        "nameKey": name_key(patch.name),
        "nameSort": sort_key(patch.name),
    }
    optional = {
        "headline": patch.headline,
        "company": patch.company,
        "location": patch.location,
        "profileUrl": patch.profile_url,
    }
    props.update({key: value for key, value in optional.items() if value is not KEEP})
    return {"id": patch.id, "idSort": sort_key(patch.id), "props": props}


def _rating_rows(drafts: Sequence[RatingDraft]) -> list[dict[str, Any]]:
    """One row per (from, to), the last draft of a pair winning, in the order locks are taken.

    Every writer locks people in id order, so two concurrent batches wait for each other
    instead of deadlocking.
    """
    last = {(d.from_id, d.to_id): d for d in drafts}
    return [
        {
            "fromId": draft.from_id,
            "toId": draft.to_id,
            "type": cypher.rating_type(draft.strength),
            "strength": draft.strength,
            "groups": list(draft.groups),
            "context": draft.context,
            "visibility": draft.visibility.value,
            "since": draft.since,
            "lastInteraction": draft.last_interaction,
            "reviewed": draft.reviewed,
        }
        for _, draft in sorted(last.items())
    ]


# --- units of work ------------------------------------------------------------------------


async def _people_missing(tx: AsyncManagedTransaction, ids: list[str]) -> set[str]:
    return set(await _single_value(tx, cypher.PEOPLE_MISSING, {"ids": ids}, "missing"))


async def _lock_people(tx: AsyncManagedTransaction, ids: list[str]) -> set[str]:
    """Write-lock the people of `ids` (sorted) until the transaction ends; the missing ones."""
    return set(await _single_value(tx, cypher.PEOPLE_LOCKED_MISSING, {"ids": ids}, "missing"))


def _first_missing(drafts: Sequence[RatingDraft | Rating], missing: set[str]) -> NotFound | None:
    for index, draft in enumerate(drafts):
        where = index if len(drafts) > 1 else None
        if draft.from_id in missing:
            return NotFound("from", draft.from_id, index=where)
        if draft.to_id in missing:
            return NotFound("to", draft.to_id, index=where)
    return None


async def _put_ratings(
    tx: AsyncManagedTransaction, drafts: Sequence[RatingDraft], now: datetime
) -> list[Rating]:
    """Write `drafts` and return the stored ratings, built here rather than read back.

    The people were locked before their old ratings were read (`_checked_rating_rows`), so
    the rows hold exactly what was carried over, and the drafts the rest. Reading 5,000
    ratings back took half of a batch's write statement (PROFILE and timings at tier M).
    """
    rows = await _write_ratings(tx, drafts, now)
    at = now.astimezone(UTC)
    last = {(d.from_id, d.to_id): d for d in drafts}
    stored: dict[tuple[str, str], Rating] = {}
    for row in rows:
        pair = (row["fromId"], row["toId"])
        created = at if row["createdAt"] is None else _datetime(row["createdAt"])
        stored[pair] = last[pair].stamped(created, at, versions.decode_all(row["history"]))
    return [stored[(d.from_id, d.to_id)] for d in drafts]


async def _write_ratings(
    tx: AsyncManagedTransaction, drafts: Sequence[RatingDraft], now: datetime
) -> list[dict[str, Any]]:
    """Write `drafts` (the last of a pair wins); the rows written."""
    rows = await _checked_rating_rows(tx, drafts)
    if await _single_value(tx, cypher.RATINGS_WRITE, _at(rows, now), "written") != len(rows):
        raise await _vanished(tx, drafts)
    return rows


def _at(rows: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    return {"rows": rows, "now": now}


async def _checked_rating_rows(
    tx: AsyncManagedTransaction, drafts: Sequence[RatingDraft]
) -> list[dict[str, Any]]:
    """The rows to write, once every person exists and old types are gone (carrying createdAt).

    Raises `NotFound` for the first draft naming a missing person.
    """
    ids = sorted({d.from_id for d in drafts} | {d.to_id for d in drafts})
    missing = _first_missing(drafts, await _lock_people(tx, ids))
    if missing is not None:
        raise missing
    rows = _rating_rows(drafts)
    existing = await _single_value(tx, cypher.RATINGS_RETYPE, {"rows": rows}, "existing")
    prior = {(from_id, to_id): old for from_id, to_id, old in existing}
    for row in rows:
        old = prior.get((row["fromId"], row["toId"]))
        row["createdAt"] = None if old is None else old["createdAt"]
        row["history"] = [] if old is None else _history_after(old)
    return rows


def _history_after(old: dict[str, Any]) -> list[str]:
    """The history of a replaced rating: its own, then the version being replaced."""
    replaced = RatingVersion(
        strength=old["strength"],
        groups=tuple(old["groups"] or ()),
        visibility=Visibility(old["visibility"]),
        changed_at=_datetime(old["updatedAt"]),
    )
    return [*(old["history"] or ()), versions.encode(replaced)]


async def _vanished(
    tx: AsyncManagedTransaction, drafts: Sequence[RatingDraft | Rating]
) -> Exception:
    """Why a write stored fewer ratings than it was given: a concurrent delete of a person.

    Raising it rolls the transaction back, so nothing of the batch stays.
    """
    ids = sorted({d.from_id for d in drafts} | {d.to_id for d in drafts})
    late = _first_missing(drafts, await _people_missing(tx, ids))
    return late or RuntimeError("a rating write stored fewer ratings than it was given")


async def _upsert_people(
    tx: AsyncManagedTransaction, patches: Sequence[PersonPatch]
) -> list[Person]:
    rows = sorted((_person_row(p) for p in patches), key=lambda row: row["id"])
    stored = {
        person.id: person
        for person in map(
            _person, await _single_value(tx, cypher.PEOPLE_UPSERT, {"rows": rows}, "people")
        )
    }
    return [stored[p.id] for p in patches]


async def _people(tx: _Statements, query: str, params: dict[str, Any]) -> list[Person]:
    result = await tx.run(query, params)
    return [_person(rec["person"]) async for rec in result]


async def _ratings(tx: _Statements, query: str, params: dict[str, Any]) -> list[Rating]:
    result = await tx.run(query, params)
    return [_rating(rec["rating"]) async for rec in result]


async def _single_value(tx: _Statements, query: str, params: dict[str, Any], key: str) -> Any:
    result = await tx.run(query, params)
    record = await result.single(strict=True)
    return record[key]


async def _consume(tx: _Statements, query: str, params: dict[str, Any]) -> None:
    result = await tx.run(query, params)
    await result.consume()


async def _load_checkpoint(tx: _Statements, key: str) -> int | None:
    value = await _single_value(tx, cypher.LOAD_CHECKPOINT, {"key": key}, "batch")
    return None if value is None else int(value)


async def _load_batch(tx: AsyncManagedTransaction, batch: LoadBatch) -> bool:
    done = await _load_checkpoint(tx, batch.key)
    if done is not None and done >= batch.number:
        return False
    if batch.people:
        await _upsert_people(tx, batch.people)
    if batch.ratings:
        await _write_ratings(tx, batch.ratings, batch.now)
    if batch.restored:
        await _restore_ratings(tx, batch)
    result = await tx.run(
        cypher.LOAD_CHECKPOINT_SET, key=batch.key, batch=batch.number, now=batch.now
    )
    await result.consume()
    return True


# A user's search sends the elementIds of the people who rated them with every statement
# (`$raters` in `graph_schema.queries`) while they are at most this many: 1,000 keys are about
# 45 KB a statement. A viewer rated by more (a hub) is looked up per rating instead.
RATERS_IN_SEARCH = 1_000


async def _find_paths(
    tx: AsyncManagedTransaction,
    query: PathQuery,
    viewer: Viewer,
    table: ScoringTable,
    degrees: DegreeCache,
) -> list[Path]:
    """The meet-in-the-middle search (`neo4j_paths`) for 3 or more hops, every layer in this
    one transaction (`_short_paths` answers up to two)."""
    params = {
        **_viewer_params(viewer),
        "source": query.source,
        "target": query.target,
        "ratersCap": RATERS_IN_SEARCH,
    }
    ends = await tx.run(cypher.PATH_ENDS, cypher.bundle(params))
    record = await ends.single(strict=True)
    if record["sourceKey"] is None or record["targetKey"] is None:
        return []
    raters = record["raters"]
    if raters is not None and len(raters) > RATERS_IN_SEARCH:
        raters = None  # each rating asks Neo4j whether its rater rated the viewer
    search = MeetInTheMiddle(
        query,
        table,
        _Neighbourhoods(tx, viewer, table, degrees, raters),
        (record["sourceKey"], record["targetKey"]),
        (record["sourceDegree"], record["targetDegree"]),
    )
    return await _with_groups(tx, await search.run())


# Rows within this factor of the `first`-th best score come back from `TWO_HOP_PATHS` too:
# far wider than the 1e-9 within which `service.scoring` calls two scores equal.
_TWO_HOP_KEEP = 1 - 1e-6


async def _short_paths(
    tx: _Statements, query: PathQuery, viewer: Viewer, table: ScoringTable
) -> list[Path]:
    """Paths of `query.min_hops`..2 steps (`cypher.TWO_HOP_PATHS`), groups included."""
    params = {
        **_viewer_params(viewer),
        "source": query.source,
        "target": query.target,
        "avoid": sorted(query.avoid),
        "maxStrength": query.max_strength,
        "first": query.first,
        "keep": _TWO_HOP_KEEP,
        "p": [0.0, *table.probabilities],
    }
    result = await tx.run(cypher.TWO_HOP_PATHS, cypher.bundle(params))
    record = await result.single()
    if record is None:  # an end is not in the graph
        return []
    ends = _person(record["source"]), _person(record["target"])
    source, target = ends[0].id, ends[1].id
    paths = []
    if query.min_hops <= 1 and record["direct"] is not None:
        strength, own, groups = record["direct"]
        step = _step(source, target, strength, own, groups)
        paths.append(Path((source, target), (step,), known=ends))
    if query.max_hops >= 2:
        for data, s1, own1, groups1, s2, own2, groups2, _ in record["middles"]:
            middle = _person(data)
            steps = (
                _step(source, middle.id, s1, own1, groups1),
                _step(middle.id, target, s2, own2, groups2),
            )
            paths.append(Path((source, middle.id, target), steps, known=(*ends, middle)))
    return paths


def _step(from_id: str, to_id: str, strength: int, own: bool, groups: list[str]) -> Step:
    rated_by = from_id if own else to_id
    return Step(from_id, to_id, int(strength), rated_by, tuple(groups))


class _Neighbourhoods:
    """The search's questions (`neo4j_paths.Neighbourhoods`), in one read transaction."""

    def __init__(
        self,
        tx: AsyncManagedTransaction,
        viewer: Viewer,
        table: ScoringTable,
        degrees: DegreeCache,
        raters: Sequence[str] | None = None,
    ) -> None:
        """`raters`: the elementIds of everyone who rated the viewer, or None (an admin, or
        too many to send: then each statement looks them up per rating)."""
        self._tx = tx
        self._viewer: dict[str, Any] = _viewer_params(viewer)
        if raters is not None:
            self._viewer["raters"] = dict.fromkeys(raters, True)
        self._probabilities = table.probabilities
        self._degrees = degrees

    async def layer(
        self, frontier: Sequence[str], strongest: int, weakest: int, inward: bool
    ) -> list[LayerStep]:
        statement = cypher.layer_query(strongest, weakest, inward=inward)
        params = cypher.bundle({**self._viewer, "frontier": list(frontier)})
        return list(map(LayerStep._make, await _single_value(self._tx, statement, params, "steps")))

    async def join(
        self,
        near_best: Mapping[str, float],
        weakest: int,
        inward: bool,
        far_best: Mapping[str, float],
        tau: float,
        floor: float,
    ) -> JoinedSteps:
        statement = cypher.join_query(weakest, inward=inward)
        params = {
            **self._viewer,
            "frontier": list(near_best),
            "nearBest": dict(near_best),
            "farBest": dict(far_best),
            "p": [0.0, *self._probabilities],
            "tau": tau,
            "floor": floor,
        }
        result = await self._tx.run(statement, cypher.bundle(params))
        record = await result.single(strict=True)
        return JoinedSteps(
            list(map(LayerStep._make, record["steps"])),
            float(record["leftOut"]),
            record["dropped"],
        )

    async def degrees(self, keys: Sequence[str]) -> dict[str, int]:
        known, missing = self._degrees.known(keys)
        if missing:
            params = cypher.bundle({"keys": missing})
            rows = await _single_value(self._tx, cypher.DEGREES, params, "degrees")
            fetched = {key: int(degree) for key, degree in rows}
            self._degrees.remember(fetched)
            known.update(fetched)
        return known


async def _with_groups(tx: AsyncManagedTransaction, paths: list[Path]) -> list[Path]:
    """`paths` with each step's groups, read for just these steps."""
    pairs = sorted(
        {(st.rated_by, st.to_id if st.rated_by == st.from_id else st.from_id) for p in paths
         for st in p.steps}
    )  # fmt: skip
    if not pairs:
        return paths
    params = cypher.bundle({"pairs": [list(pair) for pair in pairs]})
    result = await tx.run(cypher.STEP_GROUPS, params)
    groups = {(rec["raterId"], rec["ratedId"]): tuple(rec["groups"]) async for rec in result}

    def grouped(step: Step) -> Step:
        rated = step.to_id if step.rated_by == step.from_id else step.from_id
        return replace(step, groups=groups.get((step.rated_by, rated), ()))

    return [replace(p, steps=tuple(grouped(st) for st in p.steps)) for p in paths]


# --- the store ----------------------------------------------------------------------------


class Neo4jStore:
    """The Store protocol on Neo4j 5 (see `graph_schema.queries` for the data model).

    Parameters
    ----------
    uri, user, password, database
        Where and as whom to connect; no auth is sent when `user` is None.
    connection_timeout
        Seconds to open one connection; also bounds `open()` and `ping()`.
    retry_time
        Seconds the driver keeps retrying a transaction that failed transiently.
    query_budget
        Seconds a read may run; past it the server cancels it (`QueryTooComplex`).
    searches
        Path searches of three or more hops that run at once; more wait for a turn, at most
        `query_budget` seconds.
    migrations
        The migrations `open()` applies (default: the packaged ones); for tests.
    """

    def __init__(
        self,
        uri: str,
        user: str | None,
        password: str | None,
        database: str = "neo4j",
        *,
        connection_timeout: float = 5.0,
        retry_time: float = WRITE_RETRY_SECONDS,
        query_budget: float = 5.0,
        migrations: Sequence[Migration] | None = None,
        searches: int = 2,
    ) -> None:
        self._uri = uri
        self._auth = (user, password or "") if user is not None else None
        self._database = database
        self._connection_timeout = connection_timeout
        self._retry_time = retry_time
        self._budget = query_budget
        self._migrations = migrations
        self._driver: AsyncDriver | None = None
        self._write_turn = asyncio.Lock()
        # Read-your-writes (issue 11): every session of this store starts after the last
        # transaction any of them committed, so a read routed to another cluster member
        # (neo4j://) waits until that member has the write; on one server, a no-op.
        self._bookmarks: AsyncBookmarkManager = AsyncGraphDatabase.bookmark_manager()
        # Shared by every path search of this store: degrees steer the search only.
        self._degrees = DegreeCache()
        # Where the driver lives and every call of this store runs (see the module's doc).
        self._home = LoopThread("tiegraph-neo4j")
        # Path searches of three or more hops in flight at once; more wait (`find_paths`).
        self._searches = searches
        self._search_turns = asyncio.Semaphore(searches)

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect (bounded by `connection_timeout`), then apply pending migrations.

        Raises `StoreUnavailable` when Neo4j cannot be reached, and lets
        `graph_schema.MigrationError` through: the service must not start on a bad schema.
        """
        await self._home.run(self._open_here)

    async def _open_here(self) -> None:
        if self._driver is not None:
            return
        try:
            driver = AsyncGraphDatabase.driver(
                self._uri,
                auth=self._auth,
                connection_timeout=self._connection_timeout,
                connection_acquisition_timeout=self._connection_timeout * 2,
                max_transaction_retry_time=self._retry_time,
                # Optional person and rating properties are simply absent on many nodes;
                # "property key does not exist" would be logged for every such query.
                notifications_disabled_classifications=["UNRECOGNIZED"],
            )
        except (ConfigurationError, ValueError) as e:
            raise StoreUnavailable(f"Neo4j URI {self._uri!r} is not usable: {e}") from e
        try:
            with _driver_errors(self._budget):
                async with asyncio.timeout(self._connection_timeout * 2):
                    await driver.verify_connectivity()
                await migrate(driver, self._database, self._migrations)
        except BaseException:
            await driver.close()
            raise
        self._driver = driver
        # Made on the store's loop: a reopened store has a new one.
        self._write_turn = asyncio.Lock()
        self._search_turns = asyncio.Semaphore(self._searches)
        await self._plan_path_statements()

    async def _plan_path_statements(self) -> None:
        """Run each statement of a path question once on nothing, so that Neo4j plans it now
        rather than inside the first questions, under their time budget: a cold server took
        seconds to plan them all (the two-step statement alone ~0.5 s). Plans are the
        server's: only the first open after a server start pays for them; later opens find
        them cached (milliseconds)."""
        # The parameters travel in one map (`cypher.bundled`): one plan serves every question.
        nobody: dict[str, Any] = {"viewerId": "", "isAdmin": True}
        statements: list[tuple[str, dict[str, Any]]] = [
            (statement, {**nobody, "frontier": [""], "only": None})
            for statement in cypher.LAYERS.values()
        ]
        statements += [
            (cypher.PATH_ENDS, {**nobody, "source": "", "target": "", "ratersCap": 0}),
            (cypher.DEGREES, {"keys": [""]}),
            (cypher.STEP_GROUPS, {"pairs": [["", ""]]}),
            (cypher.PEOPLE_GET, {"ids": [""]}),
            (
                cypher.TWO_HOP_PATHS,
                {
                    **nobody,
                    "source": "",
                    "target": "",
                    "avoid": [""],
                    "maxStrength": 5,
                    "first": 1,
                    "keep": 1.0,
                    "p": [0.0] * 6,
                },
            ),
        ]
        try:
            for statement, params in statements:
                await self._read(_consume, statement, cypher.bundle(params))
        except Exception as e:  # only a lost head start: each statement plans when first used
            logger.info("planning the path statements ahead stopped: %s", e)

    async def close(self) -> None:
        await self._home.run(self._close_here)
        self._home.stop()

    async def _close_here(self) -> None:
        if self._driver is not None:
            driver, self._driver = self._driver, None
            await driver.close()

    async def ping(self) -> None:
        await self._home.run(self._ping_here)

    async def _ping_here(self) -> None:
        driver = self._require_driver()
        with _driver_errors(self._budget):
            async with asyncio.timeout(self._connection_timeout):
                async with driver.session(database=self._database) as session:
                    result = await session.run(cypher.PING)
                    await result.consume()

    @property
    def database(self) -> str:
        """The Neo4j database this store reads and writes."""
        return self._database

    async def with_driver(self, work: Callable[[AsyncDriver], Awaitable[T]]) -> T:
        """`await work(driver)` with this store's driver, on the store's loop (the driver
        belongs to it): for tools that need Neo4j itself, such as profiling and tests."""
        return await self._home.run(lambda: work(self._require_driver()))

    def _session(self, driver: AsyncDriver) -> AsyncSession:
        """A session that shares this store's bookmarks (read-your-writes)."""
        return driver.session(
            database=self._database,
            bookmark_manager=self._bookmarks,
            default_access_mode=READ_ACCESS,  # for `run`; execute_* say their own mode
        )

    def _require_driver(self) -> AsyncDriver:
        if self._driver is None:
            raise StoreUnavailable("the Neo4j store is not open")
        return self._driver

    async def _read(self, work: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`work`, which runs one statement, in a read transaction (see `_read_here`)."""
        return await self._home.run(lambda: self._read_here(work, *args, one_statement=True))

    async def _read_here(
        self, work: Callable[..., Awaitable[T]], *args: Any, one_statement: bool
    ) -> T:
        """`work` in a read transaction that the server cancels past the time budget: a
        managed one, or an auto-commit one for a `work` of `one_statement`.

        A managed transaction is two round trips (BEGIN and RUN, then COMMIT) and the
        driver's retry machinery: about 3 ms for a lookup on localhost, where an auto-commit
        transaction takes 1.7 ms. A single statement is a transaction of its own either way.
        If the auto-commit one fails with an error worth retrying (a connection lost, a
        cluster that changed leader), the managed transaction retries it as before.
        """
        driver = self._require_driver()
        with _driver_errors(self._budget):
            try:
                # The server's timeout cancels the transaction; this one also bounds the
                # round trips in between, and a server that stopped answering.
                async with asyncio.timeout(self._budget + 1.0):
                    async with self._session(driver) as session:
                        if one_statement:
                            try:
                                return await work(_AutoCommit(session, self._budget), *args)
                            except (Neo4jError, DriverError) as e:
                                if not e.is_retryable():
                                    raise
                                logger.info("retrying a read in a managed transaction: %s", e)
                        budgeted = _with_timeout(work, self._budget)
                        return await session.execute_read(budgeted, *args)
            except TimeoutError as e:
                raise over_time_budget(self._budget) from e

    async def _write(self, work: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`work` in a write transaction, one writer of this process at a time."""
        return await self._home.run(lambda: self._write_here(work, *args))

    async def _write_here(self, work: Callable[..., Awaitable[T]], *args: Any) -> T:
        driver = self._require_driver()
        with _driver_errors(self._budget):
            async with self._write_turn:
                return await self._write_until_known(driver, work, *args)

    async def _write_until_known(
        self, driver: AsyncDriver, work: Callable[..., Awaitable[T]], *args: Any
    ) -> T:
        """`work` in a write transaction; after a commit whose answer was lost, again.

        The driver does not retry an `IncompleteCommit` (the commit may have been applied),
        and "nothing was written" would then be a guess. Every unit of work here is
        idempotent (MERGE and SET to given values), so running it again until it commits
        makes the outcome known: written. Only when Neo4j stays away past
        OUTCOME_RETRY_SECONDS does the client get `StoreOutcomeUnknown`.
        """
        deadline: float | None = None
        while True:
            try:
                async with self._session(driver) as session:
                    return await session.execute_write(work, *args)
            except (ServiceUnavailable, SessionExpired) as e:
                if deadline is None and not isinstance(e, IncompleteCommit):
                    raise  # refused before any commit was sent: nothing was written
                now = asyncio.get_running_loop().time()
                deadline = deadline if deadline is not None else now + OUTCOME_RETRY_SECONDS
                if now > deadline:
                    raise StoreOutcomeUnknown(
                        f"Neo4j stopped answering during a commit and did not come back "
                        f"within {OUTCOME_RETRY_SECONDS:g} s: {e}"
                    ) from e
                logger.warning("a commit's answer was lost; running it again: %s", e)
                await asyncio.sleep(0.5)

    # --- people ---------------------------------------------------------------------------

    async def upsert_people(self, patches: Sequence[PersonPatch]) -> list[Person]:
        if not patches:
            return []
        return await self._write(_upsert_people, list(patches))

    async def get_people(self, ids: Sequence[str]) -> dict[str, Person]:
        if not ids:
            return {}
        params = cypher.bundle({"ids": list(dict.fromkeys(ids))})
        found = await self._read(_people, cypher.PEOPLE_GET, params)
        return {person.id: person for person in found}

    async def search_people(
        self, name_part: str | None, id_prefix: str | None, limit: int, after: PeopleAfter | None
    ) -> list[Person]:
        params = {
            "namePart": name_part,
            "idPrefix": id_prefix,
            "limit": limit,
            # "" sorts before every stored key (names and ids are never empty)
            "afterName": "" if after is None else sort_key(after.name),
            "afterId": "" if after is None else sort_key(after.id),
        }
        everyone = name_part is None and id_prefix is None
        statement = cypher.PEOPLE_LIST if everyone else cypher.PEOPLE_SEARCH
        return await self._read(_people, statement, params)

    async def delete_person(self, person_id: str) -> bool:
        params = {"id": person_id}
        existed = await self._write(_single_value, cypher.PERSON_DELETE, params, "existed")
        return bool(existed)

    # --- ratings --------------------------------------------------------------------------

    async def put_ratings(self, drafts: Sequence[RatingDraft], now: datetime) -> list[Rating]:
        if not drafts:
            return []
        return await self._write(_put_ratings, list(drafts), now)

    async def get_rating(self, from_id: str, to_id: str, viewer: Viewer) -> Rating | None:
        params = {"fromId": from_id, "toId": to_id, **_viewer_params(viewer)}
        found = await self._read(_ratings, cypher.RATING_GET, params)
        return found[0] if found else None

    async def ratings_by(
        self,
        from_id: str,
        viewer: Viewer,
        limit: int,
        after: RatingsAfter | None,
        max_strength: int | None,
        group: str | None,
    ) -> list[Rating]:
        params = {
            "fromId": from_id,
            **_viewer_params(viewer),
            "limit": limit,
            "maxStrength": max_strength,
            "group": group,
            "afterStrength": None if after is None else after.strength,
            "afterId": None if after is None else sort_key(after.to_id),
        }
        return await self._read(_ratings, cypher.RATINGS_BY, params)

    async def remove_rating(self, from_id: str, to_id: str) -> bool:
        params = {"fromId": from_id, "toId": to_id}
        removed = await self._write(_single_value, cypher.RATING_REMOVE, params, "removed")
        return int(removed) > 0

    # --- bulk load ------------------------------------------------------------------------

    async def load_batch(self, batch: LoadBatch) -> bool:
        return await self._write(_load_batch, batch)

    def bulk_loading(self, ratings: int) -> contextlib.AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()  # Neo4j keeps its indexes up as it writes

    async def load_checkpoint(self, key: str) -> int | None:
        return await self._read(_load_checkpoint, key)

    # --- traversal ------------------------------------------------------------------------

    async def find_paths(self, query: PathQuery, viewer: Viewer, table: ScoringTable) -> list[Path]:
        if query.max_hops <= 2:  # one statement: no turn needed
            return await self._read(_short_paths, query, viewer, table)
        return await self._home.run(lambda: self._search_in_turn(query, viewer, table))

    async def _search_in_turn(
        self, query: PathQuery, viewer: Viewer, table: ScoringTable
    ) -> list[Path]:
        """A multi-statement search once one of the `searches` turns is free.

        Past `searches` at once, more searches only share the same CPUs (Neo4j's and this
        thread's) and all of them slow down: with 8 hub searches in flight at tier L, some
        ran past the time budget. Waiting for a turn is bounded by the budget too.
        """
        try:
            async with asyncio.timeout(self._budget):
                await self._search_turns.acquire()
        except TimeoutError as e:
            raise over_time_budget(self._budget) from e
        try:
            return await self._read_here(
                _find_paths, query, viewer, table, self._degrees, one_statement=False
            )
        finally:
            self._search_turns.release()

    async def mutual_connections(self, a: str, b: str, viewer: Viewer) -> list[Person]:
        params = {"a": a, "b": b, **_viewer_params(viewer)}
        return await self._read(_people, cypher.MUTUAL_CONNECTIONS, params)

    # --- LinkedIn import, review, export (issue 8) -----------------------------------------

    async def import_network(self, batch: ImportBatch) -> ImportCounts:
        return await self._write(_import_network, batch)

    async def unreviewed_by(
        self, owner: str, limit: int, after: ReviewAfter | None
    ) -> list[Rating]:
        params = {
            "owner": owner,
            "limit": limit,
            "afterSince": None if after is None else after.since,
            "afterId": None if after is None else sort_key(after.to_id),
        }
        return await self._read(_ratings, cypher.TO_REVIEW, params)

    async def export_snapshot(self, emit: Callable[[Exported], None]) -> None:
        """One read transaction without the query budget: an export reads everything.
        `emit` is called on the store's thread while the caller awaits."""
        await self._home.run(lambda: self._export_here(emit))

    async def _export_here(self, emit: Callable[[Exported], None]) -> None:
        driver = self._require_driver()
        with _driver_errors(self._budget):
            async with driver.session(database=self._database) as session:
                await session.execute_read(_export, emit)

    async def restore_requests(self, requests: Sequence[ConnectionRequest]) -> None:
        if requests:
            await self._write(_restore_requests, list(requests))

    # --- connection requests (issue 9) ----------------------------------------------------

    async def receive_requests(
        self, people: Sequence[PersonPatch], drafts: Sequence[RequestDraft]
    ) -> list[ConnectionRequest]:
        return await self._write(_receive_requests, list(people), list(drafts))

    async def get_request(self, request_id: str) -> ConnectionRequest | None:
        found = await self._read(_requests, cypher.REQUEST_GET, {"id": request_id})
        return found[0] if found else None

    async def list_requests(
        self, owner_id: str, status: RequestStatus, limit: int, after: RequestsAfter | None
    ) -> list[ConnectionRequest]:
        params = {
            "ownerId": owner_id,
            "status": status.value,
            "limit": limit,
            "afterSentAt": None if after is None else after.sent_at,
            "afterId": None if after is None else after.id,
        }
        return await self._read(_requests, cypher.REQUESTS_LIST, params)

    async def answer_request(
        self,
        request_id: str,
        status: RequestStatus,
        rating: RatingDraft | None,
        now: datetime,
    ) -> ConnectionRequest:
        return await self._write(_answer_request, request_id, status, rating, now)

    async def get_policy(self, owner_id: str) -> TriagePolicy | None:
        text = await self._read(_optional_value, cypher.POLICY_GET, {"ownerId": owner_id}, "policy")
        return None if text is None else TriagePolicy.from_json(json.loads(text))

    async def put_policy(self, owner_id: str, policy: TriagePolicy) -> None:
        params = {"ownerId": owner_id, "policy": json.dumps(policy.as_json(), ensure_ascii=False)}
        found = await self._write(_single_value, cypher.POLICY_PUT, params, "found")
        if not found:
            raise NotFound("owner", owner_id)

    async def export_requests(self) -> list[ConnectionRequest]:
        return await self._read(_requests, cypher.REQUESTS_ALL, {})

    async def export_policies(self) -> list[tuple[str, TriagePolicy]]:
        return await self._read(_policies)

    # --- the value of a network (issue 9) -------------------------------------------------

    async def ratings_of(self, person_id: str, viewer: Viewer) -> list[Rating]:
        params = {"toId": person_id, **_viewer_params(viewer)}
        return await self._read(_ratings, cypher.RATINGS_OF, params)

    async def warm_reach(self, owner_id: str, viewer: Viewer) -> int:
        params = {"ownerId": owner_id, **_viewer_params(viewer)}
        reach = await self._read(_optional_value, cypher.WARM_REACH, params, "reach")
        return int(reach or 0)


# --- LinkedIn import, review, export (issue 8) ---------------------------------------------


async def _restore_ratings(tx: AsyncManagedTransaction, batch: LoadBatch) -> None:
    everything: list[RatingDraft | Rating] = [*batch.ratings, *batch.restored]
    ids = sorted({r.from_id for r in everything} | {r.to_id for r in everything})
    missing = _first_missing(everything, await _people_missing(tx, ids))
    if missing is not None:
        raise missing
    last = {(r.from_id, r.to_id): r for r in batch.restored}
    rows = [
        {
            "fromId": r.from_id,
            "toId": r.to_id,
            "type": cypher.rating_type(r.strength),
            "props": {
                "strength": r.strength,
                "groups": list(r.groups),
                "context": r.context,
                "visibility": r.visibility.value,
                "since": r.since,
                "lastInteraction": r.last_interaction,
                "createdAt": r.created_at,
                "updatedAt": r.updated_at,
                "reviewed": r.reviewed,
                "history": [versions.encode(v) for v in r.history],
            },
        }
        for _, r in sorted(last.items())
    ]
    if await _single_value(tx, cypher.RATINGS_RESTORE, {"rows": rows}, "written") != len(rows):
        raise await _vanished(tx, everything)


async def _import_network(tx: AsyncManagedTransaction, batch: ImportBatch) -> ImportCounts:
    """One import in one transaction: read what is there, then only create what is not.

    The people of the batch are read in one statement; absent ones are created, stored ones
    whose `refresh` fields differ are updated. The raters are then locked and their rated
    people read (one expand each), so the ratings written are exactly the absent ones and no
    other writer adds one meanwhile. Statements carry slices of `_IMPORT_SLICE` rows.
    """
    counts = ImportCounts()
    ids = sorted({p.id for p in batch.people} | {p.id for p in batch.requesters})
    found = await _single_value(tx, cypher.IMPORT_PEOPLE_GET, {"ids": ids}, "people")
    stored = {person.id: person for person in map(_person, found)}
    changed: dict[str, Person] = {}
    for person in batch.people:
        old = changed.get(person.id) or stored.get(person.id)
        if old is None:
            changed[person.id] = person
            counts.people_created += 1
            continue
        new = replace(old, **{name: getattr(person, name) for name in batch.refresh})
        if new != old:
            changed[person.id] = new
            counts.people_updated += 1
    for person in batch.requesters:
        if person.id not in stored and person.id not in changed:
            changed[person.id] = person
            counts.people_created += 1
    fresh_people = sorted(
        (_new_person_row(p) for p in changed.values() if p.id not in stored),
        key=lambda row: row["id"],
    )
    for rows in _slices(fresh_people):
        await _single_value(tx, cypher.IMPORT_PEOPLE_CREATE, {"rows": rows}, "written")
    updated = sorted((_person_row(_full_patch(p)) for p in changed.values() if p.id in stored),
                     key=lambda row: row["id"])  # fmt: skip
    for rows in _slices(updated):
        await _single_value(tx, cypher.PEOPLE_IMPORT, {"rows": rows}, "written")
    if batch.ratings:
        await _import_ratings(tx, batch, stored.keys() | changed.keys(), counts)
    if batch.requests:
        rows = [{"fromId": d.from_id, "toId": d.to_id, "sentAt": d.sent_at} for d in batch.requests]
        answered = await _single_value(tx, cypher.REQUESTS_ANSWERED, {"rows": rows}, "answered")
        done = {(f, o, at.to_native()) for f, o, at in answered}
        fresh = [d for d in batch.requests if (d.from_id, d.to_id, d.sent_at) not in done]
        filed = await write_requests(tx, fresh)
        counts.requests_created = sum(1 for _, new in filed if new)
    return counts


async def _import_ratings(
    tx: AsyncManagedTransaction, batch: ImportBatch, present: Iterable[str], counts: ImportCounts
) -> None:
    """Create the ratings of `batch` whose pair has none yet (`present`: people known to be
    in the graph within this transaction)."""
    raters = sorted({d.from_id for d in batch.ratings})
    result = await tx.run(cypher.IMPORT_RATED, ids=raters)
    rated = {rec["id"]: set(rec["rated"]) async for rec in result}
    known = set(present) | rated.keys()
    unknown = sorted({d.to_id for d in batch.ratings} - known)
    missing = {r for r in raters if r not in rated}
    if unknown:
        missing |= await _people_missing(tx, unknown)
    error = _first_missing(batch.ratings, missing)
    if error is not None:
        raise error
    rows = _rating_rows(batch.ratings)
    absent = [row for row in rows if row["toId"] not in rated[row["fromId"]]]
    created = 0
    for part in _slices(absent):
        created += int(
            await _single_value(tx, cypher.IMPORT_RATINGS_CREATE, _at(part, batch.now), "created")
        )
    if created != len(absent):
        raise await _vanished(tx, batch.ratings)
    counts.ratings_created = created
    counts.ratings_kept = len(rows) - created


def _new_person_row(person: Person) -> dict[str, Any]:
    """The `$rows` of `cypher.IMPORT_PEOPLE_CREATE` (sorts by id: people are locked in id
    order)."""
    return {
        "id": person.id,
        "idSort": sort_key(person.id),
        "name": person.name,
        "nameKey": name_key(person.name),
        "nameSort": sort_key(person.name),
        "headline": person.headline,
        "company": person.company,
        "location": person.location,
        "profileUrl": person.profile_url,
    }


# Rows per statement of an import: one statement's parameters and intermediate rows stay small
# within the one transaction (a 30,000-row statement passed Neo4j's default 256 MiB per
# transaction on a 1 GiB heap).
_IMPORT_SLICE = 2_000


def _slices(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _IMPORT_SLICE):
        yield rows[start : start + _IMPORT_SLICE]


def _full_patch(person: Person) -> PersonPatch:
    return PersonPatch(
        id=person.id,
        name=person.name,
        headline=person.headline,
        company=person.company,
        location=person.location,
        profile_url=person.profile_url,
    )


async def _export(tx: AsyncManagedTransaction, emit: Callable[[Exported], None]) -> None:
    # Neo4j reads committed data, not a snapshot: a rating whose person was not among the
    # people read (created meanwhile) is left out, so the export never names a missing person.
    seen: set[str] = set()
    after = ""  # sorts before every idSort
    while True:
        params = {"after": after, "limit": _EXPORT_PAGE}
        result = await tx.run(cypher.EXPORT_PEOPLE, params)
        record = await result.single(strict=True)
        if record["last"] is None:
            break
        for data in record["people"]:
            person = _person(data)
            seen.add(person.id)
            emit(person)
        after = record["last"]
    after = ""
    while True:
        params = {"after": after, "limit": _EXPORT_PAGE // 5}
        result = await tx.run(cypher.EXPORT_RATINGS, params)
        found = await result.single()
        if found is None:
            # No rater in this page has ratings: find where the page ended to go on.
            people = await tx.run(cypher.EXPORT_PEOPLE, params)
            page = await people.single(strict=True)
            if page["last"] is None:
                break
            after = page["last"]
            continue
        for data in found["ratings"]:
            rating = _rating(data)
            if rating.from_id in seen and rating.to_id in seen:
                emit(rating)
        after = found["last"]


_EXPORT_PAGE = 5_000


async def _restore_requests(
    tx: AsyncManagedTransaction, requests: Sequence[ConnectionRequest]
) -> None:
    ids = sorted({r.from_id for r in requests} | {r.to_id for r in requests})
    missing = await _people_missing(tx, ids)
    for index, request in enumerate(requests):
        for field, person_id in (("from", request.from_id), ("to", request.to_id)):
            if person_id in missing:
                raise NotFound(field, person_id, index=index)
    rows = [
        {
            "fromId": r.from_id,
            "toId": r.to_id,
            "props": {
                "id": r.id,
                "message": r.message,
                "sentAt": r.sent_at,
                "status": r.status.value,
                "respondedAt": r.responded_at,
            },
        }
        for r in sorted(requests, key=lambda r: (r.from_id, r.id))
    ]
    ids = sorted(r.id for r in requests)
    await _single_value(tx, cypher.REQUESTS_DELETE, {"ids": ids}, "deleted")
    await _single_value(tx, cypher.REQUESTS_RESTORE, {"rows": rows}, "written")


# --- connection requests: units of work, and the write an import can share (issue 9) ------


def _request(data: dict[str, Any]) -> ConnectionRequest:
    responded = data["respondedAt"]
    return ConnectionRequest(
        id=data["id"],
        from_id=data["fromId"],
        to_id=data["toId"],
        message=data["message"],
        sent_at=_datetime(data["sentAt"]),
        status=RequestStatus(data["status"]),
        responded_at=None if responded is None else _datetime(responded),
    )


def request_rows(drafts: Sequence[RequestDraft]) -> list[dict[str, Any]]:
    """The `$rows` of `cypher.REQUESTS_WRITE`: one per (from, to), the last draft winning
    (a later request of the same person updates the earlier one), in id order."""
    last = {(d.from_id, d.to_id): d for d in drafts}
    return [
        {
            "id": d.id,
            "fromId": d.from_id,
            "toId": d.to_id,
            "message": d.message,
            "sentAt": d.sent_at,
        }
        for _, d in sorted(last.items())
    ]


async def write_requests(
    tx: AsyncManagedTransaction, drafts: Sequence[RequestDraft]
) -> list[tuple[ConnectionRequest, bool]]:
    """Write connection requests inside the caller's transaction `tx` (both people of each
    must exist by then, in the same transaction is fine). Returns each draft's request as
    stored and whether it is new, in input order; a pair written twice is new only once."""
    rows = request_rows(drafts)
    if not rows:
        return []
    written = await _single_value(tx, cypher.REQUESTS_WRITE, {"rows": rows}, "written")
    if len(written) != len(rows):
        raise RuntimeError("a request names a person who is not in the graph")
    by_pair = {
        (w["request"]["fromId"], w["request"]["toId"]): (_request(w["request"]), w["created"])
        for w in written
    }
    seen: set[tuple[str, str]] = set()
    result: list[tuple[ConnectionRequest, bool]] = []
    for d in drafts:
        request, created = by_pair[(d.from_id, d.to_id)]
        result.append((request, created and (d.from_id, d.to_id) not in seen))
        seen.add((d.from_id, d.to_id))
    return result


async def _receive_requests(
    tx: AsyncManagedTransaction, people: Sequence[PersonPatch], drafts: Sequence[RequestDraft]
) -> list[ConnectionRequest]:
    ids = sorted({d.from_id for d in drafts} | {d.to_id for d in drafts})
    missing = await _people_missing(tx, ids) - {p.id for p in people}
    for index, d in enumerate(drafts):
        where = index if len(drafts) > 1 else None
        if d.from_id in missing:
            raise NotFound("from", d.from_id, index=where)
        if d.to_id in missing:
            raise NotFound("to", d.to_id, index=where)
    if people:
        await _upsert_people(tx, people)
    written = await write_requests(tx, drafts)
    # A later draft of the same pair updated the request: report it as it ended up.
    final = {(r.from_id, r.to_id): r for r, _ in written}
    return [final[(d.from_id, d.to_id)] for d in drafts]


async def _requests(tx: _Statements, query: str, params: dict[str, Any]) -> list[ConnectionRequest]:
    result = await tx.run(query, params)
    return [_request(rec["request"]) async for rec in result]


async def _optional_value(tx: _Statements, query: str, params: dict[str, Any], key: str) -> Any:
    result = await tx.run(query, params)
    record = await result.single()
    return None if record is None else record[key]


async def _policies(tx: _Statements) -> list[tuple[str, TriagePolicy]]:
    result = await tx.run(cypher.POLICIES_ALL)
    return [
        (rec["ownerId"], TriagePolicy.from_json(json.loads(rec["policy"]))) async for rec in result
    ]


async def _answer_request(
    tx: AsyncManagedTransaction,
    request_id: str,
    status: RequestStatus,
    rating: RatingDraft | None,
    now: datetime,
) -> ConnectionRequest:
    result = await tx.run(cypher.REQUEST_ANSWER, id=request_id, status=status.value, now=now)
    record = await result.single()
    if record is None:
        raise RequestNotFound(request_id)
    if record["before"] != RequestStatus.PENDING.value:
        raise InvalidInput("id", f"this request was already answered ({record['before']})")
    if rating is not None:
        await _put_ratings(tx, [rating], now)
    return _request(record["request"])


def _with_timeout(work: Callable[..., Awaitable[T]], seconds: float) -> Callable[..., Awaitable[T]]:
    """`work` as a unit of work whose transaction the server cancels after `seconds`."""

    @unit_of_work(timeout=seconds)
    async def budgeted(tx: AsyncManagedTransaction, *args: Any) -> T:
        return await work(tx, *args)

    return budgeted

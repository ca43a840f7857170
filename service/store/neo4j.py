"""Neo4jStore: the Store protocol over the official async driver.

One driver per store, opened by `open()` (which also migrates) and closed by `close()`. Every
call is one managed transaction (`execute_read` / `execute_write`) whose unit of work is
idempotent and returns domain objects; the Cypher lives in `graph_schema.queries`.

Driver failures become `StoreUnavailable` with the driver's reason; a unit of work that
raises rolls its transaction back, so a failed write has changed nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, unit_of_work
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_schema import queries as q
from graph_schema.migrate import Migration, migrate
from service.domain import (
    KEEP,
    Path,
    PathQuery,
    Person,
    PersonPatch,
    Rating,
    RatingDraft,
    Step,
    Viewer,
    Visibility,
    name_key,
    sort_key,
)
from service.errors import NotFound, StoreUnavailable
from service.scoring import TIE_TOLERANCE, ScoringTable, could_still_rank, scored
from service.store.base import PeopleAfter, RatingsAfter

T = TypeVar("T")

# Path statements can be costly on dense graphs; past this the server aborts them rather
# than let one request hold a transaction open.
PATH_QUERY_TIMEOUT_SECONDS = 20.0
# The per-statement top-k cut in Cypher keeps what `could_still_rank`; the pruning bounds get
# a little more room so that a different multiplication order cannot drop a candidate.
_RANK_SLACK = 1.0 - 2 * TIE_TOLERANCE
_PRUNE_SLACK = 1.0 - 1e-12

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    ServiceUnavailable,  # includes IncompleteCommit and the routing variants
    SessionExpired,
    TransientError,  # still failing once the driver's retries ran out
    AuthError,
    OSError,
    TimeoutError,
)


def _unavailable(error: BaseException) -> StoreUnavailable | None:
    if isinstance(error, _UNAVAILABLE):
        kind = "timed out" if isinstance(error, TimeoutError) else "did not answer"
        return StoreUnavailable(f"Neo4j {kind}: {error}".strip().rstrip(":"))
    if isinstance(error, Neo4jError):
        code = error.code or ""
        if "TransactionTimedOut" in code:
            return StoreUnavailable(f"Neo4j timed out: {error.message}")
        if "DatabaseNotFound" in code:
            return StoreUnavailable(f"Neo4j has no such database: {error.message}")
    return None


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
    )


def _path(people: list[str], steps: list[dict[str, Any]], table: ScoringTable) -> Path:
    path = Path(
        people=tuple(people),
        steps=tuple(
            Step(
                from_id=people[i],
                to_id=people[i + 1],
                strength=step["strength"],
                rated_by=step["ratedBy"],
                groups=tuple(step["groups"]),
            )
            for i, step in enumerate(steps)
        ),
    )
    return scored(path, table)


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


def _rating_row(draft: RatingDraft) -> dict[str, Any]:
    return {
        "fromId": draft.from_id,
        "toId": draft.to_id,
        "strength": draft.strength,
        "groups": list(draft.groups),
        "context": draft.context,
        "visibility": draft.visibility.value,
        "since": draft.since,
        "lastInteraction": draft.last_interaction,
    }


def _kth_best(paths: Sequence[Path], first: int) -> float:
    """The `first`-th best score among `paths`, or 0 when there are fewer."""
    if len(paths) < first:
        return 0.0
    return sorted((p.score for p in paths), reverse=True)[first - 1]


# --- units of work ------------------------------------------------------------------------


async def _people_missing(tx: AsyncManagedTransaction, ids: list[str]) -> set[str]:
    result = await tx.run(q.PEOPLE_MISSING, ids=ids)
    record = await result.single(strict=True)
    return set(record["missing"])


def _first_missing(drafts: Sequence[RatingDraft], missing: set[str]) -> NotFound | None:
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
    ids = sorted({d.from_id for d in drafts} | {d.to_id for d in drafts})
    missing = _first_missing(drafts, await _people_missing(tx, ids))
    if missing is not None:
        raise missing
    result = await tx.run(q.RATINGS_PUT, rows=[_rating_row(d) for d in drafts], now=now)
    stored = {(r.from_id, r.to_id): r for r in [_rating(rec["rating"]) async for rec in result]}
    if len(stored) != len({(d.from_id, d.to_id) for d in drafts}):
        # A person vanished between the check and the write (a concurrent delete): raising
        # rolls this transaction back, so nothing of the batch stays.
        late = _first_missing(drafts, await _people_missing(tx, ids))
        raise late or RuntimeError("put_ratings wrote fewer ratings than it was given")
    return [stored[(d.from_id, d.to_id)] for d in drafts]


async def _upsert_people(
    tx: AsyncManagedTransaction, patches: Sequence[PersonPatch]
) -> list[Person]:
    result = await tx.run(q.PEOPLE_UPSERT, rows=[_person_row(p) for p in patches])
    stored = {person.id: person for person in [_person(rec["person"]) async for rec in result]}
    return [stored[p.id] for p in patches]


async def _people(tx: AsyncManagedTransaction, query: str, params: dict[str, Any]) -> list[Person]:
    result = await tx.run(query, params)
    return [_person(rec["person"]) async for rec in result]


async def _ratings(tx: AsyncManagedTransaction, query: str, params: dict[str, Any]) -> list[Rating]:
    result = await tx.run(query, params)
    return [_rating(rec["rating"]) async for rec in result]


async def _single_value(
    tx: AsyncManagedTransaction, query: str, params: dict[str, Any], key: str
) -> Any:
    result = await tx.run(query, params)
    record = await result.single(strict=True)
    return record[key]


@unit_of_work(timeout=PATH_QUERY_TIMEOUT_SECONDS)
async def _find_paths(
    tx: AsyncManagedTransaction, query: PathQuery, base: dict[str, Any], table: ScoringTable
) -> list[Path]:
    """Paths by length, shortest first: the best score found so far bounds the longer ones.

    Each statement returns only its own top-`first` candidates (with ties); the bound passed
    to the next length prunes partial paths that cannot reach the best `first` any more.
    """
    found: dict[tuple[str, ...], Path] = {}
    kth = 0.0
    for hops in range(query.min_hops, query.max_hops + 1):
        min_score = kth * _RANK_SLACK * _PRUNE_SLACK
        if table.best_p**hops < min_score:
            break  # no path this long (or longer) can reach the best `first`
        need = [min_score / table.best_p**left for left in range(q.MAX_HOPS + 1)]
        statement = (
            q.INTRODUCER_PATHS if query.min_hops == query.max_hops == 2 else q.path_query(hops)
        )
        result = await tx.run(statement, {**base, "need": need})
        async for record in result:
            path = _path(record["people"], record["steps"], table)
            found[path.people] = path
        kth = _kth_best(list(found.values()), query.first)
    return [path for path in found.values() if could_still_rank(path.score, kth)]


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
        retry_time: float = 10.0,
        migrations: Sequence[Migration] | None = None,
    ) -> None:
        self._uri = uri
        self._auth = (user, password or "") if user is not None else None
        self._database = database
        self._connection_timeout = connection_timeout
        self._retry_time = retry_time
        self._migrations = migrations
        self._driver: AsyncDriver | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect (bounded by `connection_timeout`), then apply pending migrations.

        Raises `StoreUnavailable` when Neo4j cannot be reached, and lets
        `graph_schema.MigrationError` through: the service must not start on a bad schema.
        """
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
            async with asyncio.timeout(self._connection_timeout * 2):
                await driver.verify_connectivity()
            await migrate(driver, self._database, self._migrations)
        except BaseException as e:
            await driver.close()
            translated = _unavailable(e)
            if translated is not None:
                raise translated from e
            raise
        self._driver = driver

    async def close(self) -> None:
        if self._driver is not None:
            driver, self._driver = self._driver, None
            await driver.close()

    async def ping(self) -> None:
        driver = self._require_driver()
        try:
            async with asyncio.timeout(self._connection_timeout):
                async with driver.session(database=self._database) as session:
                    result = await session.run(q.PING)
                    await result.consume()
        except Exception as e:
            translated = _unavailable(e)
            if translated is not None:
                raise translated from e
            raise

    def _require_driver(self) -> AsyncDriver:
        if self._driver is None:
            raise StoreUnavailable("the Neo4j store is not open")
        return self._driver

    async def _run(
        self,
        write: bool,
        work: Callable[..., Awaitable[T]],
        *args: Any,
    ) -> T:
        driver = self._require_driver()
        try:
            async with driver.session(database=self._database) as session:
                if write:
                    return await session.execute_write(work, *args)
                return await session.execute_read(work, *args)
        except Exception as e:
            translated = _unavailable(e)
            if translated is not None:
                raise translated from e
            raise

    # --- people ---------------------------------------------------------------------------

    async def upsert_people(self, patches: Sequence[PersonPatch]) -> list[Person]:
        if not patches:
            return []
        return await self._run(True, _upsert_people, list(patches))

    async def get_people(self, ids: Sequence[str]) -> dict[str, Person]:
        if not ids:
            return {}
        found = await self._run(False, _people, q.PEOPLE_GET, {"ids": list(dict.fromkeys(ids))})
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
        statement = q.PEOPLE_LIST if everyone else q.PEOPLE_SEARCH
        return await self._run(False, _people, statement, params)

    async def delete_person(self, person_id: str) -> bool:
        params = {"id": person_id}
        existed = await self._run(True, _single_value, q.PERSON_DELETE, params, "existed")
        return bool(existed)

    # --- ratings --------------------------------------------------------------------------

    async def put_ratings(self, drafts: Sequence[RatingDraft], now: datetime) -> list[Rating]:
        if not drafts:
            return []
        return await self._run(True, _put_ratings, list(drafts), now)

    async def get_rating(self, from_id: str, to_id: str, viewer: Viewer) -> Rating | None:
        params = {"fromId": from_id, "toId": to_id, **_viewer_params(viewer)}
        found = await self._run(False, _ratings, q.RATING_GET, params)
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
        return await self._run(False, _ratings, q.RATINGS_BY, params)

    async def remove_rating(self, from_id: str, to_id: str) -> bool:
        params = {"fromId": from_id, "toId": to_id}
        removed = await self._run(True, _single_value, q.RATING_REMOVE, params, "removed")
        return int(removed) > 0

    # --- traversal ------------------------------------------------------------------------

    async def find_paths(self, query: PathQuery, viewer: Viewer, table: ScoringTable) -> list[Path]:
        base = {
            "source": query.source,
            "target": query.target,
            **_viewer_params(viewer),
            "maxStrength": query.max_strength,
            "avoid": sorted(query.avoid),
            "first": query.first,
            "p": list(table.probabilities),
            "slack": _RANK_SLACK,
        }
        return await self._run(False, _find_paths, query, base, table)

    async def mutual_connections(self, a: str, b: str, viewer: Viewer) -> list[Person]:
        params = {"a": a, "b": b, **_viewer_params(viewer)}
        return await self._run(False, _people, q.MUTUAL_CONNECTIONS, params)

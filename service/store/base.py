"""The Store protocol: the one seam between tiegraph's use-cases and where ratings live.

Two implementations: `EmbeddedStore` (SQLite on disk + networkx in memory, the zero-setup
default) and `Neo4jStore` (production). Both pass `tests/conformance`.

Rules every implementation keeps:
- Methods take and return domain objects (`service.domain`); no driver type leaks out.
- Visibility is a filter *inside* the store's query, never a pass over its results: a rating
  the viewer cannot see must not change a score, an order or a count.
- A write method either stores everything it was given or nothing (one transaction), and
  returns only once the write is durable.
- A store that cannot be reached raises `StoreUnavailable`; nothing else escapes but the
  other `TiegraphError`s named in the docstrings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from service.domain import (
    Path,
    PathQuery,
    Person,
    PersonPatch,
    Rating,
    RatingDraft,
    Viewer,
)
from service.requests import (
    ConnectionRequest,
    RequestDraft,
    RequestsAfter,
    RequestStatus,
    TriagePolicy,
)
from service.scoring import ScoringTable


@dataclass(frozen=True, slots=True)
class PeopleAfter:
    """Keyset cursor of `people`: the last (name, id) already returned."""

    name: str
    id: str


@dataclass(frozen=True, slots=True)
class RatingsAfter:
    """Keyset cursor of `Person.ratings`: the last (strength, to id) already returned."""

    strength: int
    to_id: str


@dataclass(frozen=True, slots=True)
class LoadBatch:
    """One batch of a bulk load: written in one transaction together with its checkpoint."""

    # Identifies the load (e.g. sha256 of the file's head and size), stable across resumes.
    key: str
    # 0-based batch number within the load.
    number: int
    people: tuple[PersonPatch, ...]
    ratings: tuple[RatingDraft, ...]
    now: datetime
    # Whole ratings written as given (timestamps, reviewed, history): `tiegraph import
    # tiegraph`. They replace a stored rating of the same pair without adding to its history.
    # NotFound.index counts them after `ratings` (len(ratings) + i).
    restored: tuple[Rating, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """Everything one LinkedIn import writes, in one transaction (`Store.import_network`).

    `people` are created as given when absent; people already stored get only the fields named
    in `refresh` from here. `ratings` are created when the pair has no rating yet and left as
    they are otherwise (kept). More kinds of rows (connection requests) join as new fields.
    """

    people: tuple[Person, ...]
    ratings: tuple[RatingDraft, ...]
    now: datetime
    refresh: tuple[str, ...] = ("headline", "company")
    # INCOMING invitations: requesters are created when absent (and left as they are
    # otherwise); each request is filed as `receive_requests` files it (a pending one from
    # the same person is updated). `ImportCounts.requests_created` counts the new ones.
    requesters: tuple[Person, ...] = ()
    requests: tuple[RequestDraft, ...] = ()


@dataclass(slots=True)
class ImportCounts:
    people_created: int = 0
    people_updated: int = 0
    ratings_created: int = 0
    ratings_kept: int = 0
    requests_created: int = 0


@dataclass(frozen=True, slots=True)
class ReviewAfter:
    """Keyset cursor of `toReview`: the last (since, to id) returned; None sorts last."""

    since: date | None
    to_id: str


# What `Store.export_snapshot` hands out, in this order: every person, then every rating.
Exported = Person | Rating


class Store(Protocol):
    async def open(self) -> None:
        """Connect, apply pending migrations, load what must be in memory."""

    async def close(self) -> None:
        """Release every resource; acknowledged writes are already durable."""

    async def ping(self) -> None:
        """Return when the store answers; raise `StoreUnavailable` with a reason otherwise."""

    # --- people ---------------------------------------------------------------------------
    async def upsert_people(self, patches: Sequence[PersonPatch]) -> list[Person]:
        """Create or update all of `patches` in one transaction; return them as stored."""

    async def get_people(self, ids: Sequence[str]) -> dict[str, Person]:
        """The people among `ids` that exist, by id."""

    async def search_people(
        self, name_part: str | None, id_prefix: str | None, limit: int, after: PeopleAfter | None
    ) -> list[Person]:
        """People whose casefolded name (`domain.name_key`) contains `name_part` or whose id
        starts with `id_prefix` (either None: no filter), ordered by name then id in code point
        order, strictly after `after`, at most `limit`."""

    async def delete_person(self, person_id: str) -> bool:
        """Remove the person and every rating from or to them; True when they existed."""

    # --- ratings --------------------------------------------------------------------------
    async def put_ratings(self, drafts: Sequence[RatingDraft], now: datetime) -> list[Rating]:
        """Store or replace every rating in one transaction, in input order.

        A replaced rating keeps its `created_at`; `updated_at` is `now`. Raises `NotFound`
        (with `index` for batches of more than one) when a `from` or `to` person does not
        exist; then nothing is written.
        """

    async def get_rating(self, from_id: str, to_id: str, viewer: Viewer) -> Rating | None:
        """from's rating of to, when it exists and `viewer` may see it."""

    async def ratings_by(
        self,
        from_id: str,
        viewer: Viewer,
        limit: int,
        after: RatingsAfter | None,
        max_strength: int | None,
        group: str | None,
    ) -> list[Rating]:
        """Ratings `from_id` gave that `viewer` may see, strongest first (strength, then to id),
        strictly after `after`, at most `limit`."""

    async def remove_rating(self, from_id: str, to_id: str) -> bool:
        """Remove from's rating of to; True when there was one."""

    # --- bulk load ------------------------------------------------------------------------
    async def load_batch(self, batch: LoadBatch) -> bool:
        """Upsert the batch's people, then its ratings (replace semantics as put_ratings: a
        replaced rating keeps created_at), and record `batch.number` as the load's checkpoint,
        all in one transaction. Returns False and writes nothing when the load already
        committed this batch number or a later one. Raises NotFound (with index into
        batch.ratings) when a rating names a person that neither exists nor is in the batch;
        then nothing is written."""

    async def load_checkpoint(self, key: str) -> int | None:
        """The number of the last committed batch of the load `key`, or None."""

    def bulk_loading(self, ratings: int) -> AbstractAsyncContextManager[None]:
        """Around the `load_batch` calls of one load of about `ratings` ratings: the store
        may prepare for many writes and undo that at the end (the embedded store builds an
        index once instead of row by row). Everything written stays written either way."""

    # --- traversal ------------------------------------------------------------------------
    async def find_paths(self, query: PathQuery, viewer: Viewer, table: ScoringTable) -> list[Path]:
        """Candidate paths for `query` under the traversal rule of API.md, for `viewer`.

        Returns a set of simple paths that contains the best `query.first` paths under
        `service.scoring.rank_paths` (it may return more; the caller ranks and cuts). Each path
        has `min_hops`..`max_hops` steps; no person in `query.avoid` is inside it; every step
        uses the rating the traversal rule picks and has strength <= `max_strength`.
        """

    async def mutual_connections(self, a: str, b: str, viewer: Viewer) -> list[Person]:
        """People with a visible step to both a and b, never a or b, in any order."""

    # --- LinkedIn import, review, export (issue 8) -------------------------------------------
    async def import_network(self, batch: ImportBatch) -> ImportCounts:
        """Write `batch` in one transaction (see `ImportBatch`) and count what changed.

        A person counts as updated only when a refreshed field really changed. Raises nothing
        for known people or ratings: an import is idempotent."""

    async def unreviewed_by(
        self, owner: str, limit: int, after: ReviewAfter | None
    ) -> list[Rating]:
        """`owner`'s ratings with reviewed = False, most recent `since` first (none last),
        then by to id in code point order, strictly after `after`, at most `limit`."""

    async def export_snapshot(self, emit: Callable[[Exported], None]) -> None:
        """Call `emit` with every person (by id), then every rating (by from, to id), read
        as one snapshot of the store (Neo4j: one read transaction, see docs/decisions.md)."""

    # --- connection requests (issue 9) ----------------------------------------------------
    async def receive_requests(
        self, people: Sequence[PersonPatch], drafts: Sequence[RequestDraft]
    ) -> list[ConnectionRequest]:
        """Upsert `people` (the requesters), then write every draft, in one transaction: a new
        PENDING request, or, when `from` already has a PENDING request to `to`, that one with
        the draft's message and sentAt. Returns the requests as stored, in input order.
        Raises `NotFound` when a `from` or `to` person neither exists nor is in `people`."""

    async def get_request(self, request_id: str) -> ConnectionRequest | None:
        """The request with this id, whatever its status."""

    async def list_requests(
        self, owner_id: str, status: RequestStatus, limit: int, after: RequestsAfter | None
    ) -> list[ConnectionRequest]:
        """Requests to `owner_id` with `status`, newest first (sentAt desc, then id in code
        point order), strictly after `after`, at most `limit`."""

    async def answer_request(
        self,
        request_id: str,
        status: RequestStatus,
        rating: RatingDraft | None,
        now: datetime,
    ) -> ConnectionRequest:
        """Answer a PENDING request (`status` ACCEPTED or DECLINED, respondedAt `now`) and put
        `rating` (as `put_ratings` does), in one transaction. Raises `RequestNotFound`, or
        `InvalidInput` on ``id`` when it was already answered; then nothing is written."""

    async def get_policy(self, owner_id: str) -> TriagePolicy | None:
        """The owner's stored policy, or None (the defaults apply)."""

    async def put_policy(self, owner_id: str, policy: TriagePolicy) -> None:
        """Store the owner's policy; raises `NotFound` when the owner does not exist."""

    async def export_requests(self) -> list[ConnectionRequest]:
        """Every request of every owner and status (for `tiegraph export`), by id."""

    async def export_policies(self) -> list[tuple[str, TriagePolicy]]:
        """Every stored policy with its owner's id (for `tiegraph export`), by owner id."""

    # --- the value of a network (issue 9) -------------------------------------------------
    async def ratings_of(self, person_id: str, viewer: Viewer) -> list[Rating]:
        """Every rating *of* `person_id` (to = person_id) that `viewer` may see, in any order."""

    async def warm_reach(self, owner_id: str, viewer: Viewer) -> int:
        """How many people have no step to the owner but are reached by owner -> x -> them
        with both steps of strength 1-2 (the traversal rule, for `viewer`)."""

    async def restore_requests(self, requests: Sequence[ConnectionRequest]) -> None:
        """Write whole requests as exported (id, status, times), replacing any of the same
        id, in one transaction (`tiegraph import tiegraph`). Raises `NotFound` when a person
        does not exist."""

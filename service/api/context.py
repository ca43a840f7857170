"""The typed per-request context: who asks, the store, the scoring table and the DataLoaders.

Built by a FastAPI dependency before the operation runs. Authentication and opening the store
happen here; a failure is recorded in `failure`, and the GraphQL route answers it with one
GraphQL error before it even parses the document (so no one burns CPU without a token).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from fastapi import Request
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from service.api.auth import Authenticator
from service.domain import Person, Viewer
from service.errors import StoreUnavailable, TiegraphError
from service.scoring import ScoringTable
from service.settings import Settings
from service.store.base import Store
from service.store.factory import StoreHandle


@dataclass(frozen=True, slots=True)
class AppServices:
    """What the app holds for the life of the process (on ``app.state.services``)."""

    settings: Settings
    store: StoreHandle
    table: ScoringTable


class RequestContext(BaseContext):
    def __init__(
        self,
        *,
        request_id: str,
        table: ScoringTable,
        viewer: Viewer | None,
        store: Store | None,
        failure: TiegraphError | None,
    ) -> None:
        super().__init__()
        self.request_id = request_id
        self.table = table
        self._viewer = viewer
        self._store = store
        # Why the operation may not run (no valid token, store down); None: it may.
        self.failure = failure
        self.people: DataLoader[str, Person | None] = DataLoader(load_fn=self._load_people)

    @property
    def viewer(self) -> Viewer:
        if self._viewer is None:
            raise self.failure or StoreUnavailable("no viewer")
        return self._viewer

    @property
    def store(self) -> Store:
        if self._store is None:
            raise self.failure or StoreUnavailable("the store is not open")
        return self._store

    def bind_store(self, bind: Callable[[Store], Store]) -> None:
        """Replace the store by `bind(store)` (see `service.api.offloop`)."""
        if self._store is not None:
            self._store = bind(self._store)

    def know(self, people: Iterable[Person]) -> None:
        """People a store call already read: the Person DataLoader answers them without
        another read (a path search on Neo4j returns its people)."""
        self.people.prime_many({person.id: person for person in people})

    async def _load_people(self, ids: Sequence[str]) -> list[Person | None]:
        found = await self.store.get_people(ids)
        return [found.get(person_id) for person_id in ids]


def request_id_of(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else "-"


def context_getter(services: AppServices) -> Callable[[Request], Awaitable[RequestContext]]:
    authenticate = Authenticator(services.settings)

    async def get_context(request: Request) -> RequestContext:
        viewer: Viewer | None = None
        store: Store | None = None
        failure: TiegraphError | None = None
        try:
            viewer = authenticate(request.headers.get("authorization"))
            store = await services.store.get()
        except TiegraphError as e:
            failure = e
        return RequestContext(
            request_id=request_id_of(request),
            table=services.table,
            viewer=viewer,
            store=store,
            failure=failure,
        )

    return get_context

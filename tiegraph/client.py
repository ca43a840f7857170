"""`TiegraphClient` (sync) and `AsyncTiegraphClient`: typed, thin over httpx.

    with TiegraphClient("http://127.0.0.1:8000", token=token) as client:
        client.upsert_person("Ana Ortiz", id="ana")
        paths = client.warm_paths("sam", from_="ana")

Every method sends one named GraphQL operation to ``<url>/graphql`` (asking for
``application/graphql-response+json``), returns dataclasses from `tiegraph.types`, and raises
a `tiegraph.errors.TiegraphError` subclass chosen by the first error's ``extensions.code``.
One request id (``X-Request-ID``) is sent with every attempt of a call and is on its error.

Retries: a call is retried up to `retries` times, waiting ``backoff * 2**attempt`` seconds
(at most `max_backoff`, with jitter), when the service answers SERVICE_UNAVAILABLE or the
transport fails; which failures a write is retried on depends on whether it is idempotent:
see `tiegraph.operations`.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from tiegraph import operations as ops
from tiegraph.errors import ServiceUnavailable, TiegraphError, TransportError, from_response
from tiegraph.operations import Operation, Safety
from tiegraph.types import (
    Introducer,
    Person,
    PersonInput,
    PersonPage,
    RateResult,
    Rating,
    RatingInput,
    RatingPage,
    Visibility,
    WarmPath,
)

T = TypeVar("T")
Token = str | Callable[[], str] | None

ACCEPT = "application/graphql-response+json, application/json;q=0.9"
# The connection was never made: the request was not sent, so any write may be retried.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def endpoint(url: str) -> str:
    """``http://host:8000`` or ``http://host:8000/graphql`` -> the GraphQL endpoint."""
    base = url.rstrip("/")
    return base if base.endswith("/graphql") else f"{base}/graphql"


def should_retry(error: BaseException, safety: Safety) -> bool:
    """Whether a failed attempt of an operation of `safety` may be made again."""
    if isinstance(error, ServiceUnavailable):
        return True  # the service guarantees nothing was written
    if isinstance(error, NOT_SENT):
        return True
    if isinstance(error, httpx.TransportError | TransportError):
        return safety is Safety.SAFE  # maybe sent and applied: only if repeating is harmless
    return False


def read_response(response: httpx.Response) -> dict[str, Any]:
    """The `data` of a GraphQL response; raises the typed error of its first error."""
    request_id = response.headers.get("x-request-id")
    media = response.headers.get("content-type", "")
    if "json" not in media:
        raise TransportError(
            f"HTTP {response.status_code} from {response.request.url} is not a GraphQL "
            f"response ({media or 'no content type'})",
            status=response.status_code,
        )
    body = response.json()
    errors = body.get("errors")
    if errors:
        raise from_response(errors, request_id)
    data = body.get("data")
    if not isinstance(data, dict):
        raise TransportError(f"HTTP {response.status_code}: a response without data")
    return data


class _Base:
    def __init__(
        self,
        url: str,
        token: Token,
        retries: int,
        backoff: float,
        max_backoff: float,
    ) -> None:
        self.url = endpoint(url)
        self.token = token
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff

    def _headers(self, request_id: str) -> dict[str, str]:
        headers = {"Accept": ACCEPT, "X-Request-ID": request_id}
        token = self.token() if callable(self.token) else self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2.0**attempt) * random.uniform(0.5, 1.0)

    @staticmethod
    def _final(error: BaseException, request_id: str) -> TiegraphError:
        if isinstance(error, TiegraphError):
            if error.request_id is None:
                error.request_id = request_id
            return error
        wrapped = TransportError(f"{type(error).__name__}: {error}", cause=error)
        wrapped.request_id = request_id
        return wrapped


class TiegraphClient(_Base):
    """The synchronous client. `token`: a bearer token, or a callable that returns one (such
    as `tiegraph.tokens.TokenMinter`), or None (a service in --dev mode)."""

    def __init__(
        self,
        url: str,
        token: Token = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, token, retries, backoff, max_backoff)
        self._owned = http is None
        self.http = http or httpx.Client(timeout=timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            self.http.close()

    def run(self, operation: Operation[T]) -> T:
        """Send `operation`, retrying as its safety allows; its answer, read."""
        request_id = uuid.uuid4().hex
        attempt = 0
        while True:
            try:
                response = self.http.post(
                    self.url, json=operation.body(), headers=self._headers(request_id)
                )
                return operation.read(read_response(response))
            except (TiegraphError, httpx.TransportError) as error:
                if attempt >= self.retries or not should_retry(error, operation.safety):
                    raise self._final(error, request_id) from error
            time.sleep(self._delay(attempt))
            attempt += 1

    # --- reads ---------------------------------------------------------------------------
    def person(self, id: str) -> Person | None:
        return self.run(ops.person(id))

    def people(
        self, search: str | None = None, first: int | None = None, after: str | None = None
    ) -> PersonPage:
        return self.run(ops.people(search, first, after))

    def rating(self, from_: str, to: str) -> Rating | None:
        return self.run(ops.rating(from_, to))

    def ratings(
        self,
        person_id: str,
        first: int | None = None,
        after: str | None = None,
        max_strength: int | None = None,
        group: str | None = None,
    ) -> RatingPage | None:
        """The ratings `person_id` gave that the viewer may see; None: no such person."""
        return self.run(ops.ratings(person_id, first, after, max_strength, group))

    def introducers(
        self,
        target: str,
        from_: str | None = None,
        first: int | None = None,
        max_strength: int | None = None,
    ) -> list[Introducer]:
        return self.run(ops.introducers(target, from_, first, max_strength))

    def warm_paths(
        self,
        target: str,
        from_: str | None = None,
        max_hops: int | None = None,
        first: int | None = None,
        max_strength: int | None = None,
        avoid: Sequence[str] = (),
    ) -> list[WarmPath]:
        return self.run(ops.warm_paths(target, from_, max_hops, first, max_strength, avoid))

    def mutual_connections(self, a: str, b: str) -> list[Person]:
        return self.run(ops.mutual_connections(a, b))

    # --- writes --------------------------------------------------------------------------
    def upsert_person(
        self,
        name: str,
        *,
        id: str | None = None,
        headline: str | None = None,
        company: str | None = None,
        location: str | None = None,
        profile_url: str | None = None,
    ) -> Person:
        data = PersonInput(name, id, headline, company, location, profile_url)
        return self.run(ops.upsert_person(data))

    def upsert_people(self, people: Sequence[PersonInput]) -> list[Person]:
        return self.run(ops.upsert_people(people))

    def rate(
        self,
        to: str,
        strength: int,
        *,
        from_: str | None = None,
        groups: Sequence[str] | None = None,
        context: str | None = None,
        visibility: Visibility | str | None = None,
        since: date | None = None,
        last_interaction: date | None = None,
    ) -> Rating:
        data = RatingInput(
            to, strength, from_, groups, context, visibility, since, last_interaction
        )
        return self.run(ops.rate(data))

    def rate_many(self, ratings: Sequence[RatingInput]) -> RateResult:
        return self.run(ops.rate_many(ratings))

    def remove_rating(self, to: str, from_: str | None = None) -> bool:
        return self.run(ops.remove_rating(to, from_))

    def delete_person(self, id: str) -> bool:
        return self.run(ops.delete_person(id))

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Any GraphQL document; its `data`. Retried only when surely not applied."""
        return self.run(ops.raw(query, variables, operation_name))


class AsyncTiegraphClient(_Base):
    """The asyncio client: the same methods as `TiegraphClient`, awaited."""

    def __init__(
        self,
        url: str,
        token: Token = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(url, token, retries, backoff, max_backoff)
        self._owned = http is None
        self.http = http or httpx.AsyncClient(timeout=timeout)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owned:
            await self.http.aclose()

    async def run(self, operation: Operation[T]) -> T:
        request_id = uuid.uuid4().hex
        attempt = 0
        while True:
            try:
                response = await self.http.post(
                    self.url, json=operation.body(), headers=self._headers(request_id)
                )
                return operation.read(read_response(response))
            except (TiegraphError, httpx.TransportError) as error:
                if attempt >= self.retries or not should_retry(error, operation.safety):
                    raise self._final(error, request_id) from error
            await asyncio.sleep(self._delay(attempt))
            attempt += 1

    async def person(self, id: str) -> Person | None:
        return await self.run(ops.person(id))

    async def people(
        self, search: str | None = None, first: int | None = None, after: str | None = None
    ) -> PersonPage:
        return await self.run(ops.people(search, first, after))

    async def rating(self, from_: str, to: str) -> Rating | None:
        return await self.run(ops.rating(from_, to))

    async def ratings(
        self,
        person_id: str,
        first: int | None = None,
        after: str | None = None,
        max_strength: int | None = None,
        group: str | None = None,
    ) -> RatingPage | None:
        return await self.run(ops.ratings(person_id, first, after, max_strength, group))

    async def introducers(
        self,
        target: str,
        from_: str | None = None,
        first: int | None = None,
        max_strength: int | None = None,
    ) -> list[Introducer]:
        return await self.run(ops.introducers(target, from_, first, max_strength))

    async def warm_paths(
        self,
        target: str,
        from_: str | None = None,
        max_hops: int | None = None,
        first: int | None = None,
        max_strength: int | None = None,
        avoid: Sequence[str] = (),
    ) -> list[WarmPath]:
        return await self.run(ops.warm_paths(target, from_, max_hops, first, max_strength, avoid))

    async def mutual_connections(self, a: str, b: str) -> list[Person]:
        return await self.run(ops.mutual_connections(a, b))

    async def upsert_person(
        self,
        name: str,
        *,
        id: str | None = None,
        headline: str | None = None,
        company: str | None = None,
        location: str | None = None,
        profile_url: str | None = None,
    ) -> Person:
        data = PersonInput(name, id, headline, company, location, profile_url)
        return await self.run(ops.upsert_person(data))

    async def upsert_people(self, people: Sequence[PersonInput]) -> list[Person]:
        return await self.run(ops.upsert_people(people))

    async def rate(
        self,
        to: str,
        strength: int,
        *,
        from_: str | None = None,
        groups: Sequence[str] | None = None,
        context: str | None = None,
        visibility: Visibility | str | None = None,
        since: date | None = None,
        last_interaction: date | None = None,
    ) -> Rating:
        data = RatingInput(
            to, strength, from_, groups, context, visibility, since, last_interaction
        )
        return await self.run(ops.rate(data))

    async def rate_many(self, ratings: Sequence[RatingInput]) -> RateResult:
        return await self.run(ops.rate_many(ratings))

    async def remove_rating(self, to: str, from_: str | None = None) -> bool:
        return await self.run(ops.remove_rating(to, from_))

    async def delete_person(self, id: str) -> bool:
        return await self.run(ops.delete_person(id))

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        return await self.run(ops.raw(query, variables, operation_name))

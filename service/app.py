"""create_app(settings): the FastAPI app. The lifespan opens the store (waiting a bounded time
for it, which migrates it) and closes it; routes are GraphQL, /healthz and /readyz.

A store that cannot open does not stop the process: /readyz answers 503 with the reason,
GraphQL requests get SERVICE_UNAVAILABLE, and the store is retried on later requests.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry import UNSET
from strawberry.fastapi import GraphQLRouter

from service.api.context import AppServices, RequestContext, context_getter, request_id_of
from service.api.errors import error_body, refusal_body
from service.api.schema import build_schema
from service.errors import InvalidInput, QueryTooComplex, StoreUnavailable
from service.settings import Settings
from service.store.factory import StoreHandle, make_store

logger = logging.getLogger("tiegraph")

REQUEST_ID_HEADER = "X-Request-ID"
# A client's request id is echoed only when it is short and plain (it goes into logs).
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


class ConfigurationError(ValueError):
    """Raised by `create_app` when the settings cannot make a safe service."""


MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash


def check_settings(settings: Settings) -> None:
    secrets = settings.jwt_secrets()
    if not settings.dev and not secrets:
        raise ConfigurationError(
            "no JWT secret configured: set TIEGRAPH_JWT_SECRET (for example to the output of "
            "`openssl rand -hex 32`), or run `tiegraph serve --dev` for local development "
            "without authentication"
        )
    if any(len(secret.encode()) < MIN_SECRET_BYTES for secret in secrets):
        logger.warning("a JWT secret is shorter than %d bytes: easy to guess", MIN_SECRET_BYTES)


class RequestIdMiddleware:
    """Gives every HTTP request an id (the client's X-Request-ID when sane, else a new one),
    echoes it in the response, and logs unexpected errors with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"")
        text = given.decode("latin-1")
        request_id = text if _SANE_REQUEST_ID.fullmatch(text) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unexpected error (request id %s)", request_id)
            if started:
                raise
            message = f"Internal error (request id {request_id})"
            body = error_body(message, {"code": "INTERNAL_SERVER_ERROR"})
            await JSONResponse(body, status_code=500)(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Answers 413 (QUERY_TOO_COMPLEX) to a request body larger than `limit` bytes, before
    the app reads any of it into a GraphQL document."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _too_large(self) -> JSONResponse:
        body = error_body(
            f"the request body is larger than {self.limit} bytes",
            {"code": QueryTooComplex.code, "limit": self.limit},
        )
        return JSONResponse(body, status_code=413)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large()(scope, receive, send)
            return
        # Read the (possibly chunked) body here, counting, then replay it to the app.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class TiegraphGraphQLRouter(GraphQLRouter[Any, None]):
    """strawberry's router, plus two things:

    - a request whose context recorded a failure (no valid token, store unavailable) gets that
      one error (HTTP 200, GraphQL style) before its document is parsed;
    - malformed HTTP requests (no query, bad JSON, a mutation over GET) get a GraphQL-shaped
      JSON error (BAD_USER_INPUT) instead of plain text.
    """

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        failure = context.failure if isinstance(context, RequestContext) else None
        browser = self.should_render_graphql_ide(self.request_adapter_class(request))
        if failure is not None and not browser:
            return JSONResponse(refusal_body(failure, request_id_of(request)))
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as e:
            body = error_body(e.reason, {"code": InvalidInput.code})
            return JSONResponse(body, status_code=e.status_code)


def create_app(settings: Settings) -> FastAPI:
    """The tiegraph service. Raises `ConfigurationError` without a JWT secret unless dev."""
    check_settings(settings)
    services = AppServices(
        settings=settings,
        store=StoreHandle(lambda: make_store(settings), settings.store_retry_interval),
        table=settings.scoring_table,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.store.open_with_retry(settings.store_startup_timeout)
        try:
            yield
        finally:
            await services.store.close()

    app = FastAPI(title="tiegraph", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.services = services
    router = TiegraphGraphQLRouter(
        build_schema(settings),
        context_getter=context_getter(services),
        graphql_ide="graphiql",
        subscription_protocols=(),  # the schema has no subscriptions
    )
    app.include_router(router, prefix="/graphql")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            await services.store.ping()
        except StoreUnavailable as e:
            return JSONResponse({"status": "unavailable", "reason": e.message}, status_code=503)
        return JSONResponse({"status": "ready"})

    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app

"""create_app(settings): the FastAPI app, wired. The lifespan opens the store (waiting a
bounded time for it, which migrates it) and closes it; routes are GraphQL, /healthz and
/readyz; the middlewares and the GraphQL router are in `service.api.http`.

A store that cannot open yet (Neo4j starting or restarting) does not stop the process:
/readyz answers 503 with the reason, GraphQL requests get SERVICE_UNAVAILABLE, and the store
is retried on later requests. A store that can never open (`StoreUnusable`: a data directory
that cannot be written or is in use by another process, credentials Neo4j refuses) fails the
start-up with the reason, so `tiegraph serve` exits non-zero at once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response

from service.api.context import AppServices, context_getter
from service.api.http import (
    REQUEST_ID_HEADER,
    BodyLimitMiddleware,
    RequestIdMiddleware,
    TiegraphGraphQLRouter,
)
from service.api.schema import build_schema
from service.api.web import mount_web
from service.errors import StoreUnavailable, StoreUnusable
from service.observability.access import AccessLogMiddleware
from service.observability.metrics import CONTENT_TYPE, Metrics
from service.observability.store_proxy import instrument
from service.settings import Settings
from service.store.base import Store
from service.store.factory import StoreHandle, make_store

logger = logging.getLogger("tiegraph")


def create_app(settings: Settings, tracer_provider: Any = None) -> FastAPI:
    """The tiegraph service; `settings` already hold a usable secret policy (see Settings).
    `tracer_provider`: an OpenTelemetry TracerProvider that GraphQL operations are traced to."""
    metrics = Metrics() if settings.metrics else None

    def new_store() -> Store:
        store = make_store(settings)
        return store if metrics is None else instrument(store, metrics)

    services = AppServices(
        settings=settings,
        store=StoreHandle(new_store, settings.store_retry_interval),
        table=settings.scoring_table,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await services.store.open_with_retry(settings.store_startup_timeout)
        except StoreUnusable as e:
            logger.error("tiegraph cannot start: %s", e.message)
            raise
        try:
            yield
        finally:
            await services.store.close()
            off_loop = getattr(router.schema, "off_loop", None)
            if off_loop is not None:
                off_loop.close()

    app = FastAPI(title="tiegraph", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.services = services
    app.state.metrics = metrics
    router = TiegraphGraphQLRouter(
        build_schema(settings, tracer_provider),
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

    # Issue 10: the web app at / and the vendored GraphiQL's files (service.api.web).
    mount_web(app)

    if metrics is not None:

        @app.get("/metrics", include_in_schema=False)
        async def metrics_endpoint() -> Response:
            return Response(metrics.render(), media_type=CONTENT_TYPE)

    # The last added is the outermost: RequestId -> AccessLog -> CORS -> GZip -> BodyLimit.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    if settings.gzip_min_bytes > 0:
        app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes, compresslevel=5)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER],
            max_age=600,
        )
    app.add_middleware(AccessLogMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)
    return app

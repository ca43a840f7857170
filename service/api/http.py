"""The HTTP edge of the service, below FastAPI's routing: pure ASGI middlewares that give
every request an id and cap its body, and the GraphQL router that answers a refused request
(no valid token, store down) or a malformed one with a GraphQL-shaped error.

Pure ASGI rather than Starlette's `BaseHTTPMiddleware`: no extra task and stream per request.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, cast

from cross_web import HTTPException
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry import UNSET
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from service.api.context import RequestContext, request_id_of
from service.api.errors import error_body, refusal_body
from service.api.graphql_http import (
    GRAPHQL_RESPONSE,
    JSON,
    as_graphql_response,
    negotiate,
    status_of,
)
from service.api.outcome import Outcome, record
from service.api.web import graphiql_page
from service.errors import InvalidInput, QueryTooComplex, TiegraphError

logger = logging.getLogger("tiegraph")

REQUEST_ID_HEADER = "X-Request-ID"
# A client's request id is echoed only when it is short and plain (it goes into logs).
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


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
            body = error_body(message, {"code": TiegraphError.code})
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
            record(scope.setdefault("state", {}), Outcome(codes=[QueryTooComplex.code]))
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
                record(scope.setdefault("state", {}), Outcome(codes=[QueryTooComplex.code]))
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
        media = negotiate(request.headers.get("accept"))
        request.state.graphql_media = media
        failure = context.failure if isinstance(context, RequestContext) else None
        browser = self.should_render_graphql_ide(self.request_adapter_class(request))
        if failure is not None and not browser:
            record(request.scope.setdefault("state", {}), Outcome(codes=[failure.code]))
            return graphql_json(refusal_body(failure, request_id_of(request)), media)
        try:
            response = await super().run(request, context=context, root_value=root_value)
        except HTTPException as e:
            record(request.scope.setdefault("state", {}), Outcome(codes=[InvalidInput.code]))
            body = error_body(e.reason, {"code": InvalidInput.code})
            if media == GRAPHQL_RESPONSE and isinstance(e.__cause__, InvalidOperationTypeError):
                # GraphQL over HTTP: a mutation over GET is 405 (application/json keeps 400).
                response = graphql_json(body, media, status=405)
                response.headers["Allow"] = "POST"
                return response
            return graphql_json(body, media, status=e.status_code)
        status = getattr(request.state, "graphql_status", None)
        if media == GRAPHQL_RESPONSE and isinstance(status, int):
            response.status_code = status
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        return response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response body; under graphql-response+json a request error has no `data`,
        and its status (read back in `run`) says what kind of error it is."""
        body = await super().process_result(request, result)
        if getattr(request.state, "graphql_media", JSON) == GRAPHQL_RESPONSE:
            request.state.graphql_status = status_of(dict(body))
            body = cast(GraphQLHTTPResponse, as_graphql_response(dict(body)))
        return body

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL from the service's own files (service/web/vendor), not from a CDN."""
        return graphiql_page(request)


def graphql_json(body: dict[str, Any], media: str, status: int | None = None) -> Response:
    """A GraphQL response body built outside strawberry, in the negotiated media type."""
    if media != GRAPHQL_RESPONSE:
        return JSONResponse(body, status_code=status or 200)
    return JSONResponse(
        as_graphql_response(body),
        status_code=status or status_of(body),
        media_type=GRAPHQL_RESPONSE,
    )

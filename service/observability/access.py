"""The access log and the request metrics: one pure ASGI middleware that sees every HTTP
request from outside (inside `RequestIdMiddleware`, so it knows the request id).

One log line a request (logger ``tiegraph.access``): method, path, status, duration, request
id and, for GraphQL, the operation name and type and the error codes (GraphQL errors come with
HTTP 200, so the status alone hides them). Probes and scrapes (/healthz, /readyz, /metrics)
are logged at DEBUG, everything else at INFO (WARNING for a 5xx).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.outcome import recorded
from service.observability.metrics import NONE, OTHER, Metrics, route_label

logger = logging.getLogger("tiegraph.access")

QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS"})


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an error escaped every handler

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        state: dict[str, Any] = scope.setdefault("state", {})
        method = scope["method"] if scope["method"] in METHODS else OTHER
        path = scope["path"]
        outcome = recorded(state)
        fields: dict[str, Any] = {
            "request_id": state.get("request_id"),
            "method": scope["method"],
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        }
        if outcome is not None:
            fields["operation"] = outcome.operation
            fields["operation_type"] = outcome.type
            fields["error_codes"] = outcome.codes
        level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
        if status >= 500:
            level = logging.WARNING
        if logger.isEnabledFor(level):
            message = f"{scope['method']} {path} {status} {fields['duration_ms']}ms"
            logger.log(level, message, extra=fields)
        if self.metrics is None:
            return
        route = route_label(path)
        self.metrics.http_duration.labels(method, route, str(status)).observe(seconds)
        if route == "/graphql" and outcome is not None:
            operation = self.metrics.operation_label(outcome.operation)
            first = outcome.codes[0] if outcome.codes else NONE
            self.metrics.graphql_requests.labels(operation, outcome.type or OTHER, first).inc()
            for code in outcome.codes:
                self.metrics.graphql_errors.labels(operation, code).inc()

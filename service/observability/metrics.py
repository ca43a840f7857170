"""The service's Prometheus metrics, in a registry of their own (one per app, so that tests
and embedding apps can build several apps in one process).

Label values that clients choose (the GraphQL operation name) are bounded: a name that is not
a plain GraphQL name, or that arrives after `MAX_OPERATION_NAMES` distinct ones were seen,
is counted as ``other``; so a client cannot grow the metrics without limit.
"""

from __future__ import annotations

import re
import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
MAX_OPERATION_NAMES = 200
ANONYMOUS = "anonymous"
OTHER = "other"
NONE = "none"  # the error-code label of a request without errors
# The routes of the app; any other path is counted as "other" (404s, scanners).
ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Seconds: a cached read takes about a millisecond, a path search up to the time budget.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """Every metric tiegraph exports; `render()` is the body of GET /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_duration = Histogram(
            "tiegraph_http_request_duration_seconds",
            "Time from the request's arrival to the end of its response, by route.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.graphql_requests = Counter(
            "tiegraph_graphql_requests",
            "GraphQL requests by operation name, operation type and the first error's "
            "extensions.code (`none` when the request had no error).",
            ["operation", "type", "code"],
            registry=self.registry,
        )
        self.graphql_errors = Counter(
            "tiegraph_graphql_errors",
            "GraphQL errors returned, by operation name and extensions.code.",
            ["operation", "code"],
            registry=self.registry,
        )
        self.store_duration = Histogram(
            "tiegraph_store_call_duration_seconds",
            "Time of a call to the store, by Store method and outcome (`ok` or the error code).",
            ["method", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.store_available = Gauge(
            "tiegraph_store_available",
            "1 when the store is open and its last call did not fail as unavailable, else 0.",
            registry=self.registry,
        )
        self._names: set[str] = set()
        self._lock = threading.Lock()

    def operation_label(self, name: str | None) -> str:
        """A bounded label value for a client's operation name."""
        if not name:
            return ANONYMOUS
        if not _NAME.fullmatch(name):
            return OTHER
        if name in self._names:
            return name
        with self._lock:
            if len(self._names) >= MAX_OPERATION_NAMES:
                return OTHER
            self._names.add(name)
        return name

    def render(self) -> bytes:
        return generate_latest(self.registry)


def route_label(path: str) -> str:
    return path if path in ROUTES else OTHER

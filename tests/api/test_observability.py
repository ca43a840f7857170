"""Metrics, the access log and traces, through the real app."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.observability.logs import configure_logging
from service.observability.metrics import MAX_OPERATION_NAMES, Metrics
from tests.support.api import Api, running, settings_for, token_for

DEAD_NEO4J = "bolt://127.0.0.1:1"


async def samples(api: Api) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of GET /metrics, by (name, labels)."""
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_graphql_requests_by_operation_and_code(seeded_api: Api) -> None:
    await seeded_api.data('query Bob { person(id: "bob") { name } }')
    await seeded_api.data('query Bob { person(id: "bob") { name } }')
    await seeded_api.error("query Broken { nope }")
    await seeded_api.error(
        'mutation Rate { rateConnection(input: {from: "bob", to: "zed", strength: 2}) '
        "{ strength } }"
    )
    found = await samples(seeded_api)
    requests = "tiegraph_graphql_requests_total"
    assert value(found, requests, operation="Bob", type="query", code="none") == 2
    assert value(found, requests, operation="Broken", type="query", code="BAD_USER_INPUT") == 1
    assert value(found, requests, operation="Rate", type="mutation", code="NOT_FOUND") == 1
    assert value(found, "tiegraph_graphql_errors_total", operation="Rate", code="NOT_FOUND") == 1
    # The seed's two anonymous mutations.
    assert value(found, requests, operation="anonymous", type="mutation", code="none") == 2


async def test_http_and_store_latency(seeded_api: Api) -> None:
    await seeded_api.data('{ warmPaths(from: "alice", target: "dave") { hops } }')
    await seeded_api.error(
        'mutation { rateConnection(input: {from: "bob", to: "zed", strength: 2}) { strength } }'
    )
    found = await samples(seeded_api)
    http = "tiegraph_http_request_duration_seconds_count"
    assert value(found, http, method="POST", route="/graphql", status="200") == 4
    store = "tiegraph_store_call_duration_seconds_count"
    assert value(found, store, method="find_paths", outcome="ok") == 1
    assert value(found, store, method="put_ratings", outcome="ok") == 1  # the seed
    assert value(found, store, method="put_ratings", outcome="NOT_FOUND") == 1
    assert value(found, store, method="open", outcome="ok") == 1
    assert value(found, "tiegraph_store_available") == 1
    assert (
        value(found, "tiegraph_store_call_duration_seconds_sum", method="find_paths", outcome="ok")
        > 0
    )


async def test_store_availability_follows_the_store(tmp_path: Path) -> None:
    from service.app import create_app

    app = create_app(settings_for(tmp_path / "data", dev=True))
    gauge = app.state.metrics.store_available
    assert gauge._value.get() == 0  # not opened yet
    async with app.router.lifespan_context(app):
        assert gauge._value.get() == 1
    assert gauge._value.get() == 0  # closed


@pytest.mark.neo4j
async def test_neo4j_store_calls_are_timed(tmp_path: Path) -> None:
    """The proxy wraps whichever store the factory builds: the Neo4j one as well."""
    from tests.conftest import neo4j_settings

    neo4j = neo4j_settings()
    settings = settings_for(
        tmp_path / "unused",
        dev=True,
        store="neo4j",
        neo4j_uri=neo4j["uri"],
        neo4j_user=neo4j["user"] or "neo4j",
        neo4j_password=neo4j["password"] or "",
        neo4j_database=neo4j["database"],
    )
    async with running(settings) as api:
        await api.data('query Nobody { people(search: "zz-no-such-name") { items { id } } }')
        found = await samples(api)
    store = "tiegraph_store_call_duration_seconds_count"
    assert value(found, store, method="open", outcome="ok") == 1
    assert value(found, store, method="search_people", outcome="ok") == 1
    assert value(found, "tiegraph_store_available") == 1


async def test_unknown_paths_are_one_label(dev_api: Api) -> None:
    for path in ("/wp-admin", "/a/b/c", "/.env"):
        assert (await dev_api.client.get(path)).status_code == 404
    found = await samples(dev_api)
    http = "tiegraph_http_request_duration_seconds_count"
    assert value(found, http, method="GET", route="other", status="404") == 3


async def test_store_down_is_a_gauge_and_a_code(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "unused", store="neo4j", neo4j_uri=DEAD_NEO4J)
    async with running(settings, token=token_for("alice")) as api:
        await api.error("query People { people { items { id } } }")
        found = await samples(api)
        assert value(found, "tiegraph_store_available") == 0
        requests = "tiegraph_graphql_requests_total"
        # Refused before the document was parsed: no operation name is known.
        assert (
            value(found, requests, operation="anonymous", type="other", code="SERVICE_UNAVAILABLE")
            == 1
        )
        failed_opens = [
            count
            for (name, labels), count in found.items()
            if name == "tiegraph_store_call_duration_seconds_count"
            and ("method", "open") in labels
            and ("outcome", "ok") not in labels
        ]
        assert sum(failed_opens) >= 1


async def test_oversized_body_is_counted(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data", dev=True, max_body_bytes=2048)) as api:
        assert (await api.post("{ people { items { id } } }" + " " * 4096)).status_code == 413
        found = await samples(api)
        requests = "tiegraph_graphql_requests_total"
        assert (
            value(found, requests, operation="anonymous", type="other", code="QUERY_TOO_COMPLEX")
            == 1
        )


async def test_metrics_can_be_turned_off(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data", dev=True, metrics=False)) as api:
        assert (await api.client.get("/metrics")).status_code == 404
        assert (await api.client.get("/healthz")).status_code == 200


def test_operation_names_are_bounded() -> None:
    metrics = Metrics()
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("drop table; --") == "other"
    assert metrics.operation_label("x" * 65) == "other"
    names = [metrics.operation_label(f"Op{i}") for i in range(MAX_OPERATION_NAMES + 50)]
    assert names[:MAX_OPERATION_NAMES] == [f"Op{i}" for i in range(MAX_OPERATION_NAMES)]
    assert set(names[MAX_OPERATION_NAMES:]) == {"other"}
    assert metrics.operation_label("Op3") == "Op3"  # a known one still counts as itself


# --- logs ----------------------------------------------------------------------------------
@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Logging configured as `serve` does, into a buffer; the test's own logging restored."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def access_lines(stream: io.StringIO) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line["logger"] == "tiegraph.access"]


async def test_one_json_line_per_request(seeded_api: Api, log_stream: io.StringIO) -> None:
    ok = await seeded_api.client.post(
        "/graphql",
        json={"query": 'query Bob { person(id: "bob") { id } }'},
        headers={"X-Request-ID": "req-ok"},
    )
    bad = await seeded_api.client.post("/graphql", json={"query": "query Broken { nope }"})
    await seeded_api.client.get("/healthz")  # a probe: DEBUG, not in an INFO log
    lines = access_lines(log_stream)
    assert len(lines) == 2, lines
    first, second = lines
    assert first["request_id"] == "req-ok" == ok.headers["X-Request-ID"]
    assert (first["operation"], first["operation_type"], first["error_codes"]) == (
        "Bob",
        "query",
        [],
    )
    assert (first["method"], first["path"], first["status"], first["level"]) == (
        "POST",
        "/graphql",
        200,
        "INFO",
    )
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] > 0
    assert second["request_id"] == bad.headers["X-Request-ID"]
    assert second["operation"] == "Broken"
    assert second["error_codes"] == ["BAD_USER_INPUT"]
    assert second["status"] == 200  # the HTTP status hides it; error_codes does not


async def test_refusals_are_logged_with_their_code(auth_api: Api, log_stream: io.StringIO) -> None:
    await auth_api.post("{ people { items { id } } }")
    (line,) = access_lines(log_stream)
    assert line["error_codes"] == ["UNAUTHENTICATED"]


def test_text_format(log_stream: io.StringIO) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "text", stream)
    logging.getLogger("tiegraph.access").info("GET /x 200", extra={"request_id": "r1"})
    logging.getLogger("tiegraph.access").debug("not at INFO")
    (line,) = stream.getvalue().splitlines()
    assert line.endswith("INFO tiegraph.access: GET /x 200 request_id=r1")


# --- traces --------------------------------------------------------------------------------
async def test_operations_are_traced_to_the_given_provider(tmp_path: Path) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from service.app import create_app

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings_for(tmp_path / "data", dev=True), tracer_provider=provider)
    import httpx

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                "/graphql", json={"query": "query People { people { items { id } } }"}
            )
            assert response.json() == {"data": {"people": {"items": []}}}
    names = {span.name for span in exporter.get_finished_spans()}
    assert {"GraphQL Query: People", "GraphQL Parsing", "GraphQL Validation"} <= names


async def test_no_tracing_unless_configured(tmp_path: Path) -> None:
    from strawberry.extensions.tracing import OpenTelemetryExtension

    from service.api.schema import build_schema
    from service.observability.tracing import tracing_extensions

    off = settings_for(tmp_path / "data", dev=True)
    assert tracing_extensions(off) == []
    on = settings_for(tmp_path / "data", dev=True, tracing="otel")
    (factory,) = tracing_extensions(on)
    assert isinstance(factory(), OpenTelemetryExtension)
    schema = build_schema(on)
    built = [make() for make in schema.extensions]
    assert any(isinstance(e, OpenTelemetryExtension) for e in built)

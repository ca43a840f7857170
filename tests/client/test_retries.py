"""Retries with backoff, against real services: one whose store is down, one that is not
listening yet."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.api import SECRET, settings_for
from tests.support.live import free_port, serving
from tiegraph import ServiceUnavailable, TiegraphClient, TransportError, make_token
from tiegraph.client import should_retry
from tiegraph.operations import Safety

DEAD_NEO4J = "bolt://127.0.0.1:1"
ADMIN = make_token(SECRET, "root", "admin")


def unavailable_answers(url: str) -> float:
    """How many SERVICE_UNAVAILABLE answers the service counted (its /metrics)."""
    text = httpx.get(f"{url}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tiegraph_graphql_requests_total"
        and sample.labels["code"] == "SERVICE_UNAVAILABLE"
    )


@pytest.mark.parametrize("write", [False, True])
def test_service_unavailable_is_retried_then_raised(
    tmp_path: Path, write: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Reads and writes alike: SERVICE_UNAVAILABLE means nothing was written. Every attempt
    carries the call's one request id, which the service logs and the error holds."""
    caplog.set_level(logging.INFO, logger="tiegraph.access")
    settings = settings_for(
        tmp_path / "unused", store="neo4j", neo4j_uri=DEAD_NEO4J, store_retry_interval=0
    )
    with serving(settings) as url:
        with TiegraphClient(url, token=ADMIN, retries=2, backoff=0.01) as client:
            started = time.monotonic()
            with pytest.raises(ServiceUnavailable) as raised:
                if write:
                    client.rate("b", 2, from_="a")  # not idempotent, still retried
                else:
                    client.people()
            assert time.monotonic() - started < 5
        assert raised.value.extensions["code"] == "SERVICE_UNAVAILABLE"
        assert unavailable_answers(url) == 3  # the first attempt and two retries
    attempts = [
        getattr(record, "request_id", None)
        for record in caplog.records
        if record.name == "tiegraph.access" and getattr(record, "path", None) == "/graphql"
    ]
    assert attempts == [raised.value.request_id] * 3


def test_connection_refused_is_retried_until_the_service_is_up(tmp_path: Path) -> None:
    port = free_port()
    stop = threading.Event()

    def start_later() -> None:
        time.sleep(0.6)
        with serving(settings_for(tmp_path / "data"), port=port):
            stop.wait(30)

    thread = threading.Thread(target=start_later, daemon=True)
    thread.start()
    try:
        with TiegraphClient(
            f"http://127.0.0.1:{port}", token=ADMIN, retries=8, backoff=0.1
        ) as client:
            # Not idempotent, but a refused connection never sent it: retried all the same.
            person = client.upsert_person("Late")
            assert person.name == "Late"
    finally:
        stop.set()
        thread.join(30)


def test_no_service_at_all_is_a_transport_error() -> None:
    port = free_port()
    with TiegraphClient(f"http://127.0.0.1:{port}", retries=2, backoff=0.01) as client:
        with pytest.raises(TransportError) as raised:
            client.people()
    assert isinstance(raised.value.cause, httpx.ConnectError)
    assert raised.value.request_id


@pytest.mark.parametrize(
    ("error", "safe", "unsafe"),
    [
        (ServiceUnavailable("store down"), True, True),
        (httpx.ConnectError("refused"), True, True),
        (httpx.ConnectTimeout("slow connect"), True, True),
        (httpx.ReadTimeout("no answer"), True, False),  # maybe applied
        (httpx.RemoteProtocolError("reset mid-answer"), True, False),
        (TransportError("HTTP 502 from a proxy", status=502), True, False),
        (ValueError("not a transport error"), False, False),
    ],
)
def test_what_is_retried(error: BaseException, safe: bool, unsafe: bool) -> None:
    assert should_retry(error, Safety.SAFE) is safe
    assert should_retry(error, Safety.UNSAFE) is unsafe


def test_which_operations_are_idempotent() -> None:
    from tiegraph import operations as ops
    from tiegraph.types import PersonInput, RatingInput

    assert ops.people(None, None, None).safety is Safety.SAFE
    assert ops.warm_paths("x", None, None, None, None, ()).safety is Safety.SAFE
    assert ops.upsert_person(PersonInput("A", id="a")).safety is Safety.SAFE
    assert ops.upsert_person(PersonInput("A")).safety is Safety.UNSAFE
    assert ops.upsert_people([PersonInput("A", id="a"), PersonInput("B")]).safety is Safety.UNSAFE
    assert ops.remove_rating("b", "a").safety is Safety.SAFE
    assert ops.delete_person("a").safety is Safety.SAFE
    assert ops.rate(RatingInput("b", 1)).safety is Safety.UNSAFE
    assert ops.rate_many([RatingInput("b", 1)]).safety is Safety.UNSAFE
    assert ops.raw("{ x }", None, None).safety is Safety.UNSAFE

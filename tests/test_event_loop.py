"""The event loop stays free while heavy requests run (issue 11): `/healthz` keeps answering
fast through a 30,000-item document and hub path searches, on the real service (uvicorn on a
loopback port) with a real HTTP client. A behaviour test with a generous bound, not a
benchmark: before the fix one such document held `/healthz` for 8 s.

The bound is 50 ms on top of twice the p99 the same client measures against the same service
while it is idle: on a quiet machine that is about 55 ms, but on a shared 2-core machine with
a load average of 6, even an idle trivial FastAPI `/healthz` had a p99 of 50 ms, so a fixed
50 ms would measure the neighbours rather than the service."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.serve import service

HEALTHZ_P99_BOUND = 0.050
BASELINE_SECONDS = 5.0
HUB_DEGREE = 2_000
PEOPLE = "mutation($input: [PersonInput!]!) { upsertPeople(input: $input) { id } }"
RATINGS = "mutation($input: [RatingInput!]!) { rateConnections(input: $input) { count } }"
HUB_PATHS = (
    "query($from: ID!, $to: ID!) { warmPaths(from: $from, target: $to, maxHops: 4, first: 5) "
    "{ people { id } } }"
)


def _post(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _probe(base: str, until: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        while not until.is_set():
            started = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.02)


def _seed_hub(client: httpx.Client) -> None:
    """A hub rated by and rating HUB_DEGREE people, who also rate their neighbours."""
    ids = ["hub", *(f"n{i}" for i in range(HUB_DEGREE))]
    people = [{"id": person_id, "name": f"Person {person_id}"} for person_id in ids]
    assert "errors" not in _post(client, PEOPLE, {"input": people})
    ratings = []
    for i in range(HUB_DEGREE):
        ratings.append({"from": "hub", "to": f"n{i}", "strength": 1 + i % 3})
        ratings.append({"from": f"n{i}", "to": "hub", "strength": 1 + i % 4})
        ratings.append({"from": f"n{i}", "to": f"n{(i + 1) % HUB_DEGREE}", "strength": 2})
    for start in range(0, len(ratings), 5_000):
        body = _post(client, RATINGS, {"input": ratings[start : start + 5_000]})
        assert "errors" not in body, body


@pytest.mark.slow
def test_healthz_stays_fast_while_a_huge_document_and_hub_queries_run(tmp_path: Path) -> None:
    items = ",".join(f'{{id: "big{i}", name: "Big {i}"}}' for i in range(30_000))
    huge = f"mutation {{ upsertPeople(input: [{items}]) {{ id }} }}"
    with service(tmp_path / "data", tmp_path / "service.log") as (_, base):
        with httpx.Client(base_url=base, timeout=120) as client:
            _seed_hub(client)
        idle: list[float] = []
        stop_idle = threading.Event()
        threading.Timer(BASELINE_SECONDS, stop_idle.set).start()
        _probe(base, stop_idle, idle)
        done = threading.Event()
        outcome: dict[str, Any] = {"hub": 0}
        latencies: list[float] = []

        def send_huge() -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                outcome["huge"] = _post(client, huge)
            done.set()

        def hub_queries() -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                i = 0
                while not done.is_set():
                    variables = {"from": f"n{i % HUB_DEGREE}", "to": f"n{(i + 700) % HUB_DEGREE}"}
                    body = _post(client, HUB_PATHS, variables)
                    assert body["data"]["warmPaths"], body
                    outcome["hub"] += 1
                    i += 37

        def probe() -> None:
            _probe(base, done, latencies)

        started = time.monotonic()
        threads = [threading.Thread(target=f) for f in (probe, hub_queries, send_huge)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert done.is_set(), "the huge document did not finish"
        busy_seconds = time.monotonic() - started

    # The document itself got its answer: over the batch limit, nothing written.
    error = outcome["huge"]["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "at most 5000" in error["message"]
    assert outcome["hub"] >= 3, outcome
    # The probes really ran alongside: many of them, over seconds of heavy work.
    assert busy_seconds > 2, busy_seconds
    assert len(latencies) >= 50, f"only {len(latencies)} probes"
    baseline, p99 = _p99(idle), _p99(latencies)
    bound = HEALTHZ_P99_BOUND + 2 * baseline
    summary = (
        f"/healthz over {len(latencies)} probes in {busy_seconds:.1f} s of heavy work: "
        f"p50 {sorted(latencies)[len(latencies) // 2] * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, "
        f"max {max(latencies) * 1e3:.1f} ms; idle p99 {baseline * 1e3:.1f} ms, "
        f"bound {bound * 1e3:.1f} ms"
    )
    print(summary)
    assert p99 <= bound, summary
    # Nothing near the seconds one document used to hold the loop for (8 s on a quiet machine).
    assert max(latencies) < 3.0, summary

"""Smoke test of the scale benchmark's pieces on a tiny network (no timing assertions).

The generator is deterministic and writes the format `tiegraph load` reads; the strata the
runner measures exist; and on each store the service's answers for sampled pairs of every
stratum equal the brute force of tests/conformance/reference.py.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate, meta_path
from bench.network import (
    STRATA,
    Network,
    Pair,
    brute_force,
    pick_pairs,
    read_network,
    same_answer,
)
from bench.scale import load_file
from service import introductions
from service.domain import Role, Viewer
from service.scoring import ScoringTable
from service.store.base import Store

PEOPLE = 300
KINDS = ("introducers", "warmPaths 3", "warmPaths 4")
LABELS = {
    "Friends",
    "Former colleagues",
    "Recruiters",
    "Vendors",
    "Met once at a conference",
    "Never met",
}
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def tiny(out: Path, seed: int = 3) -> dict[str, Any]:
    return generate(out, seed=seed, people=PEOPLE, ratings_per_person=8, hubs=2, closed_groups=1)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "tiny.jsonl"
    return out, tiny(out)


@pytest.fixture(scope="module")
def net(network: tuple[Path, dict[str, Any]]) -> Network:
    return read_network(network[0], keep_ratings=True)


@pytest.fixture(scope="module")
def pairs(net: Network, network: tuple[Path, dict[str, Any]]) -> dict[str, list[Pair]]:
    return pick_pairs(net, network[1], 2, seed=5)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    tiny(a)
    tiny(b)
    tiny(c, seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert meta_path(a).read_bytes() == meta_path(b).read_bytes()
    assert a.read_bytes() != c.read_bytes()


def valid_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 200
        and not CONTROL.search(value)
        and value == value.strip()
    )


def test_the_file_is_what_tiegraph_load_reads(network: tuple[Path, dict[str, Any]]) -> None:
    path, meta = network
    people: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    ratings_started = False
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["kind"] == "person":
            assert not ratings_started, "every person comes before any rating"
            assert valid_id(record["id"]) and record["id"] not in people
            assert isinstance(record["name"], str) and record["name"]
            assert set(record) <= {"kind", "id", "name", "headline", "company", "location"}
            people.add(record["id"])
            continue
        ratings_started = True
        assert record["kind"] == "rating"
        source, target = record["from"], record["to"]
        assert source in people and target in people
        assert source != target
        assert (source, target) not in pairs
        pairs.add((source, target))
        assert record["strength"] in (1, 2, 3, 4, 5)
        assert set(record) <= {
            "kind",
            *("from", "to", "strength", "groups", "visibility"),
            *("context", "since", "lastInteraction"),
        }
        assert record.get("visibility", "CONNECTIONS") in ("PUBLIC", "CONNECTIONS", "PRIVATE")
        assert set(record.get("groups", [])) <= LABELS
        for key in ("since", "lastInteraction"):
            if key in record:
                date.fromisoformat(record[key])
    assert len(people) == meta["people"] == PEOPLE
    assert len(pairs) == meta["ratings"]
    # Reciprocated ties are the rule, one-sided ones the exception.
    both = sum((b, a) in pairs for a, b in pairs)
    assert 0.6 * len(pairs) < both < len(pairs)


def test_hubs_and_closed_groups(network: tuple[Path, dict[str, Any]], net: Network) -> None:
    _, meta = network
    assert len(meta["hubs"]) == 2
    typical = sorted(net.degree(p) for p in net.ids)[len(net.ids) // 2]
    assert all(net.degree(h) > 3 * typical for h in meta["hubs"])
    [group] = meta["closed_groups"]
    assert len(group) == 6
    members = set(group)
    for person in group:
        assert {net.ids[i] for i in net.neighbours[net.index[person]]} == members - {person}


def test_every_stratum_has_pairs(pairs: dict[str, list[Pair]]) -> None:
    for stratum in STRATA:
        assert pairs[stratum], stratum
    for stratum, hops in (("distance 2", 2), ("distance 3", 3), ("distance 4", 4)):
        assert all(p.distance == hops for p in pairs[stratum])


async def load(store: Store, path: Path) -> None:
    """With the bulk loader where there is one (fast on Neo4j), else through the use-cases."""
    try:
        from service.bulkload import load_file as bulk_load
    except ImportError:
        await load_file(store, path)
        return
    # restart: the wiped test database may still hold this file's checkpoint.
    await bulk_load(store, path, restart=True)


async def answer(
    store: Store, kind: str, pair: Pair, as_source: bool = False
) -> tuple[tuple[tuple[str, ...], float], ...]:
    """The store's answer, asked by an admin or by the pair's source as a user."""
    viewer = Viewer(pair.source, Role.USER) if as_source else Viewer("admin", Role.ADMIN)
    table = ScoringTable.default()
    if kind == "introducers":
        found = await introductions.introducers(
            store, viewer, table, from_id=pair.source, target=pair.target, first=10
        )
        return tuple(((pair.source, i.person_id, pair.target), i.score) for i in found)
    paths = await introductions.warm_paths(
        store, viewer, table, from_id=pair.source, target=pair.target, max_hops=int(kind[-1]),
        first=10,
    )  # fmt: skip
    return tuple((p.people, p.score) for p in paths)


@pytest.mark.parametrize("as_source", [False, True], ids=["admin", "source as a user"])
async def test_answers_equal_the_brute_force(
    store: Store,
    network: tuple[Path, dict[str, Any]],
    net: Network,
    pairs: dict[str, list[Pair]],
    as_source: bool,
) -> None:
    """As an admin every rating counts; as the source, a user, only those it may see (a
    fifth of the generated ratings are PUBLIC or PRIVATE, the rest CONNECTIONS)."""
    await load(store, network[0])
    wrong: list[str] = []
    checked = {stratum: 0 for stratum in STRATA}
    hidden = 0  # answers that visibility changes
    for stratum in STRATA:
        for pair in pairs[stratum]:
            for kind in KINDS:
                viewer = pair.source if as_source else None
                expected = brute_force(net, pair, kind, viewer=viewer)
                if expected is None:
                    continue  # too many sequences for the brute force
                if as_source:
                    hidden += not same_answer(expected, brute_force(net, pair, kind) or ())
                checked[stratum] += 1
                got = await answer(store, kind, pair, as_source)
                if not same_answer(got, expected):
                    wrong.append(f"{kind} {pair}: {got} != {expected}")
    assert not wrong, "\n".join(wrong[:5])
    assert all(checked.values()), checked
    if as_source:
        assert hidden > 0, "no answer depends on what the viewer may see"


@pytest.mark.neo4j
async def test_profile_names_and_measures_every_statement_of_a_search(
    neo4j_store: Store, network: tuple[Path, dict[str, Any]], pairs: dict[str, list[Pair]]
) -> None:
    from bench.profile_queries import profile, record_statements, render
    from service.store.neo4j import Neo4jStore

    assert isinstance(neo4j_store, Neo4jStore)
    await load(neo4j_store, network[0])
    chosen = [(s, p.source, p.target) for s in ("distance 3", "from hub") for p in pairs[s]]
    recorded = await record_statements(neo4j_store, chosen)
    totals = await profile(neo4j_store, recorded)
    assert sum(t.runs for t in totals.values()) == len(recorded)
    names = {name for _, name in totals}
    assert "(other)" not in names, names
    assert any(name.startswith("LAYERS[") for name in names), names
    assert all(t.db_hits > 0 for t in totals.values())
    assert "| from hub | LAYERS[" in render(totals, len(pairs["from hub"]))


@pytest.mark.neo4j
async def test_searches_that_follow_their_forecast_stay_exact(
    neo4j_store: Store,
    network: tuple[Path, dict[str, Any]],
    net: Network,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Neo4j search may skip thresholds on its last layer's forecast of the missing paths
    (`neo4j_paths.next_threshold`). Asked as each source, so that answers are scarce and
    searches go down many thresholds, some searches here skip that way, and every answer
    still equals the brute force. Everyone is read through the layer and join statements,
    as at scale: this network's people are all small enough to be read whole, and whole
    reads forecast little."""
    from service.store import neo4j_paths

    monkeypatch.setattr(neo4j_paths, "WHOLE_READ_DEGREE", 0)
    monkeypatch.setattr(neo4j_paths, "WHOLE_JOIN_RATINGS", 0)
    await load(neo4j_store, network[0])
    skipped = 0
    original = neo4j_paths.next_threshold

    def recording(lower: Any, found: int, first: int, missed: Any, skips: int) -> float:
        nonlocal skipped
        chosen = original(lower, found, first, missed, skips)
        skipped += chosen < original(lower, found, first, [], skips)  # below the grid's rule
        return chosen

    monkeypatch.setattr(neo4j_paths, "next_threshold", recording)
    asked = pick_pairs(net, network[1], 20, seed=7)
    for pair in (p for stratum in STRATA for p in asked[stratum]):
        for kind in ("warmPaths 3", "warmPaths 4"):
            expected = brute_force(net, pair, kind, viewer=pair.source)
            if expected is not None:
                got = await answer(neo4j_store, kind, pair, as_source=True)
                assert same_answer(got, expected), f"{kind} {pair}: {got} != {expected}"
    assert skipped >= 3, skipped


def test_no_reference_measures_neo4j_only() -> None:
    from bench import scale

    args = scale.parse_args(["--tier", "S", "--stores", "neo4j", "--no-reference"])
    assert args.no_reference and args.stores == ["neo4j"]
    with pytest.raises(SystemExit):
        scale.parse_args(["--tier", "S", "--stores", "embedded,neo4j", "--no-reference"])


def test_scale_asks_each_question_as_its_source_over_http(
    tmp_path: Path,
    network: tuple[Path, dict[str, Any]],
    net: Network,
    pairs: dict[str, list[Pair]],
) -> None:
    """`bench.scale --viewer source` sends each question with its source's own user token to
    `tiegraph serve`: the answers are what that user may see (the brute force as that user),
    and some differ from what an admin sees."""
    from bench import scale
    from service.store.embedded import EmbeddedStore

    data_dir = tmp_path / "embedded"

    async def fill() -> None:
        store = EmbeddedStore(data_dir)
        await store.open()
        try:
            await load(store, network[0])
        finally:
            await store.close()

    asyncio.run(fill())
    asked = [p for stratum in ("distance 2", "distance 3") for p in pairs[stratum]]
    # The in-process reference asks as each source too.
    reference = scale.in_process_reference(data_dir, asked, as_source=True)
    service = scale.Service("embedded", {}, data_dir, tmp_path / "serve.log", as_source=True)
    hidden = 0
    try:
        service.wait_ready(60)
        with service.client() as client:
            for pair in asked:
                for kind in KINDS:
                    expected = brute_force(net, pair, kind, viewer=pair.source)
                    _, got, error = scale.ask(client, kind, pair, service.auth(pair))
                    assert error is None and got is not None and same_answer(got, expected), (
                        f"{kind} {pair}: {got or error} != {expected}"
                    )
                    key = (kind, pair.stratum, pair.source, pair.target)
                    assert same_answer(reference.answers[key], expected), (kind, pair)
                    hidden += not same_answer(expected, brute_force(net, pair, kind) or ())
            # The token is the source's own: another user may not ask from there.
            pair = pairs["distance 2"][0]
            stranger = scale.user_headers(service.secret, "someone else")
            _, got, error = scale.ask(client, "warmPaths 3", pair, stranger)
            assert got is None and error is not None and error.startswith("FORBIDDEN"), error
    finally:
        service.stop()
    assert hidden > 0, "no answer depends on what the viewer may see"

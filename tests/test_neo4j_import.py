"""`tiegraph neo4j-import` (service.neo4j_import): a file through Neo4j's offline importer reads
back exactly as the same file loaded by `tiegraph load` over Bolt.

The import runs into a data directory of the test's own; that Neo4j is then started with
scripts/neo4j-local on a free port and opened with the real Neo4jStore (which applies the
migrations). The reference is the same file loaded with `bulkload.load_file` into the session's
Neo4j (TIEGRAPH_NEO4J_URI), with the same batches and the same clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service import bulkload, introductions, neo4j_admin, neo4j_import
from service.domain import Person, Rating, Role, Viewer
from service.scoring import ScoringTable
from service.store.base import Store
from service.store.neo4j import Neo4jStore
from tests.support.serve import ROOT, own_neo4j

pytestmark = pytest.mark.neo4j

ADMIN = Viewer("admin-1", Role.ADMIN)
BATCH = 400
# The importer's stages (Neo4j 5.26), as it reports them.
STAGES = {1: "Node import", 2: "Relationship import", 3: "Relationship linking",
          4: "Post processing"}  # fmt: skip
FIRST_TIME = datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=UTC)

# Records a generated network does not have: optional fields and text the CSV must carry
# (quotes, commas, newlines, the ';' the importer splits lists on by default), repeats within
# and across batches, an exported rating with history, a request and a policy.
EXTRA: list[dict[str, Any]] = [
    {"kind": "person", "id": "x-ann", "name": 'Ann "the, first" O\'Neil',
     "headline": "CTO;\nline two", "company": "Acme, Inc.", "location": None,
     "profileUrl": "https://example.com/ann"},
    {"kind": "person", "id": "x-bob", "name": "Bøb Ünïcode 𝔅", "company": "Globex"},
    {"kind": "person", "id": "x-cy", "name": "Cy"},
    {"kind": "rating", "from": "x-ann", "to": "x-bob", "strength": 3,
     "groups": ["Friends; old", 'Quote "q"', "a,b"], "context": "met at\nPyCon",
     "visibility": "PUBLIC", "since": "2019-04-01", "lastInteraction": "2026-01-02"},
    # the same pair again in the same batch: the last one wins, no history
    {"kind": "rating", "from": "x-ann", "to": "x-bob", "strength": 2, "groups": ["Friends"],
     "visibility": "PRIVATE"},
    {"kind": "rating", "from": "x-bob", "to": "x-cy", "strength": 5},
    {"kind": "rating", "from": "x-cy", "to": "x-ann", "strength": 1, "since": "2001-02-03",
     "createdAt": "2020-01-01T00:00:00+00:00", "updatedAt": "2021-06-01T12:30:00.5+02:00",
     "reviewed": False, "history": [{"strength": 4, "groups": ["Work"],
                                     "visibility": "PUBLIC",
                                     "changedAt": "2020-01-01T00:00:00+00:00"}]},
    {"kind": "request", "id": "req-1", "from": "x-bob", "to": "x-ann", "message": "",
     "sentAt": "2026-02-03T04:05:06+00:00", "status": "PENDING", "respondedAt": None},
    {"kind": "policy", "owner": "x-ann",
     "policy": {"recruiterKeywords": ["recruiter"], "sharedConnectionsAtLeast": 2,
                "homeAreas": ["Berlin"], "interests": [], "genericMessages": [],
                "signature": "Ann"}},
]  # fmt: skip
# After a batch boundary: a person patched, a pair rated again (history, createdAt kept).
LATER: list[dict[str, Any]] = [
    {"kind": "person", "id": "x-cy", "name": "Cy Renamed", "headline": "Now with a headline"},
    {"kind": "rating", "from": "x-ann", "to": "x-bob", "strength": 4, "groups": ["Work"]},
    {"kind": "rating", "from": "x-bob", "to": "x-cy", "strength": 5, "context": "again"},
]


def _lines(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated network (a few hundred people) with the records above, the later ones
    more than a batch after the first."""
    directory = tmp_path_factory.mktemp("network")
    generated = directory / "generated.jsonl"
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--people", "300", "--ratings-per-person",
         "8", "--seed", "7", "--out", str(generated)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    lines = generated.read_text(encoding="utf-8").splitlines(keepends=True)
    people = [line for line in lines if '"kind": "person"' in line]
    ratings = [line for line in lines if '"kind": "rating"' in line]
    path = directory / "network.jsonl"
    path.write_text(
        "".join(people) + _lines(EXTRA) + "".join(ratings) + _lines(LATER), encoding="utf-8"
    )
    assert len(ratings) > 2 * BATCH
    return path


def batch_clock(path: Path) -> Callable[[], datetime]:
    """One time per batch, the same in every pass over the file: the i-th call answers the
    time of batch i modulo the number of batches."""
    lines = sum(1 for line in path.open("rb") if line.strip())
    batches = -(-lines // BATCH)
    calls = iter(range(10**9))
    return lambda: FIRST_TIME + timedelta(minutes=next(calls) % batches)


async def snapshot(store: Store) -> tuple[list[Person], list[Rating], Any, Any]:
    items: list[Person | Rating] = []
    await store.export_snapshot(items.append)
    people = sorted((i for i in items if isinstance(i, Person)), key=lambda p: p.id)
    ratings = sorted(
        (i for i in items if isinstance(i, Rating)), key=lambda r: (r.from_id, r.to_id)
    )
    requests = sorted(await store.export_requests(), key=lambda r: r.id)
    policies = sorted(await store.export_policies(), key=lambda p: p[0])
    return people, ratings, requests, policies


async def answers(store: Store, pairs: list[tuple[str, str]]) -> list[Any]:
    table = ScoringTable.default()
    found: list[Any] = []
    for source, target in pairs:
        for hops in (3, 4):
            found.append(
                await introductions.warm_paths(
                    store, ADMIN, table, from_id=source, target=target, max_hops=hops
                )
            )
        found.append(
            await introductions.introducers(store, ADMIN, table, from_id=source, target=target)
        )
    return found


TYPES = """
MATCH (n) WHERE n:Person OR n:`__Load`
UNWIND keys(n) AS key
RETURN labels(n)[0] AS kind, key, collect(DISTINCT valueType(n[key])) AS types
UNION
MATCH ()-[r]->()
UNWIND keys(r) AS key
RETURN type(r) AS kind, key, collect(DISTINCT valueType(r[key])) AS types"""


async def property_types(store: Store) -> dict[tuple[str, str], set[str]]:
    assert isinstance(store, Neo4jStore)
    records, _, _ = await store.with_driver(
        lambda driver: driver.execute_query(TYPES, database_=store.database)
    )
    return {(r["kind"], r["key"]): set(r["types"]) for r in records}


@pytest.fixture
def imported(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "imported"
    neo4j_admin_stop(tmp_path / "imported")


def neo4j_admin_stop(data_dir: Path) -> None:
    subprocess.run(
        [str(neo4j_admin.neo4j_local()), "stop", "--data-dir", str(data_dir)],
        capture_output=True,
        check=False,
    )


def _processors() -> int:
    """The processors as `scripts/neo4j-local` counts them."""
    done = subprocess.run(
        ["getconf", "_NPROCESSORS_ONLN"], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


async def test_an_imported_file_reads_back_as_the_same_file_loaded_over_bolt(
    network: Path,
    imported: Path,
    neo4j_store: Store,
    neo4j_factory: Callable[[dict[str, str | None]], Store],
) -> None:
    told: list[neo4j_admin.ImporterProgress] = []
    report = neo4j_import.import_file(
        network,
        imported,
        batch_size=BATCH,
        clock=batch_clock(network),
        importer_progress=told.append,
    )
    assert report.passes == 2  # the file repeats people and pairs
    # The script's default: twice the processors.
    threads = f"Max worker threads: {2 * _processors()}\n"
    assert threads in neo4j_admin.log_path(imported).read_text()
    # The importer's stages in order, each told as it moved on, the last one to its end (a
    # stage may pass between two looks at the output: which ones are seen is timing).
    assert told[0] == neo4j_admin.STARTING
    assert told[1:] and all(p.name == STAGES[p.number] and p.stages == 4 for p in told[1:])
    assert told == sorted(told, key=lambda p: (p.number, p.percent)) and len(set(told)) == len(told)
    assert (told[-1].number, told[-1].percent) == (4, 100)
    loaded = await bulkload.load_file(
        neo4j_store, network, batch_size=BATCH, clock=batch_clock(network)
    )
    expected = await snapshot(neo4j_store)
    assert (report.people, report.ratings) == (len(expected[0]), len(expected[1]))
    assert not (imported / "import-csv").exists()
    with pytest.raises(neo4j_admin.ImportRefused, match="already has a neo4j database"):
        neo4j_import.import_file(network, imported, batch_size=BATCH)

    with own_neo4j(imported) as env:
        with pytest.raises(neo4j_admin.ImportRefused, match="is running"):
            neo4j_admin.check_can_import(imported, overwrite=True)
        store = neo4j_factory(
            {
                "uri": env["TIEGRAPH_NEO4J_URI"],
                "user": env["TIEGRAPH_NEO4J_USER"],
                "password": env["TIEGRAPH_NEO4J_PASSWORD"],
                "database": env["TIEGRAPH_NEO4J_DATABASE"],
            }
        )
        await store.open()  # applies every migration to the imported data
        try:
            got = await snapshot(store)
            assert got[0] == expected[0]
            assert got[1] == expected[1]
            assert got[2:] == expected[2:]
            ann_bob = next(r for r in got[1] if (r.from_id, r.to_id) == ("x-ann", "x-bob"))
            assert len(ann_bob.history) == 1 and ann_bob.created_at < ann_bob.updated_at
            key = bulkload.file_key(network, BATCH)
            assert await store.load_checkpoint(key) == loaded.batches - 1
            assert await neo4j_store.load_checkpoint(key) == loaded.batches - 1

            ids = [p.id for p in got[0] if p.id.startswith("p")]
            pairs = [(ids[0], ids[-1]), (ids[5], ids[150]), (ids[42], ids[7]), ("x-ann", "x-cy")]
            assert await answers(store, pairs) == await answers(neo4j_store, pairs)

            # Same property types, but for one thing: the importer stores no empty list,
            # where Cypher stores [] (every statement reads both through coalesce).
            bolt, offline = await property_types(neo4j_store), await property_types(store)
            empty = "LIST<NOTHING> NOT NULL"
            for (kind, key), types in bolt.items():
                if kind.startswith("RATED_") and key in ("groups", "history"):
                    types = types - {empty}
                if types:
                    assert offline.get((kind, key)) == types, (kind, key)
            assert {k: t for k, t in offline.items() if k not in bolt} == {}
        finally:
            await store.close()


def test_the_command_shows_the_csv_then_the_importers_stages_on_a_terminal(
    network: Path, imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.progress import Progress, TaskID
    from typer.testing import CliRunner

    from service import cli

    shown: list[tuple[str | None, float | None]] = []

    class Recording(Progress):
        def update(self, task_id: TaskID, **fields: Any) -> None:
            shown.append((fields.get("description"), fields.get("completed")))
            super().update(task_id, **fields)

    monkeypatch.setattr("rich.progress.Progress", Recording)
    monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    result = CliRunner().invoke(
        cli.app, ["neo4j-import", str(network), "--neo4j-dir", str(imported)]
    )
    assert result.exit_code == 0, result.output
    stages = [d for d, _ in shown if d is not None]
    first_stage = next(i for i, (d, _) in enumerate(shown) if d is not None)
    # The file's bytes first, up to its size; then the importer's stages.
    read = [completed for _, completed in shown[:first_stage] if completed is not None]
    assert read and read[-1] == network.stat().st_size
    assert stages[0] == "Neo4j's importer starting"
    assert set(stages[1:]) <= {f"Neo4j's importer ({n}/4) {name}" for n, name in STAGES.items()}
    assert stages[1:] == sorted(stages[1:])
    assert stages[-1] == "Neo4j's importer (4/4) Post processing"
    assert shown[-1][1] == 100


def test_a_bad_thread_count_stops_the_importer_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEGRAPH_NEO4J_IMPORT_THREADS", "many")
    with pytest.raises(neo4j_admin.ImporterError, match="must be a number of threads, not many"):
        neo4j_admin.run_importer(tmp_path, ["--nodes=people.csv"], overwrite=False)
    assert not neo4j_admin.database_dir(tmp_path).exists()


def _bad_file(tmp_path: Path, network: Path, record: dict[str, Any]) -> Path:
    lines = network.read_text(encoding="utf-8").splitlines(keepends=True)
    at = BATCH + 17  # in the second batch: the first is fine
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(lines[:at]) + _lines([record]) + "".join(lines[at:]))
    return path


@pytest.mark.parametrize(
    "record",
    [
        pytest.param({"kind": "rating", "from": "p000001", "to": "p000002", "strength": 7},
                     id="bad-strength"),
        pytest.param({"kind": "rating", "from": "p000001", "to": "nobody", "strength": 2},
                     id="unknown-person"),
        pytest.param({"kind": "person", "id": "p9", "name": "N", "age": 3}, id="unknown-field"),
    ],
)  # fmt: skip
async def test_a_bad_record_stops_the_import_as_it_stops_tiegraph_load(
    tmp_path: Path, network: Path, embedded_store: Store, record: dict[str, Any]
) -> None:
    path = _bad_file(tmp_path, network, record)
    with pytest.raises(bulkload.BadRecord) as by_load:
        await bulkload.load_file(embedded_store, path, batch_size=BATCH)
    data_dir = tmp_path / "neo4j"
    with pytest.raises(bulkload.BadRecord) as by_import:
        neo4j_import.import_file(path, data_dir, batch_size=BATCH)
    assert str(by_import.value) == str(by_load.value)
    assert by_import.value.line == BATCH + 18
    assert not (data_dir / "import-csv").exists()
    assert not neo4j_admin.database_dir(data_dir).exists()

"""`tiegraph load` and `service.bulkload`: the file format, its validation, batches, resuming."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from service import bulkload
from service.bulkload import BadRecord
from service.cli import app
from service.domain import KEEP, Role, Viewer, Visibility
from service.store.embedded import DB_FILENAME, EmbeddedStore

runner = CliRunner()
ADMIN = Viewer("admin", Role.ADMIN)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TIEGRAPH_"):
            monkeypatch.delenv(name)


def person(person_id: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "person", "id": person_id, "name": f"Name of {person_id}", **fields}


def rating(src: str, dst: str, strength: int = 2, **fields: Any) -> dict[str, Any]:
    return {"kind": "rating", "from": src, "to": dst, "strength": strength, **fields}


def write(path: Path, records: list[dict[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def chain(people: int) -> list[dict[str, Any] | str]:
    """people p0..p{n-1}, then p_i rates p_{i+1}."""
    ids = [f"p{i}" for i in range(people)]
    return [person(i) for i in ids] + [rating(a, b) for a, b in zip(ids, ids[1:], strict=False)]


def stored(data_dir: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """People and rated pairs in the embedded store at data_dir."""

    async def read() -> tuple[set[str], set[tuple[str, str]]]:
        store = EmbeddedStore(data_dir)
        await store.open()
        try:
            people = {p.id for p in await store.search_people(None, None, 10_000, None)}
            pairs = set()
            for person_id in people:
                given = await store.ratings_by(person_id, ADMIN, 10_000, None, None, None)
                pairs |= {(r.from_id, r.to_id) for r in given}
            return people, pairs
        finally:
            await store.close()

    return asyncio.run(read())


def batches(path: Path, size: int = 100) -> list[bulkload.ReadBatch]:
    return list(bulkload.read_batches(path, "k", size))


# --- reading and validation -------------------------------------------------------------------


def test_records_become_patches_and_drafts_with_the_api_rules(tmp_path: Path) -> None:
    path = write(
        tmp_path / "in.jsonl",
        [
            person("ann", headline="  CTO  ", company=None, profileUrl="https://a.example"),
            person("bob"),
            "",
            rating(
                "ann",
                "bob",
                1,
                groups=[" Friends ", "Friends", "Met once"],
                visibility="PUBLIC",
                context=" school ",
                since="2010-09-01",
                lastInteraction="2026-01-01",
            ),
            rating("bob", "ann", 4),
        ],
    )
    (read,) = batches(path)
    ann, bob = read.batch.people
    assert (ann.headline, ann.company, ann.location, ann.profile_url) == (
        "CTO",
        None,
        KEEP,
        "https://a.example",
    )
    assert bob.headline is KEEP
    first, second = read.batch.ratings
    assert first.groups == ("Friends", "Met once")
    assert (first.visibility, first.context) == (Visibility.PUBLIC, "school")
    assert (first.since, first.last_interaction) == (date(2010, 9, 1), date(2026, 1, 1))
    assert (second.visibility, second.groups, second.since) == (Visibility.CONNECTIONS, (), None)
    assert read.rating_lines == (4, 5)


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        (rating("a", "b", 7), "strength", "1 (closest) to 5"),
        (rating("a", "b", True), "strength", "integer"),
        (rating("a", "a"), "to", "themselves"),
        (rating("a", "b", visibility="FRIENDS"), "visibility", "PUBLIC"),
        (rating("a", "b", groups="Friends"), "groups", "list"),
        (rating("a", "b", groups=["x" * 65]), "groups", "64"),
        (rating("a", "b", groups=[str(i) for i in range(21)]), "groups", "20"),
        (rating("a", "b", since="31/01/2020"), "since", "ISO-8601"),
        (rating("a", "b", lastInteraction=20200131), "lastInteraction", "ISO-8601"),
        (rating("a", "b", strenght=2), "strenght", "not a field"),
        (rating("a", " b"), "to", "white space"),
        ({"kind": "rating", "to": "b", "strength": 1}, "from", "required"),
        (person("x" * 201), "id", "200"),
        (person("c", name="  "), "name", "empty"),
        (person("c", profileUrl="ftp://x"), "profileUrl", "http"),
        ({"kind": "person", "name": "No Id"}, "id", "required"),
        ({"kind": "company", "id": "x"}, "kind", "person"),
    ],
)
def test_a_bad_record_names_its_line_and_field(
    tmp_path: Path, record: dict[str, Any], field: str, words: str
) -> None:
    path = write(tmp_path / "in.jsonl", [person("a"), person("b"), record])
    with pytest.raises(BadRecord) as caught:
        batches(path)
    assert (caught.value.line, caught.value.field) == (3, field)
    assert words in caught.value.reason
    assert str(caught.value).startswith(f"line 3, field {field!r}: ")


def test_a_line_that_is_not_a_json_object_is_bad(tmp_path: Path) -> None:
    for text in ("{not json", "[1, 2]"):
        path = write(tmp_path / "in.jsonl", [person("a"), text])
        with pytest.raises(BadRecord, match="line 2: not a JSON object"):
            batches(path)


def test_a_seen_value_is_still_checked_in_each_new_combination(tmp_path: Path) -> None:
    """The fast path for known ids and groups must not skip the rules across fields."""
    records = [person("a"), person("b"), rating("a", "b"), rating("b", "b")]
    with pytest.raises(BadRecord) as caught:
        batches(write(tmp_path / "in.jsonl", records))
    assert (caught.value.line, caught.value.field) == (4, "to")
    records = [person("a"), person("b"), rating("a", "b"), rating("b", "a", 0)]
    with pytest.raises(BadRecord) as caught:
        batches(write(tmp_path / "in.jsonl", records))
    assert (caught.value.line, caught.value.field) == (4, "strength")


def test_batches_count_records_and_resume_skips_without_parsing(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", chain(5))  # 5 people + 4 ratings = 9 records
    sizes = [(len(b.batch.people), len(b.batch.ratings)) for b in batches(path, 4)]
    assert sizes == [(4, 0), (1, 3), (0, 1)]
    assert [b.batch.number for b in batches(path, 4)] == [0, 1, 2]
    # Skipped batches are not parsed: a bad line inside them does not matter.
    lines = path.read_text().splitlines()
    lines[1] = "garbage"
    path.write_text("\n".join(lines) + "\n")
    later = list(bulkload.read_batches(path, "k", 4, skip_through=0))
    assert [b.batch.number for b in later] == [1, 2]


def test_the_load_key_follows_the_file_and_the_batch_size(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", chain(3))
    assert bulkload.file_key(path, 10) == bulkload.file_key(path, 10)
    assert bulkload.file_key(path, 10) != bulkload.file_key(path, 11)
    other = write(tmp_path / "other.jsonl", chain(4))
    assert bulkload.file_key(path, 10) != bulkload.file_key(other, 10)


# --- the command ------------------------------------------------------------------------------


def load(path: Path, data_dir: Path, *args: str) -> Any:
    return runner.invoke(app, ["load", str(path), "--data-dir", str(data_dir), *args])


def test_load_writes_everything_and_prints_a_summary(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", chain(30))
    result = load(path, tmp_path / "data", "--batch-size", "7")
    assert result.exit_code == 0, result.output
    assert "loaded 30 people and 29 ratings in" in result.output
    assert "ratings/s" in result.output
    # Not a terminal: no progress bar.
    assert "━" not in result.output and "loading" not in result.output
    people, pairs = stored(tmp_path / "data")
    assert len(people) == 30 and len(pairs) == 29


def test_load_resumes_after_the_last_committed_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = chain(20)  # 20 people, then 19 ratings
    records[25] = rating("p5", "p6", 9)  # line 26: in the 6th batch of 5
    path = write(tmp_path / "in.jsonl", records)
    data = tmp_path / "data"

    failed = load(path, data, "--batch-size", "5")
    assert failed.exit_code == 1
    assert "line 26, field 'strength'" in failed.output
    people, pairs = stored(data)
    # Batches 0-4 (lines 1-25) are committed, batch 5 (lines 26-30) is not.
    assert len(people) == 20 and len(pairs) == 5

    again = load(path, data, "--batch-size", "5")
    assert "resuming: batches 0-4 were committed by an earlier run" in again.output
    assert again.exit_code == 1 and "line 26" in again.output

    # A fix past the part of the file the key reads (its head; here 64 bytes) and of the same
    # size keeps the key: the load goes on where it stopped.
    monkeypatch.setattr(bulkload, "_HEAD_BYTES", 64)
    load(path, tmp_path / "scratch", "--batch-size", "5")  # a first run under that key
    records[25] = rating("p5", "p6", 3)
    write(path, records)
    resumed = load(path, tmp_path / "scratch", "--batch-size", "5")
    assert resumed.exit_code == 0, resumed.output
    assert "resuming: batches 0-4 were committed by an earlier run" in resumed.output
    assert "loaded 0 people and 14 ratings" in resumed.output
    assert len(stored(tmp_path / "scratch")[1]) == 19

    done = load(path, tmp_path / "scratch", "--batch-size", "5")
    assert "loaded 0 people and 0 ratings" in done.output

    restarted = load(path, tmp_path / "scratch", "--batch-size", "5", "--restart")
    assert restarted.exit_code == 0, restarted.output
    assert "restarting" in restarted.output
    assert "loaded 20 people and 19 ratings" in restarted.output
    # A later run resumes the restarted load, not the first one.
    after = load(path, tmp_path / "scratch", "--batch-size", "5")
    assert "batches 0-7 were committed" in after.output


def test_a_rating_of_someone_unknown_stops_the_load_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "in.jsonl", [person("a"), person("b"), rating("a", "b"), rating("a", "z")]
    )
    result = load(path, tmp_path / "data")
    assert result.exit_code == 1
    assert "line 4, field 'to': no person 'z'" in result.output
    assert stored(tmp_path / "data") == (set(), set())


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = load(tmp_path / "nope.jsonl", tmp_path / "data")
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_a_progress_bar_is_shown_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import cli

    seen: list[int] = []

    class Bar:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __enter__(self) -> Bar:
            return self

        def __exit__(self, *args: Any) -> None:
            pass

        def add_task(self, description: str, total: int) -> int:
            seen.append(total)
            return 1

        def update(self, task: int, completed: int) -> None:
            seen.append(completed)

    monkeypatch.setattr("rich.progress.Progress", Bar)
    monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    path = write(tmp_path / "in.jsonl", chain(10))
    result = load(path, tmp_path / "data", "--batch-size", "4")
    assert result.exit_code == 0, result.output
    size = path.stat().st_size
    assert seen[0] == size and seen[-1] == size and len(seen) == 1 + 5


# --- the fast path gives the API's answers ---------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"strength": 0},
        {"strength": 6},
        {"strength": 2.0},
        {"strength": None},
        {"to": "a"},
        {"to": ""},
        {"to": "b\x07"},
        {"groups": ["Friends", " "]},
        {"groups": ["x" * 65]},
        {"groups": [str(i) for i in range(21)]},
        {"context": "x" * 2001},
        {"context": "bad \x00 text"},
    ],
)
def test_a_bad_rating_is_refused_with_the_apis_field_and_words(
    tmp_path: Path, fields: dict[str, Any]
) -> None:
    """Through the fast path (people and groups already seen) and the full one alike."""
    from service.domain import RatingFields, validate_rating
    from service.errors import InvalidInput

    values = {"to": "b", "strength": 2, "groups": ["Friends"], **fields}
    with pytest.raises(InvalidInput) as api:
        validate_rating(
            RatingFields(
                to_id=values["to"],
                strength=values["strength"],
                groups=values["groups"],
                context=values.get("context"),
            ),
            "a",
        )
    seen = [person("a"), person("b"), rating("a", "b", groups=["Friends"])]
    path = write(tmp_path / "in.jsonl", [*seen, rating("a", "b", **values)])
    with pytest.raises(BadRecord) as loaded:
        batches(path)
    assert (loaded.value.line, loaded.value.field, loaded.value.reason) == (
        4,
        api.value.field,
        api.value.reason,
    )


def test_dates_are_parsed_once_and_still_checked_per_record(tmp_path: Path) -> None:
    records = [person("a"), person("b"), person("c")]
    records += [rating("a", "b", since="2020-02-29"), rating("b", "c", since="2020-02-29")]
    (read,) = batches(write(tmp_path / "in.jsonl", records))
    first, second = read.batch.ratings
    assert first.since == second.since == date(2020, 2, 29)
    for bad in ("2021-02-29", ["2020-02-29"]):
        path = write(tmp_path / "bad.jsonl", [*records, rating("c", "a", since=bad)])
        with pytest.raises(BadRecord) as caught:
            batches(path)
        assert (caught.value.line, caught.value.field) == (6, "since")


def test_a_bad_line_in_the_middle_of_a_batch_writes_nothing_of_that_batch(
    tmp_path: Path,
) -> None:
    records = chain(12)  # 12 people, then 11 ratings
    records[17] = rating("p5", "p6", groups=["ok", "\x01"])  # line 18, batch 1 (lines 11-20)
    path = write(tmp_path / "in.jsonl", records)
    result = load(path, tmp_path / "data", "--batch-size", "10")
    assert result.exit_code == 1
    assert "line 18, field 'groups'" in result.output
    people, pairs = stored(tmp_path / "data")
    # Batch 0 (people p0-p9) is committed; nothing of batch 1 (p10, p11, ratings) is.
    assert people == {f"p{i}" for i in range(10)} and pairs == set()


# --- the embedded store's to_id index during a load -------------------------------------------


def has_to_id_index(data_dir: Path) -> bool:
    """Whether the embedded store at data_dir has its index of ratings by the person rated."""
    with contextlib.closing(sqlite3.connect(data_dir / DB_FILENAME)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'rating_to_id'"
        ).fetchone()
    return bool(row[0])


def load_watching_the_index(path: Path, data_dir: Path, batch_size: int) -> list[bool]:
    """Loads `path` through `bulkload.load_file`; whether the index was there after each batch."""
    seen: list[bool] = []

    async def run() -> None:
        store = EmbeddedStore(data_dir)
        await store.open()
        try:
            await bulkload.load_file(
                store,
                path,
                batch_size=batch_size,
                progress=lambda _: seen.append(has_to_id_index(data_dir)),
            )
        finally:
            await store.close()

    asyncio.run(run())
    return seen


def test_a_big_load_builds_the_to_id_index_once_at_its_end(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seen = load_watching_the_index(write(tmp_path / "in.jsonl", chain(40)), data, 10)
    # Into an empty store: left out while the batches write, there again after the load.
    assert seen == [False] * 8
    assert has_to_id_index(data)
    people, pairs = stored(data)
    assert len(people) == 40 and len(pairs) == 39

    async def rated_p20() -> list[str]:
        store = EmbeddedStore(data)
        await store.open()
        try:
            return [r.from_id for r in await store.ratings_of("p20", ADMIN)]
        finally:
            await store.close()

    assert asyncio.run(rated_p20()) == ["p19"]


def test_a_small_load_into_a_big_store_keeps_the_to_id_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    load_watching_the_index(write(tmp_path / "big.jsonl", chain(40)), data, 10)
    # 39 ratings stored, 7 lines to load: rebuilding would read more than it spares.
    small = [person("q0"), person("q1"), person("q2"), rating("q0", "q1"), rating("q1", "q2")]
    small += [rating("q2", "p0"), rating("p0", "q0")]
    seen = load_watching_the_index(write(tmp_path / "small.jsonl", small), data, 2)
    assert seen == [True] * 4
    assert len(stored(data)[1]) == 43


def test_a_failed_load_still_builds_the_to_id_index(tmp_path: Path) -> None:
    records = chain(20)
    records[25] = rating("p5", "p6", 9)  # line 26: a bad strength
    result = load(write(tmp_path / "in.jsonl", records), tmp_path / "data", "--batch-size", "5")
    assert result.exit_code == 1 and "line 26" in result.output
    assert has_to_id_index(tmp_path / "data")


def test_a_store_whose_load_died_before_its_end_gets_the_index_back_when_opened(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    load(write(tmp_path / "in.jsonl", chain(5)), data)
    with contextlib.closing(sqlite3.connect(data / DB_FILENAME)) as conn:
        conn.execute("DROP INDEX rating_to_id")  # what a load killed mid-way leaves
    assert not has_to_id_index(data)
    stored(data)  # opens the store
    assert has_to_id_index(data)

"""Fewer garbage collections during bulk conversions (`service.runtime.fewer_collections`),
and the thresholds of the process as they were once the work is done."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service import neo4j_import
from service.bulkload import BadRecord
from service.neo4j_csv import ImportFiles
from service.runtime import GC_THRESHOLDS, fewer_collections

CPYTHON_DEFAULT = (700, 10, 10)


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*CPYTHON_DEFAULT)
    yield
    gc.set_threshold(*before)


def test_the_thresholds_are_raised_inside_and_restored_after() -> None:
    with fewer_collections():
        assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_threshold() == CPYTHON_DEFAULT


def test_the_thresholds_are_restored_when_the_work_fails() -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a bad line")
    assert gc.get_threshold() == CPYTHON_DEFAULT


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


PEOPLE = [{"kind": "person", "id": f"p{i}", "name": f"P {i}"} for i in range(3)]


def test_the_csv_files_of_an_import_are_written_with_fewer_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int, int]] = []
    write_ratings = ImportFiles.new_ratings

    def spy(self: ImportFiles, *args: Any) -> None:
        seen.append(gc.get_threshold())
        write_ratings(self, *args)

    monkeypatch.setattr(ImportFiles, "new_ratings", spy)
    ratings = [{"kind": "rating", "from": "p0", "to": "p1", "strength": 2}]
    # The pair twice: a second pass, which must run with them too.
    path = _write(tmp_path / "in.jsonl", PEOPLE + ratings + ratings)
    files, report = neo4j_import.write_files(path, tmp_path / "csv", batch_size=3)
    assert report.passes == 2 and report.ratings == 1
    assert seen and set(seen) == {GC_THRESHOLDS}
    assert gc.get_threshold() == CPYTHON_DEFAULT
    assert files.ratings_path.read_text(encoding="utf-8").count("RATED_2") == 1


def test_a_bad_line_leaves_the_thresholds_as_they_were(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.jsonl", [*PEOPLE, {"kind": "rating", "from": "p0"}])
    with pytest.raises(BadRecord):
        neo4j_import.write_files(path, tmp_path / "csv")
    assert gc.get_threshold() == CPYTHON_DEFAULT

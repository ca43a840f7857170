"""`tiegraph import linkedin`, `tiegraph export` and `tiegraph import tiegraph` as real processes,
on both stores; bad inputs exit 1 with nothing written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from service import contacts, review
from service.domain import PersonFields, Role, Viewer
from service.store.base import Store
from tests.conftest import make_embedded_store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "linkedin"
ADMIN = Viewer("root", Role.ADMIN)


def tiegraph(kind: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEGRAPH_")}
    if kind == "neo4j":
        env.update({k: v for k, v in os.environ.items() if k.startswith("TIEGRAPH_NEO4J_")})
    env["TIEGRAPH_STORE"] = kind
    env["TIEGRAPH_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


async def prepared(store: Store) -> None:
    await contacts.upsert_people(store, ADMIN, [PersonFields(id="me", name="Me")])


async def snapshot(store: Store) -> list[object]:
    items: list[object] = []
    await store.export_snapshot(items.append)
    return items


@pytest.fixture
def cli_store(store_kind: str, data_dir: Path, request: pytest.FixtureRequest) -> Store:
    """The store the command line writes to, seen from the test: the test opens the embedded
    one only between commands; Neo4j is shared (and wiped by its fixture)."""
    if store_kind == "neo4j":
        chosen: Store = request.getfixturevalue("neo4j_store")
        return chosen
    return make_embedded_store(data_dir)


@pytest.fixture(autouse=True)
async def owner_me(store_kind: str, cli_store: Store) -> None:
    await cli_store.open()
    await prepared(cli_store)
    if store_kind == "embedded":
        await cli_store.close()


async def test_import_a_folder_twice_then_a_zip(
    store_kind: str, cli_store: Store, data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES, folder)
    (folder / "Connections-old.csv").unlink()
    first = tiegraph(store_kind, data_dir, "import", "linkedin", str(folder), "--owner", "me")
    assert first.returncode == 0, first.stderr
    assert "people created 9" in first.stdout and "ratings created 6" in first.stdout
    assert "requests created 3" in first.stdout
    assert "Connections.csv:10: neither a name nor a URL" in first.stdout
    assert "Invitations.csv:7: Direction 'SIDEWAYS'" in first.stdout
    assert "Connections.csv:11: duplicate of line 5" in first.stdout

    archive = tmp_path / "Basic_LinkedInDataExport.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(folder / "Connections.csv", "Basic_LinkedInDataExport/Connections.csv")
        z.write(folder / "Invitations.csv", "Basic_LinkedInDataExport/Invitations.csv")
    second = tiegraph(
        store_kind, data_dir, "import", "linkedin", str(archive), "--owner", "me",
        "--strength", "5", "--group", "A", "--group", "B", "--visibility", "private",
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "ratings created 0, kept 6" in second.stdout
    assert "Basic_LinkedInDataExport/Connections.csv:10:" in second.stdout

    await cli_store.open()
    try:
        page = await review.to_review(cli_store, ADMIN, "me")
        assert len(page.items) == 6
        assert {(r.strength, r.groups) for r in page.items} == {(4, ("LinkedIn",))}
    finally:
        if store_kind == "embedded":
            await cli_store.close()


def garbage(path: Path, size: int) -> Path:
    # Printable, with commas and line breaks: valid UTF-8 that is still no LinkedIn export.
    chunk = (b'lorem,ipsum,"dolor"\nsit,amet\r\n' * 1024)[: 1 << 15]
    with path.open("wb") as f:
        for _ in range(size // len(chunk)):
            f.write(chunk)
    return path


@pytest.mark.parametrize(
    "bad", ["not-an-export", "truncated-zip", "latin-1", "garbage-40mb", "random-bytes"]
)
async def test_unusable_input_exits_1_and_writes_nothing(
    store_kind: str, cli_store: Store, data_dir: Path, tmp_path: Path, bad: str
) -> None:
    connections = (FIXTURES / "Connections.csv").read_text("utf-8")
    if bad == "not-an-export":
        path = tmp_path / "contacts.csv"
        path.write_text("Name,Phone\nAna,123\n", "utf-8")
    elif bad == "truncated-zip":
        whole = tmp_path / "whole.zip"
        with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("Connections.csv", connections * 20)
        path = tmp_path / "export.zip"
        path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    elif bad == "latin-1":
        path = tmp_path / "Connections.csv"
        path.write_bytes(connections.replace("\ufeff", "").encode("latin-1", "replace"))
    elif bad == "garbage-40mb":
        path = garbage(tmp_path / "Connections.csv", 40 << 20)
    else:
        path = tmp_path / "Connections.csv"
        path.write_bytes(bytes(range(256)) * 4096)
    await cli_store.open()
    before = await snapshot(cli_store)
    if store_kind == "embedded":
        await cli_store.close()
    result = tiegraph(store_kind, data_dir, "import", "linkedin", str(path), "--owner", "me")
    assert result.returncode == 1, result.stdout
    assert "nothing was written" in result.stderr
    await cli_store.open()
    try:
        assert await snapshot(cli_store) == before
    finally:
        if store_kind == "embedded":
            await cli_store.close()


async def test_an_unknown_owner_exits_1(store_kind: str, cli_store: Store, data_dir: Path) -> None:
    result = tiegraph(
        store_kind, data_dir, "import", "linkedin", str(FIXTURES / "Connections.csv"),
        "--owner", "nobody",
    )  # fmt: skip
    assert result.returncode == 1
    assert "no person with id 'nobody'" in result.stderr


async def test_export_then_import_into_an_empty_embedded_store(
    store_kind: str, cli_store: Store, data_dir: Path, tmp_path: Path
) -> None:
    imported = tiegraph(
        store_kind, data_dir, "import", "linkedin", str(FIXTURES / "Connections.csv"),
        "--owner", "me",
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "backup.jsonl"
    exported = tiegraph(store_kind, data_dir, "export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "exported 7 people and 6 ratings" in exported.stdout
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [line["kind"] for line in lines[:2]] == ["tiegraph", "person"]
    to_stdout = tiegraph(store_kind, data_dir, "export")
    assert [json.loads(x) for x in to_stdout.stdout.splitlines()][1:] == lines[1:]

    fresh = tmp_path / "fresh"
    restored = tiegraph("embedded", fresh, "import", "tiegraph", str(out))
    assert restored.returncode == 0, restored.stderr
    again = tmp_path / "again.jsonl"
    assert tiegraph("embedded", fresh, "export", "--out", str(again)).returncode == 0
    assert [json.loads(x) for x in again.read_text("utf-8").splitlines()][1:] == lines[1:]


@pytest.mark.parametrize("store_kind", ["embedded"])  # a lock of the embedded store only
async def test_export_runs_beside_a_process_that_holds_the_embedded_directory(
    store_kind: str, data_dir: Path, tmp_path: Path
) -> None:
    """A running service holds the embedded directory's lock: `tiegraph export` still reads it
    (read-only), while `tiegraph import` is refused with the reason and writes nothing."""
    holder = make_embedded_store(data_dir)
    await holder.open()
    try:
        out = tmp_path / "while-serving.jsonl"
        exported = tiegraph("embedded", data_dir, "export", "--out", str(out))
        assert exported.returncode == 0, exported.stderr
        assert "exported 1 people" in exported.stdout
        imported = tiegraph(
            "embedded", data_dir, "import", "linkedin", str(FIXTURES / "Connections.csv"),
            "--owner", "me",
        )  # fmt: skip
        assert imported.returncode == 1
        assert "in use by another tiegraph process" in imported.stderr
        people = [x for x in await snapshot(holder) if type(x).__name__ == "Person"]
        assert [p.id for p in people] == ["me"]  # type: ignore[attr-defined]
    finally:
        await holder.close()

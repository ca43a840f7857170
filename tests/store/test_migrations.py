"""Migrations of graph_schema: parsed from their files, applied once, recorded with checksums,
and an edited applied migration stops start-up.

The database tests use versions 900+ from temporary directories and remove what they create;
the packaged migrations (V001...) stay applied, as they would in any real database.
Needs a real Neo4j (TIEGRAPH_NEO4J_*); without one these tests fail, never skip.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from neo4j import AsyncDriver, AsyncGraphDatabase

from graph_schema import InvalidMigration, MigrationChecksumMismatch
from graph_schema.migrate import load_migrations, migrate, parse_migration
from service.errors import StoreUnavailable
from service.store.neo4j import Neo4jStore
from tests.conftest import neo4j_settings

TEST_VERSIONS = 900  # and above: only these tests use them
TEST_LABEL = "MigrationTestThing"


def test_packaged_migrations_load_in_version_order() -> None:
    found = load_migrations()
    versions = [m.version for m in found]
    assert versions == sorted(versions) and versions[:3] == [1, 2, 3]
    assert found[0].file_name == "V001__Person_id_unique.cypher"
    assert found[0].description == "Person id unique"
    # Schema statements may run again after a crash between them and their record; data
    # migrations (V004) are written to resume instead: each moves only what is left.
    schema = [s for m in found for s in m.statements if s.lstrip().upper().startswith("CREATE")]
    assert schema and all("IF NOT EXISTS" in s for s in schema)
    packaged = resources.files("graph_schema") / "migrations" / found[0].file_name
    assert found[0].checksum == hashlib.sha256(packaged.read_bytes()).hexdigest()


def test_a_file_holds_several_statements_and_comments() -> None:
    text = b"// one; two\nCREATE INDEX a IF NOT EXISTS FOR (n:X) ON (n.a);\n\nRETURN 1;\n"
    migration = parse_migration("V010__Two_things.cypher", text)
    assert migration.statements == (
        "CREATE INDEX a IF NOT EXISTS FOR (n:X) ON (n.a)",
        "RETURN 1",
    )


@pytest.mark.parametrize(
    "name", ["V1_Missing_underscore.cypher", "v001__lower.cypher", "V001__.cypher", "001__A.cypher"]
)
def test_misnamed_files_are_refused(name: str) -> None:
    with pytest.raises(InvalidMigration, match="V<version>__<Description>"):
        parse_migration(name, b"RETURN 1")


def test_empty_files_and_shared_versions_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidMigration, match="no statement"):
        parse_migration("V001__Empty.cypher", b"// nothing here\n;\n")
    (tmp_path / "V001__A.cypher").write_text("RETURN 1")
    (tmp_path / "V01__B.cypher").write_text("RETURN 2")
    with pytest.raises(InvalidMigration, match="share version 1"):
        load_migrations(tmp_path)


# --- against Neo4j ------------------------------------------------------------------------


@pytest_asyncio.fixture
async def driver() -> AsyncIterator[AsyncDriver]:
    settings = neo4j_settings()
    auth = (settings["user"], settings["password"]) if settings["password"] else None
    async with AsyncGraphDatabase.driver(settings["uri"], auth=auth) as opened:
        await _forget_test_migrations(opened)
        yield opened
        await _forget_test_migrations(opened)


async def _run(driver: AsyncDriver, statement: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = await driver.execute_query(
        statement, params, database_=neo4j_settings()["database"]
    )
    return [record.data() for record in records]


async def _forget_test_migrations(driver: AsyncDriver) -> None:
    await _run(driver, "MATCH (m:`__Migration`) WHERE m.version >= $v DELETE m", v=TEST_VERSIONS)
    for index in await _run(
        driver, "SHOW INDEXES YIELD name, labelsOrTypes WHERE $label IN labelsOrTypes "
        "RETURN name", label=TEST_LABEL
    ):  # fmt: skip
        await _run(driver, f"DROP INDEX `{index['name']}` IF EXISTS")


async def _recorded(driver: AsyncDriver) -> dict[int, dict[str, Any]]:
    rows = await _run(
        driver,
        "MATCH (m:`__Migration`) RETURN m.version AS version, m.description AS description, "
        "m.checksum AS checksum, m.appliedAt AS appliedAt",
    )
    return {row["version"]: row for row in rows}


async def _index_names(driver: AsyncDriver) -> set[str]:
    return {row["name"] for row in await _run(driver, "SHOW INDEXES YIELD name RETURN name")}


def _store(**options: Any) -> Neo4jStore:
    settings = neo4j_settings()
    return Neo4jStore(
        settings["uri"], settings["user"], settings["password"], settings["database"], **options
    )


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


async def test_open_applies_the_packaged_migrations_and_records_their_checksums(
    driver: AsyncDriver,
) -> None:
    store = _store()
    await store.open()
    await store.close()
    recorded = await _recorded(driver)
    for migration in load_migrations():
        assert recorded[migration.version]["checksum"] == migration.checksum
        assert recorded[migration.version]["description"] == migration.description
    assert {"person_id_unique", "person_name_sort", "person_name_key_text"} <= await _index_names(
        driver
    )
    states = await _run(driver, "SHOW INDEXES YIELD name, state RETURN name, state")
    assert all(row["state"] == "ONLINE" for row in states), states
    constraints = await _run(driver, "SHOW CONSTRAINTS YIELD name RETURN name")
    assert {"person_id_unique", "migration_version_unique"} <= {c["name"] for c in constraints}

    # A second start-up applies nothing and leaves the records as they were.
    again = _store()
    await again.open()
    await again.close()
    assert await _recorded(driver) == recorded
    settings = neo4j_settings()
    assert await migrate(driver, settings["database"]) == []


async def test_a_new_migration_is_applied_once(driver: AsyncDriver, tmp_path: Path) -> None:
    _write(
        tmp_path,
        "V900__Test_indexes.cypher",
        f"CREATE INDEX mig_test_a IF NOT EXISTS FOR (n:{TEST_LABEL}) ON (n.a);\n"
        f"CREATE INDEX mig_test_b IF NOT EXISTS FOR (n:{TEST_LABEL}) ON (n.b);\n",
    )
    database = neo4j_settings()["database"]
    applied = await migrate(driver, database, load_migrations(tmp_path))
    assert [m.version for m in applied] == [900]
    assert {"mig_test_a", "mig_test_b"} <= await _index_names(driver)
    first = (await _recorded(driver))[900]
    assert (
        first["checksum"]
        == hashlib.sha256((tmp_path / "V900__Test_indexes.cypher").read_bytes()).hexdigest()
    )

    assert await migrate(driver, database, load_migrations(tmp_path)) == []
    assert (await _recorded(driver))[900] == first

    _write(
        tmp_path,
        "V901__Test_more.cypher",
        f"CREATE INDEX mig_test_c IF NOT EXISTS FOR (n:{TEST_LABEL}) ON (n.c)",
    )
    applied = await migrate(driver, database, load_migrations(tmp_path))
    assert [m.version for m in applied] == [901]


async def test_an_edited_applied_migration_stops_open(driver: AsyncDriver, tmp_path: Path) -> None:
    _write(
        tmp_path,
        "V900__Test_indexes.cypher",
        f"CREATE INDEX mig_test_a IF NOT EXISTS FOR (n:{TEST_LABEL}) ON (n.a)",
    )
    store = _store(migrations=load_migrations(tmp_path))
    await store.open()
    await store.close()

    _write(
        tmp_path,
        "V900__Test_indexes.cypher",
        f"CREATE INDEX mig_test_a IF NOT EXISTS FOR (n:{TEST_LABEL}) ON (n.a, n.z)",
    )
    _write(
        tmp_path,
        "V901__Test_more.cypher",
        f"CREATE INDEX mig_test_c IF NOT EXISTS FOR (n:{TEST_LABEL}) ON (n.c)",
    )
    edited = _store(migrations=load_migrations(tmp_path))
    with pytest.raises(MigrationChecksumMismatch, match="V900__Test_indexes.cypher") as caught:
        await edited.open()
    assert "edited after it was applied" in str(caught.value)
    # Start-up stopped before anything else ran, and the store did not stay half open.
    assert 901 not in await _recorded(driver)
    assert "mig_test_c" not in await _index_names(driver)
    with pytest.raises(StoreUnavailable, match="not open"):
        await edited.ping()


async def test_a_tampered_packaged_record_stops_open(driver: AsyncDriver) -> None:
    store = _store()
    await store.open()
    await store.close()
    (original,) = await _run(
        driver, "MATCH (m:`__Migration` {version: 1}) RETURN m.checksum AS checksum"
    )
    await _run(driver, "MATCH (m:`__Migration` {version: 1}) SET m.checksum = $c", c="0" * 64)
    try:
        with pytest.raises(MigrationChecksumMismatch, match="V001__Person_id_unique.cypher"):
            await _store().open()
    finally:
        await _run(
            driver,
            "MATCH (m:`__Migration` {version: 1}) SET m.checksum = $c",
            c=original["checksum"],
        )
    reopened = _store()
    await reopened.open()
    await reopened.close()

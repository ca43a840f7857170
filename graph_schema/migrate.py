"""Apply the pending migrations of `graph_schema/migrations` once, and verify the applied ones.

A migration is a file ``V<version>__<Description>.cypher`` of one or more statements separated
by ``;``. Each applied migration is recorded as ``(:__Migration {version, description,
checksum, appliedAt})``; the checksum is the sha256 of the file. A recorded migration whose
file changed stops start-up with `MigrationChecksumMismatch`.

Schema statements cannot share a transaction with writes, so each statement runs on its own
and the record is written after them. Every statement uses ``IF NOT EXISTS``: a start-up that
died between a statement and its record simply runs it again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction

from graph_schema import InvalidMigration, MigrationChecksumMismatch
from graph_schema import queries as q

_FILE_NAME = re.compile(r"^V(?P<version>[0-9]+)__(?P<description>[A-Za-z0-9_]+)\.cypher$")
INDEX_ONLINE_TIMEOUT_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    file_name: str
    checksum: str
    statements: tuple[str, ...]


def split_statements(text: str) -> tuple[str, ...]:
    """The statements of a migration file: ``;``-separated, ``//`` comment lines dropped.

    Semicolons inside string literals are not supported; schema statements do not need them.

    >>> split_statements("// why\\nCREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x);\\n\\n")
    ('CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x)',)
    """
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return tuple(part.strip() for part in code.split(";") if part.strip())


def parse_migration(file_name: str, content: bytes) -> Migration:
    """One migration from its file name and bytes.

    >>> m = parse_migration("V002__Person_sort_index.cypher", b"CREATE INDEX i FOR (n:P) ON (n.a)")
    >>> (m.version, m.description, len(m.statements))
    (2, 'Person sort index', 1)
    """
    match = _FILE_NAME.match(file_name)
    if match is None:
        raise InvalidMigration(
            f"migration file {file_name!r} is not named V<version>__<Description>.cypher"
        )
    statements = split_statements(content.decode("utf-8"))
    if not statements:
        raise InvalidMigration(f"migration file {file_name!r} has no statement")
    return Migration(
        version=int(match["version"]),
        description=match["description"].replace("_", " "),
        file_name=file_name,
        checksum=hashlib.sha256(content).hexdigest(),
        statements=statements,
    )


def _files(directory: Traversable | Path) -> Iterable[tuple[str, bytes]]:
    for entry in directory.iterdir():
        if entry.name.endswith(".cypher") and entry.is_file():
            yield entry.name, entry.read_bytes()


def load_migrations(directory: Traversable | Path | None = None) -> list[Migration]:
    """The migrations in `directory` (default: the packaged ones), by version.

    Raises `InvalidMigration` for a misnamed or empty file or a version used twice.
    """
    source = directory if directory is not None else resources.files(__package__) / "migrations"
    found = sorted(
        (parse_migration(name, content) for name, content in _files(source)),
        key=lambda m: m.version,
    )
    for before, after in zip(found, found[1:], strict=False):
        if before.version == after.version:
            raise InvalidMigration(
                f"migrations {before.file_name} and {after.file_name} share version {after.version}"
            )
    return found


def check_applied(migrations: Sequence[Migration], applied: dict[int, str]) -> list[Migration]:
    """The migrations still to apply, after checking the applied ones kept their checksum.

    `applied` maps a recorded version to its recorded checksum. A recorded version without a
    file (a database migrated by a newer release) is left alone.

    >>> m = parse_migration("V001__A.cypher", b"RETURN 1")
    >>> check_applied([m], {}) == [m], check_applied([m], {1: m.checksum})
    (True, [])
    """
    pending: list[Migration] = []
    for migration in migrations:
        recorded = applied.get(migration.version)
        if recorded is None:
            pending.append(migration)
        elif recorded != migration.checksum:
            raise MigrationChecksumMismatch(migration.file_name, recorded, migration.checksum)
    return pending


async def _applied(tx: AsyncManagedTransaction) -> dict[int, str]:
    result = await tx.run(q.MIGRATIONS_APPLIED)
    return {int(record["version"]): str(record["checksum"]) async for record in result}


async def _record(tx: AsyncManagedTransaction, params: dict[str, Any]) -> str:
    result = await tx.run(q.MIGRATION_RECORD, params)
    record = await result.single(strict=True)
    return str(record["checksum"])


async def migrate(
    driver: AsyncDriver, database: str, migrations: Sequence[Migration] | None = None
) -> list[Migration]:
    """Apply the pending `migrations` (default: the packaged ones); return those applied.

    Raises `MigrationChecksumMismatch` when an applied migration's file changed, before
    anything is applied. Driver errors propagate to the caller.
    """
    wanted = load_migrations() if migrations is None else list(migrations)
    async with driver.session(database=database) as session:
        result = await session.run(q.MIGRATION_VERSION_UNIQUE)
        await result.consume()
        pending = check_applied(wanted, await session.execute_read(_applied))
        for migration in pending:
            for statement in migration.statements:
                # A migration file is trusted code shipped with the service, not user text.
                result = await session.run(statement)
                await result.consume()
            # Indexes build in the background; queries planned before they are online would
            # scan, so the record says "usable", not just "created".
            result = await session.run(q.AWAIT_INDEXES, {"timeout": INDEX_ONLINE_TIMEOUT_SECONDS})
            await result.consume()
            recorded = await session.execute_write(
                _record,
                {
                    "version": migration.version,
                    "description": migration.description,
                    "checksum": migration.checksum,
                    "appliedAt": datetime.now(UTC),
                },
            )
            # Another process may have recorded the same version in the meantime.
            if recorded != migration.checksum:
                raise MigrationChecksumMismatch(migration.file_name, recorded, migration.checksum)
    return pending

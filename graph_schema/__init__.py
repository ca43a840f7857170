"""The Neo4j graph schema of tiegraph: migrations, and every Cypher statement the service runs.

    MigrationError                   the migrations cannot be applied; start-up stops
    ├── InvalidMigration             a migration file is misnamed, duplicated or empty
    └── MigrationChecksumMismatch    an applied migration's file was edited afterwards

Migrations are append-only: a file that was applied must never change, since the database
would silently differ from what the files say. Add a new ``V00N__*.cypher`` instead.
"""

from __future__ import annotations


class MigrationError(Exception):
    """Raised when the migrations cannot be applied; the service must not start."""


class InvalidMigration(MigrationError):
    """Raised when a migration file is misnamed, empty, or shares its version with another."""


class MigrationChecksumMismatch(MigrationError):
    """Raised when an applied migration's file no longer has the checksum recorded for it."""

    def __init__(self, file_name: str, recorded: str, actual: str) -> None:
        super().__init__(
            f"migration {file_name} was edited after it was applied "
            f"(recorded sha256 {recorded}, file now {actual}); applied migrations are "
            "append-only: restore the file and add a new migration for the change"
        )
        self.file_name = file_name
        self.recorded = recorded
        self.actual = actual

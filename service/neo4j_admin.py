"""Run Neo4j's offline importer on a local Neo4j data directory.

The importer is ``neo4j-admin database import full``, run by ``scripts/neo4j-local import``
from the same Maven Central jars as the server it runs beside (one place knows the Java
options, the cache and the data directory's layout). That script refuses a running server and
an existing database; `check_can_import` asks the same before minutes go into writing CSV.

Errors::

    ImporterError          the importer cannot run, or did not finish
     +-- ImportRefused     the data directory cannot take an import (server up, database there)
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Final

_ROOT: Final = Path(__file__).resolve().parents[1]
DATABASE: Final = "neo4j"
# What the failure message shows of the importer's output (its stack traces are long).
_TAIL_LINES: Final = 25


class ImporterError(Exception):
    """Raised when the importer cannot be run or exits with an error; nothing was imported."""


class ImportRefused(ImporterError):
    """Raised when the data directory's server runs, or it holds a database already and
    `overwrite` was not given."""


def neo4j_local() -> Path:
    """``scripts/neo4j-local`` of this checkout, or ``TIEGRAPH_NEO4J_LOCAL``."""
    given = os.environ.get("TIEGRAPH_NEO4J_LOCAL")
    return Path(given) if given else _ROOT / "scripts" / "neo4j-local"


def database_dir(data_dir: Path) -> Path:
    """Where the server `neo4j-local start` runs on `data_dir` keeps the database."""
    return data_dir / "data" / "databases" / DATABASE


def log_path(data_dir: Path) -> Path:
    """The importer's output of the last import into `data_dir`."""
    return data_dir / "neo4j-import.log"


def check_can_import(data_dir: Path, *, overwrite: bool, script: Path | None = None) -> None:
    """Raise `ImportRefused` if an import into `data_dir` would be refused."""
    if (database_dir(data_dir) / "neostore").exists() and not overwrite:
        raise ImportRefused(
            f"{data_dir} already has a {DATABASE} database; the importer only fills a new "
            "one (use --overwrite to replace it: its data is lost)"
        )
    status = subprocess.run(
        [str(script or neo4j_local()), "status", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if status.returncode == 0:
        raise ImportRefused(
            f"the Neo4j of {data_dir} is running ({status.stdout.strip()}); the importer "
            f"writes its files offline: stop it first (scripts/neo4j-local stop --data-dir "
            f"{data_dir})"
        )


def run_importer(
    data_dir: Path, args: Sequence[str], *, overwrite: bool, script: Path | None = None
) -> None:
    """Import into `data_dir`'s database with the importer's `args`, its output going to
    `log_path(data_dir)`.

    Raises `ImporterError` with the end of that output when it fails; the script then
    leaves no database behind.
    """
    command = [str(script or neo4j_local()), "import", "--data-dir", str(data_dir)]
    if overwrite:
        command.append("--overwrite")
    data_dir.mkdir(parents=True, exist_ok=True)
    log = log_path(data_dir)
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            [*command, "--", *args], stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode != 0:
        raise ImporterError(_failure(log, done.returncode))


def _failure(log: Path, code: int) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    # Java stack frames say nothing a reader can act on; the causes above them do.
    said = [line for line in lines if line.strip() and not line.lstrip().startswith("at ")]
    tail = "\n".join(said[-_TAIL_LINES:])
    return f"Neo4j's importer failed (exit {code}; full output in {log}):\n{tail}"

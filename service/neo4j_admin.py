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
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_ROOT: Final = Path(__file__).resolve().parents[1]
DATABASE: Final = "neo4j"
# What the failure message shows of the importer's output (its stack traces are long).
_TAIL_LINES: Final = 25
# How often a running import's output is read for its progress.
_POLL_SECONDS: Final = 0.5
# "(2/4) Relationship import 2026-11-29 00:26:43.936+0000" starts a stage; a row of dots
# ending "  45% ∆1s 3ms [12s 302ms]" says how far it is.
_STAGE: Final = re.compile(r"^\((\d+)/(\d+)\) (.+?) \d{4}-\d\d-\d\d ", re.MULTILINE)
_PERCENT: Final = re.compile(r" (\d{1,3})% ∆")


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


@dataclass(frozen=True, slots=True)
class ImporterProgress:
    """Where a running import is: stage `number` of `stages`, called `name`, `percent` done."""

    number: int
    stages: int
    name: str
    percent: int

    def describe(self) -> str:
        """``(2/4) Relationship import``, or ``starting``."""
        return f"({self.number}/{self.stages}) {self.name}" if self.number else self.name


# Told when the importer is launched: the JVM's start and the importer's estimates take a few
# seconds before its first stage.
STARTING: Final = ImporterProgress(number=0, stages=0, name="starting", percent=0)


def progress_of(output: str) -> ImporterProgress | None:
    """The latest progress the importer's `output` reports, None before its first stage.

    >>> progress_of("(1/4) Node import 2026-11-29 00:26:42.021+0000\\n..... 5% ∆1s [1s]\\n")
    ImporterProgress(number=1, stages=4, name='Node import', percent=5)
    """
    stages = list(_STAGE.finditer(output))
    if not stages:
        return None
    last = stages[-1]
    percents = _PERCENT.findall(output, last.end())
    return ImporterProgress(
        number=int(last[1]),
        stages=int(last[2]),
        name=last[3],
        percent=int(percents[-1]) if percents else 0,
    )


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
    data_dir: Path,
    args: Sequence[str],
    *,
    overwrite: bool,
    script: Path | None = None,
    progress: Callable[[ImporterProgress], None] | None = None,
) -> None:
    """Import into `data_dir`'s database with the importer's `args`, its output going to
    `log_path(data_dir)`; `progress` is told each new stage and percentage it reports.

    Raises `ImporterError` with the end of that output when it fails; the script then
    leaves no database behind.
    """
    command = [str(script or neo4j_local()), "import", "--data-dir", str(data_dir)]
    if overwrite:
        command.append("--overwrite")
    data_dir.mkdir(parents=True, exist_ok=True)
    log = log_path(data_dir)
    with log.open("w", encoding="utf-8") as out:
        running = subprocess.Popen([*command, "--", *args], stdout=out, stderr=subprocess.STDOUT)
        try:
            if progress is not None:
                _follow(running, log, progress)
        finally:
            code = running.wait()
    if code != 0:
        raise ImporterError(_failure(log, code))


def _follow(
    running: subprocess.Popen[bytes],
    log: Path,
    progress: Callable[[ImporterProgress], None],
) -> None:
    """Until the importer exits, tell `progress` what its output in `log` says, once per
    change."""
    progress(STARTING)
    told = STARTING
    while True:
        try:
            running.wait(timeout=_POLL_SECONDS)
            done = True
        except subprocess.TimeoutExpired:
            done = False
        now = progress_of(log.read_text(encoding="utf-8", errors="replace"))
        if now is not None and now != told:
            progress(now)
            told = now
        if done:
            return


def _failure(log: Path, code: int) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    # Java stack frames say nothing a reader can act on; the causes above them do.
    said = [line for line in lines if line.strip() and not line.lstrip().startswith("at ")]
    tail = "\n".join(said[-_TAIL_LINES:])
    return f"Neo4j's importer failed (exit {code}; full output in {log}):\n{tail}"

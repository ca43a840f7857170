"""The `tiegraph` command: serve, token, export-schema, load, neo4j-import, report.

Every `serve` flag falls back to its environment variable ``TIEGRAPH_<FLAG>`` (through
`service.settings.Settings`), then to the default.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from enum import Enum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from service.bulkload import DEFAULT_BATCH_SIZE
from service.config_errors import describe
from service.domain import Role
from service.settings import Settings

if TYPE_CHECKING:
    from service.neo4j_admin import ImporterProgress

app = typer.Typer(
    name="tiegraph",
    help="Relationship-strength graph service: warm introductions over GraphQL.",
    no_args_is_help=True,
    add_completion=False,
)
logger = logging.getLogger("tiegraph")

DEV_WARNING = (
    "DEV MODE: authentication is OFF and every rating is visible to every request. "
    "Never expose this server to a network you do not trust."
)


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the flags that were given on top."""
    given = {
        key: value.value if isinstance(value, Enum) else value
        for key, value in overrides.items()
        if value is not None
    }
    try:
        return Settings(**given)
    except ValidationError as e:
        for line in describe(e, Settings, flags=given):
            typer.echo(f"tiegraph: {line}", err=True)
        raise typer.Exit(2) from e


E = TypeVar("E", bound=Enum)


def _choice(kind: type[E], text: str) -> E:
    """`text` as a member of `kind`, or click's one-line usage error naming the choices
    (typer's own message for enums carries pydantic's "Value error," prefix)."""
    try:
        return kind(text)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in kind)
        raise typer.BadParameter(f"{text!r} is not one of {allowed}") from None


class StoreKind(StrEnum):
    """The --store choices (typer shows them and refuses anything else)."""

    EMBEDDED = "embedded"
    NEO4J = "neo4j"


# The store flags `serve` and `load` share.
StoreOption = Annotated[
    StoreKind | None,
    typer.Option(
        parser=lambda text: _choice(StoreKind, text),
        metavar="[embedded|neo4j]",
        help="embedded or neo4j (env TIEGRAPH_STORE, default embedded).",
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        help="Where the embedded store keeps its data (env TIEGRAPH_DATA_DIR, default ./.tiegraph)."
    ),
]


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (env TIEGRAPH_HOST, default 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (env TIEGRAPH_PORT, default 8000).")
    ] = None,
    store: StoreOption = None,
    data_dir: DataDirOption = None,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="No authentication, every rating visible; for local development only "
            "(env TIEGRAPH_DEV).",
        ),
    ] = False,
) -> None:
    """Run the GraphQL service."""
    import uvicorn

    from service.app import create_app
    from service.observability.logs import configure_logging

    settings = _settings(host=host, port=port, store=store, data_dir=data_dir, dev=dev or None)
    configure_logging(settings.log_level, settings.log_format)
    try:
        application = create_app(settings)
    except RuntimeError as e:  # a setting that needs what is not installed (tracing)
        typer.echo(f"tiegraph: {e}", err=True)
        raise typer.Exit(2) from e
    from service.runtime import tune_for_serving

    tune_for_serving()
    if settings.dev:
        logger.warning(DEV_WARNING)
    # log_config=None: uvicorn's loggers keep the handler above (one format for all lines);
    # its access log is off, `tiegraph.access` logs every request with more in it.
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        access_log=False,
    )


@app.command()
def token(
    sub: Annotated[str, typer.Option(help="The viewer's person id.")],
    role: Annotated[
        Role,
        typer.Option(
            parser=lambda text: _choice(Role, text), metavar="[user|admin]", help="user or admin."
        ),
    ] = Role.USER,
    ttl: Annotated[str, typer.Option(help="Lifetime: 30m, 1h, 7d, ...")] = "1h",
) -> None:
    """Print a bearer token signed with TIEGRAPH_JWT_SECRET."""
    from service.api.auth import mint_token, parse_ttl
    from service.errors import InvalidInput

    settings = _settings()
    try:
        minted = mint_token(settings, sub=sub, role=role, ttl=parse_ttl(ttl))
    except (ValueError, InvalidInput) as e:
        typer.echo(f"tiegraph: {e}", err=True)
        raise typer.Exit(2) from e
    typer.echo(minted)


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` is this output."""
    from service.api.schema import sdl

    sys.stdout.write(sdl())


@app.command()
def load(
    file: Annotated[Path, typer.Argument(help="JSON Lines: person and rating records.")],
    store: StoreOption = None,
    data_dir: DataDirOption = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Records per transaction (and per checkpoint).")
    ] = DEFAULT_BATCH_SIZE,
    restart: Annotated[
        bool, typer.Option("--restart", help="Load from the top, ignoring the checkpoint.")
    ] = False,
) -> None:
    """Bulk-load people and ratings from a JSON Lines file; resumes an interrupted load."""
    import asyncio

    if not file.is_file():
        typer.echo(f"tiegraph: {file}: no such file", err=True)
        raise typer.Exit(2)
    # dev: a load serves no request, so it needs no JWT secret; the store settings are the same.
    settings = _settings(store=store, data_dir=data_dir, dev=True)
    try:
        report = asyncio.run(_load(settings, file, batch_size, restart))
    except _LoadFailed as e:
        typer.echo(f"tiegraph: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(
        f"loaded {report.people:,} people and {report.ratings:,} ratings in "
        f"{report.seconds:.1f} s ({report.ratings_per_second:,.0f} ratings/s)"
    )


class _LoadFailed(Exception):
    pass


async def _load(settings: Settings, file: Path, batch_size: int, restart: bool) -> Any:
    from service import bulkload
    from service.errors import TiegraphError
    from service.store.factory import make_store

    store = make_store(settings)
    try:
        await store.open()
    except TiegraphError as e:
        raise _LoadFailed(f"the store did not open: {e.message}") from e
    try:
        with _progress(file) as advance:
            report = await bulkload.load_file(
                store,
                file,
                batch_size=batch_size,
                restart=restart,
                progress=advance,
                on_start=_announce,
            )
        return report
    except bulkload.BadRecord as e:
        raise _LoadFailed(
            f"{file}: {e} (nothing of that line's batch was written; the batches before it "
            "are, and running the same command again resumes after them)"
        ) from e
    except TiegraphError as e:
        raise _LoadFailed(e.message) from e
    finally:
        await store.close()


def _announce(report: Any) -> None:
    if report.restarted:
        typer.echo("restarting the load from the first record (--restart)")
    elif report.resumed_after is not None:
        typer.echo(
            f"resuming: batches 0-{report.resumed_after} were committed by an earlier run "
            "and are skipped"
        )


def _on_terminal() -> bool:
    return sys.stdout.isatty()


@contextlib.contextmanager
def _progress(file: Path) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over the file's bytes on a terminal; nothing otherwise."""
    if not _on_terminal():
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("loading"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("load", total=file.stat().st_size)
        yield lambda offset: bar.update(task, completed=offset)


# --- tiegraph neo4j-import: a first load with Neo4j's offline importer (issue 6) -----------


@contextlib.contextmanager
def _import_progress(
    file: Path,
) -> Iterator[tuple[Callable[[int], None] | None, Callable[[ImporterProgress], None] | None]]:
    """On a terminal, a bar over the file's bytes while the CSV files are written, then one
    for each stage of Neo4j's importer; nothing otherwise."""
    if not _on_terminal():
        yield None, None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=True) as bar:
        reading = bar.add_task("writing CSV", total=file.stat().st_size)
        importing = bar.add_task("Neo4j's importer", total=100, visible=False)

        def importer(now: ImporterProgress) -> None:
            bar.update(reading, visible=False)
            bar.update(
                importing,
                visible=True,
                completed=now.percent,
                description=f"Neo4j's importer {now.describe()}",
            )

        yield (lambda offset: bar.update(reading, completed=offset)), importer


@app.command("neo4j-import")
def neo4j_import(
    file: Annotated[Path, typer.Argument(help="JSON Lines, as `tiegraph load` reads.")],
    neo4j_dir: Annotated[
        Path,
        typer.Option(
            help="The data directory of a stopped `scripts/neo4j-local` Neo4j; its `neo4j` "
            "database must not exist yet."
        ),
    ],
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace an existing `neo4j` database (data lost)."),
    ] = False,
    batch_size: Annotated[
        int,
        typer.Option(
            min=1,
            help="The batches of `tiegraph load` whose result to build: repeats of a pair "
            "resolve per batch, and the load's checkpoint counts them.",
        ),
    ] = DEFAULT_BATCH_SIZE,
    csv_dir: Annotated[
        Path | None,
        typer.Option(help="Where the importer's CSV files go (default: NEO4J_DIR/import-csv)."),
    ] = None,
    keep_csv: Annotated[
        bool, typer.Option("--keep-csv", help="Keep the CSV files afterwards.")
    ] = False,
) -> None:
    """Load a JSON Lines file into a new Neo4j database with Neo4j's offline importer:
    the result of `tiegraph load --store neo4j`, at importer speed. Every line is checked
    first; a bad one stops it and nothing is imported."""
    from service import neo4j_admin, neo4j_import
    from service.bulkload import BadRecord

    if not file.is_file():
        typer.echo(f"tiegraph: {file}: no such file", err=True)
        raise typer.Exit(2)
    try:
        with _import_progress(file) as (advance, importer):
            report = neo4j_import.import_file(
                file,
                neo4j_dir,
                batch_size=batch_size,
                overwrite=overwrite,
                csv_dir=csv_dir,
                keep_csv=keep_csv,
                progress=advance,
                importer_progress=importer,
            )
    except BadRecord as e:
        typer.echo(f"tiegraph: {file}: {e} (nothing was imported)", err=True)
        raise typer.Exit(1) from e
    except neo4j_admin.ImporterError as e:
        typer.echo(f"tiegraph: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(
        f"imported {report.people:,} people and {report.ratings:,} ratings in "
        f"{report.seconds:.1f} s ({report.ratings_per_second:,.0f} ratings/s; CSV "
        f"{report.csv_seconds:.1f} s, Neo4j's importer {report.importer_seconds:.1f} s)"
    )
    typer.echo(
        f"start it with: scripts/neo4j-local start --data-dir {neo4j_dir} (the service's "
        "first open of it applies the migrations: constraints and indexes)"
    )


# --- tiegraph report (issue 9) ------------------------------------------------------------


@app.command()
def report(
    owner: Annotated[str, typer.Option(help="Whose network: a person id.")],
    out: Annotated[Path, typer.Option(help="The HTML file to write.")],
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write the value of a network (networkReport) as one self-contained HTML page with
    charts, as the owner sees it."""
    import asyncio

    settings = _settings(store=store, data_dir=data_dir, dev=True)
    try:
        page = asyncio.run(_report_page(settings, owner))
    except _LoadFailed as e:
        typer.echo(f"tiegraph: {e}", err=True)
        raise typer.Exit(1) from e
    out.write_text(page, encoding="utf-8")
    typer.echo(f"wrote {out}")


async def _report_page(settings: Settings, owner: str) -> str:
    from service import report_page, requesting
    from service.domain import Viewer
    from service.errors import TiegraphError
    from service.store.factory import make_store

    store = make_store(settings, read_only=True)
    try:
        await store.open()
    except TiegraphError as e:
        raise _LoadFailed(f"the store did not open: {e.message}") from e
    try:
        # The owner's own view: the page shows what the owner may see, nothing more.
        found = await requesting.network_report(store, Viewer(owner, Role.USER), owner)
        if found is None:
            raise _LoadFailed(f"no person with id {owner!r}")
        people = await store.get_people([m.person_id for m in found.mismatches])
        names = {person_id: p.name for person_id, p in people.items()}
        return report_page.render(found, names)
    except TiegraphError as e:
        raise _LoadFailed(e.message) from e
    finally:
        await store.close()


def main() -> None:
    app()


# --- tiegraph --version -------------------------------------------------------------------
def package_version() -> str:
    """The installed distribution's version (pyproject.toml's, once installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tiegraph")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tiegraph {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Relationship-strength graph service: warm introductions over GraphQL."""


# --- LinkedIn import, export and restore (issue 8) ----------------------------------------

import_app = typer.Typer(
    name="import",
    help="Bring data in: a LinkedIn export, or a tiegraph export.",
    no_args_is_help=True,
)
app.add_typer(import_app)


class _Unusable(Exception):
    """The input or the store cannot be used: exit 1, nothing written."""


@import_app.command("linkedin")
def import_linkedin(
    path: Annotated[
        Path, typer.Argument(help="The LinkedIn .zip, a folder with its CSVs, or one CSV.")
    ],
    owner: Annotated[str, typer.Option(help="Whose network this is (a person id).")],
    strength: Annotated[int, typer.Option(help="Strength of the imported ratings, 1-5.")] = 4,
    group: Annotated[
        list[str] | None, typer.Option(help="A group of the imported ratings (repeat for more).")
    ] = None,
    visibility: Annotated[
        str, typer.Option(help="PUBLIC, CONNECTIONS or PRIVATE.")
    ] = "CONNECTIONS",
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import LinkedIn connections as OWNER's unreviewed ratings; prints the report."""
    import asyncio

    from service.domain import Visibility

    settings = _settings(store=store, data_dir=data_dir, dev=True)
    try:
        chosen = Visibility(visibility.upper())
    except ValueError:
        typer.echo("tiegraph: --visibility must be PUBLIC, CONNECTIONS or PRIVATE", err=True)
        raise typer.Exit(1) from None
    try:
        report = asyncio.run(
            _import_linkedin(settings, path, owner, strength, tuple(group or ()), chosen)
        )
    except _Unusable as e:
        typer.echo(f"tiegraph: {e} (nothing was written)", err=True)
        raise typer.Exit(1) from e
    _print_import_report(report)


async def _import_linkedin(
    settings: Settings,
    path: Path,
    owner: str,
    strength: int,
    groups: tuple[str, ...],
    visibility: Any,
) -> Any:
    from service import imports
    from service.domain import Viewer
    from service.errors import TiegraphError

    try:
        connections, invitations = imports.texts_from_path(path)
    except TiegraphError as e:
        raise _Unusable(e.message) from e
    options = imports.ImportOptions(
        owner=owner, strength=strength, groups=groups or None, visibility=visibility
    )
    opened = await _open_store(settings)
    try:
        with _spinner("importing") as step:
            return await imports.import_linkedin(
                opened,
                Viewer.dev(),
                options,
                connections,
                invitations,
                on_write=lambda rows: step(f"writing {rows:,} rows in one transaction"),
            )
    except TiegraphError as e:
        raise _Unusable(e.message) from e
    finally:
        await opened.close()


async def _open_store(settings: Settings, *, read_only: bool = False) -> Any:
    from service.errors import TiegraphError
    from service.store.factory import make_store

    opened = make_store(settings, read_only=read_only)
    try:
        await opened.open()
    except TiegraphError as e:
        raise _Unusable(f"the store did not open: {e.message}") from e
    return opened


def _print_import_report(report: Any) -> None:
    typer.echo(
        f"people created {report.people_created:,}, updated {report.people_updated:,}; "
        f"ratings created {report.ratings_created:,}, kept {report.ratings_kept:,}; "
        f"requests created {report.requests_created:,}"
    )
    if report.invitations_read > report.requests_created:
        updated = report.invitations_read - report.requests_created
        typer.echo(f"{updated:,} incoming invitations updated a pending request")
    for title, issues in (("rejected", report.rejected), ("warnings", report.warnings)):
        if issues:
            typer.echo(f"{title} ({len(issues):,}):")
            for issue in issues:
                typer.echo(f"  {issue.file}:{issue.line}: {issue.reason}")


@contextlib.contextmanager
def _spinner(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner with a changing description on a terminal; nothing otherwise."""
    if not _on_terminal():
        yield lambda _: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task(title, total=None)
        yield lambda text: bar.update(task, description=text)


@import_app.command("tiegraph")
def import_tiegraph(
    file: Annotated[Path, typer.Argument(help="A file `tiegraph export` wrote.")],
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Restore a `tiegraph export` file: people, ratings with their timestamps, review state
    and history. Resumes an interrupted restore like `tiegraph load`."""
    load(file, store=store, data_dir=data_dir, batch_size=DEFAULT_BATCH_SIZE, restart=False)


@app.command()
def export(
    out: Annotated[
        Path | None, typer.Option(help="The file to write (default: standard output).")
    ] = None,
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write every person and rating as JSON Lines, one consistent snapshot."""
    import asyncio

    settings = _settings(store=store, data_dir=data_dir, dev=True)
    try:
        report = asyncio.run(_export(settings, None if out is None else out.resolve()))
    except _Unusable as e:
        typer.echo(f"tiegraph: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(
        f"exported {report.people:,} people and {report.ratings:,} ratings, "
        f"{report.requests:,} connection requests and {report.policies:,} triage policies",
        err=out is None,
    )


async def _export(settings: Settings, out: Path | None) -> Any:
    import os
    import tempfile

    from service.errors import TiegraphError
    from service.export import export_store

    # Read-only: an export runs beside a service that holds the embedded directory.
    opened = await _open_store(settings, read_only=True)
    try:
        with _counter("exporting") as progress:
            if out is None:
                report = await export_store(opened, sys.stdout.buffer, progress=progress)
                sys.stdout.buffer.flush()
                return report
            # A temporary file renamed at the end: an export that fails leaves no half file.
            target = str(out)
            fd, temporary = tempfile.mkstemp(
                dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}."
            )
            try:
                with os.fdopen(fd, "wb") as f:
                    report = await export_store(opened, f, progress=progress)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
                raise
            return report
    except TiegraphError as e:
        raise _Unusable(e.message) from e
    finally:
        await opened.close()


@contextlib.contextmanager
def _counter(title: str) -> Iterator[Callable[[int], None] | None]:
    """A record counter on the terminal's stderr (stdout may be the export itself)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    with Progress(
        SpinnerColumn(),
        TextColumn(title),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(title, total=None)
        yield lambda done: bar.update(task, completed=done)

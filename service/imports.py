"""The LinkedIn import use-case, shared by `importLinkedIn` and `tiegraph import linkedin`.

CSV text (`service.linkedin`) -> people and the owner's unreviewed ratings -> one
`Store.import_network` transaction -> an `ImportReport`. Bad input (not an export, not UTF-8,
a broken zip, too large) raises `InvalidInput` before anything is written.

INCOMING invitations become pending connection requests to the owner (requesters created when
absent) in the same transaction as the connections (`ImportBatch.requests`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Final

from service import linkedin
from service.access import require_self_or_admin, resolve_from
from service.domain import (
    Person,
    RatingDraft,
    Viewer,
    Visibility,
    validate_groups,
    validate_strength,
)
from service.errors import InvalidInput, NotFound
from service.linkedin import RowIssue
from service.requests import RequestDraft, new_request_id
from service.store.base import ImportBatch, Store

DEFAULT_STRENGTH: Final = 4
DEFAULT_GROUPS: Final = ("LinkedIn",)
# One CSV as GraphQL text (the request body limit, max_body_bytes, applies too) or as a file.
CSV_MAX_CHARS: Final = 16 * 1024 * 1024
FILE_MAX_BYTES: Final = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CsvText:
    """One CSV to import: `name` is how the report names it, `field` the input it came from."""

    name: str
    text: str
    field: str


@dataclass(frozen=True, slots=True)
class ImportOptions:
    owner: str | None = None
    strength: int = DEFAULT_STRENGTH
    groups: Sequence[str] | None = DEFAULT_GROUPS
    visibility: Visibility = Visibility.CONNECTIONS


@dataclass(frozen=True, slots=True)
class ImportReport:
    people_created: int = 0
    people_updated: int = 0
    ratings_created: int = 0
    ratings_kept: int = 0
    requests_created: int = 0
    rejected: tuple[RowIssue, ...] = ()
    warnings: tuple[RowIssue, ...] = ()
    # INCOMING invitations read (pending requests once request storage is wired).
    invitations_read: int = 0


@dataclass(slots=True)
class _Parsed:
    connections: list[linkedin.Connection] = field(default_factory=list)
    invitations: list[linkedin.InvitationRow] = field(default_factory=list)
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    connections_file: str = linkedin.CONNECTIONS_FILE
    invitations_file: str = linkedin.INVITATIONS_FILE

    def add(self, read: linkedin.ReadFile) -> None:
        self.connections += read.connections
        self.invitations += read.invitations
        self.rejected += read.rejected
        self.warnings += read.warnings


def _check_size(csv: CsvText) -> None:
    if len(csv.text) > CSV_MAX_CHARS:
        raise InvalidInput(csv.field, f"{csv.name} is larger than {CSV_MAX_CHARS:,} characters")


def parse(connections: CsvText | None, invitations: CsvText | None) -> _Parsed:
    """Read both files; `InvalidInput` when one is not a LinkedIn export (nothing written)."""
    if connections is None and invitations is None:
        raise InvalidInput("connectionsCsv", "give connectionsCsv, invitationsCsv or both")
    parsed = _Parsed()
    if connections is not None:
        _check_size(connections)
        parsed.connections_file = connections.name
        parsed.add(linkedin.read_connections(connections.text, connections.name, connections.field))
    if invitations is not None:
        _check_size(invitations)
        parsed.invitations_file = invitations.name
        parsed.add(linkedin.read_invitations(invitations.text, invitations.name, invitations.field))
    return parsed


def _batch(
    owner: str, parsed: _Parsed, options: ImportOptions, groups: tuple[str, ...], now: datetime
) -> tuple[ImportBatch, list[RowIssue]]:
    """The store write of an import, and the rows dropped because they name the owner."""
    people: list[Person] = []
    ratings: list[RatingDraft] = []
    dropped: list[RowIssue] = []
    for row in parsed.connections:
        if row.person.id == owner:
            dropped.append(RowIssue(parsed.connections_file, row.line, "the owner themselves"))
            continue
        people.append(row.person)
        ratings.append(
            RatingDraft(
                from_id=owner,
                to_id=row.person.id,
                strength=options.strength,
                groups=groups,
                visibility=options.visibility,
                since=row.since,
                reviewed=False,
            )
        )
    requesters: list[Person] = []
    requests: list[RequestDraft] = []
    for invitation in parsed.invitations:
        requester = invitation.requester
        if requester.id == owner:
            dropped.append(
                RowIssue(parsed.invitations_file, invitation.line, "the owner themselves")
            )
            continue
        requesters.append(requester.apply(None))
        requests.append(
            RequestDraft(
                id=new_request_id(),
                from_id=requester.id,
                to_id=owner,
                message=invitation.message,
                sent_at=invitation.sent_at or now,
            )
        )
    batch = ImportBatch(
        people=tuple(people),
        ratings=tuple(ratings),
        now=now,
        requesters=tuple(requesters),
        requests=tuple(requests),
    )
    return batch, dropped


async def import_linkedin(
    store: Store,
    viewer: Viewer,
    options: ImportOptions,
    connections: CsvText | None = None,
    invitations: CsvText | None = None,
    *,
    now: datetime | None = None,
    on_write: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one LinkedIn export into `options.owner`'s network (see API.md).

    `on_write(rows)` is called once parsing is done, before the one write transaction.
    Raises `InvalidInput` (not an export, bad options), `Forbidden` (a user importing into
    someone else's network), `NotFound` (no such owner); then nothing is written.
    """
    owner = resolve_from(viewer, options.owner, "owner")
    require_self_or_admin(viewer, owner, "import into a network")
    validate_strength(options.strength)
    groups = validate_groups(DEFAULT_GROUPS if options.groups is None else options.groups)
    parsed = parse(connections, invitations)
    if owner not in await store.get_people([owner]):
        raise NotFound("owner", owner)
    batch, dropped = _batch(owner, parsed, options, groups, now or datetime.now(UTC))
    if on_write is not None:
        on_write(len(batch.people) + len(batch.ratings) + len(batch.requests))
    counts = await store.import_network(batch)
    return ImportReport(
        people_created=counts.people_created,
        people_updated=counts.people_updated,
        ratings_created=counts.ratings_created,
        ratings_kept=counts.ratings_kept,
        requests_created=counts.requests_created,
        rejected=tuple(parsed.rejected + dropped),
        warnings=tuple(parsed.warnings),
        invitations_read=len(parsed.invitations),
    )


# --- the command line's PATH: a .zip, a folder or one CSV ---------------------------------


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            "PATH", f"{name} is not UTF-8 text (LinkedIn exports are): byte {e.start}"
        ) from None


def _pick(names: Sequence[str], wanted: str) -> str | None:
    """The shallowest member called `wanted` (any case)."""
    matches = [n for n in names if PurePosixPath(n).name.casefold() == wanted.casefold()]
    return min(matches, key=lambda n: (n.count("/"), n)) if matches else None


def texts_from_path(path: Path) -> tuple[CsvText | None, CsvText | None]:
    """(Connections, Invitations) from a LinkedIn `.zip`, a folder, or one CSV.

    Raises `InvalidInput` (field ``PATH``) when it holds neither file, a zip is broken, a
    file is not UTF-8 or larger than 64 MiB, or a single CSV is not a LinkedIn export.
    """
    if path.is_dir():
        files = [p.relative_to(path).as_posix() for p in path.rglob("*.csv") if p.is_file()]
        return _found(files, lambda name: _read_file(path / name, name), str(path))
    if not path.is_file():
        raise InvalidInput("PATH", f"{path}: no such file or folder")
    if zipfile.is_zipfile(path):
        return _from_zip(path)
    if path.suffix.lower() == ".zip":
        raise InvalidInput("PATH", f"{path} is not a readable zip file (truncated?)")
    text = _read_file(path, path.name)
    kind = linkedin.kind_of(text)
    if kind == "connections":
        return CsvText(path.name, text, "PATH"), None
    if kind == "invitations":
        return None, CsvText(path.name, text, "PATH")
    raise InvalidInput(
        "PATH",
        f"{path.name} is not a LinkedIn export: no Connections.csv or Invitations.csv header",
    )


def _read_file(path: Path, name: str) -> str:
    if path.stat().st_size > FILE_MAX_BYTES:
        raise InvalidInput("PATH", f"{name} is larger than {FILE_MAX_BYTES:,} bytes")
    return _decode(path.read_bytes(), name)


def _from_zip(path: Path) -> tuple[CsvText | None, CsvText | None]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}

            def read(name: str) -> str:
                if infos[name].file_size > FILE_MAX_BYTES:
                    raise InvalidInput("PATH", f"{name} is larger than {FILE_MAX_BYTES:,} bytes")
                with archive.open(name) as member:
                    data = member.read(FILE_MAX_BYTES + 1)
                if len(data) > FILE_MAX_BYTES:
                    raise InvalidInput("PATH", f"{name} is larger than {FILE_MAX_BYTES:,} bytes")
                return _decode(data, name)

            return _found(list(infos), read, str(path))
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise InvalidInput("PATH", f"{path} is not a readable zip file: {e}") from None


def _found(
    names: Sequence[str], read: Callable[[str], str], where: str
) -> tuple[CsvText | None, CsvText | None]:
    connections = _pick(names, linkedin.CONNECTIONS_FILE)
    invitations = _pick(names, linkedin.INVITATIONS_FILE)
    if connections is None and invitations is None:
        raise InvalidInput("PATH", f"{where} holds no Connections.csv or Invitations.csv")
    return (
        None if connections is None else CsvText(connections, read(connections), "PATH"),
        None if invitations is None else CsvText(invitations, read(invitations), "PATH"),
    )

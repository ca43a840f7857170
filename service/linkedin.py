"""LinkedIn's data export, read: CSV text -> typed rows, with every quirk of the real files.

Pure functions, no store: `service.imports` turns the rows into one write.

- `read_records`: RFC 4180 CSV (quoted fields with commas, doubled quotes and line breaks),
  each record with the physical line it starts on (1-based, in the text as given). It reads
  what Python's `csv` module reads (tests/test_linkedin_csv.py checks it property by property)
  and says when the text ended inside a quoted field, which `csv` cannot.
- `read_connections` / `read_invitations`: skip a BOM and the ``Notes:`` preamble, find the
  header by its column names (any order; old exports without ``URL``), map each row, and list
  the rows they reject or warn about with their line.
- `person_id`: ``linkedin:<slug>`` from a profile URL, else ``linkedin:~<12 hex>`` from the
  name and company (docs/decisions.md, issue 8).

>>> [(r.line, r.fields) for r in read_records('a,"b\\nc"\\r\\nd,e\\n')]
[(1, ('a', 'b\\nc')), (3, ('d', 'e'))]
>>> slug_of("https://www.linkedin.com/in/J%C3%BCrgen-M-1a2b/")
'jürgen-m-1a2b'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final
from urllib.parse import unquote, urlsplit

from service.domain import (
    KEEP,
    Person,
    PersonFields,
    PersonPatch,
    validate_person,
)
from service.errors import InvalidInput

CONNECTIONS_FILE: Final = "Connections.csv"
INVITATIONS_FILE: Final = "Invitations.csv"
# The header must show up among the first records (LinkedIn's preamble is three).
HEADER_SEARCH_RECORDS: Final = 20
MESSAGE_MAX_LENGTH: Final = 2000

# Possessive: a quoted field that never closes must not match a shorter one by backtracking.
_QUOTED: Final = re.compile(r'"((?:[^"]|"")*+)"')
_UNQUOTED: Final = re.compile(r"[^,\r\n]*")
_NEWLINE: Final = re.compile(r"\r\n|\r|\n")
_SENT_AT: Final = re.compile(
    r"^\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?[Mm]\.?\s*$"
)
# The common shape, read without urlsplit (30,000 rows of it).
_PLAIN_PROFILE: Final = re.compile(
    r"^https?://(?:www\.)?linkedin\.com/in/([^/?#\s]+)/?$", re.IGNORECASE
)
_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_CONNECTED_ON: Final = re.compile(r"^\s*(\d{1,2})[ -]([A-Za-z]{3})[A-Za-z]*\.?[ -](\d{4})\s*$")


# --- CSV ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One record: `line` is its first physical line; no fields for a blank line; `closed`
    is False when the text ended inside a quoted field (a truncated file)."""

    line: int
    fields: tuple[str, ...]
    closed: bool = True


def _newlines(text: str) -> int:
    if "\n" not in text and "\r" not in text:
        return 0
    return len(_NEWLINE.findall(text))


def read_records(text: str) -> Iterator[CsvRecord]:
    """The records of `text`, RFC 4180, each with the physical line it starts on.

    Line breaks are CRLF, LF or CR, inside quoted fields too. A quote inside an unquoted field
    is a character; characters after a closing quote join the field (as `csv` does).
    """
    pos, line, end = 0, 1, len(text)
    while pos < end:
        start = line
        blank = _NEWLINE.match(text, pos)
        if blank is not None:
            yield CsvRecord(start, ())
            pos, line = blank.end(), line + 1
            continue
        fields: list[str] = []
        while True:
            if text.startswith('"', pos):
                quoted = _QUOTED.match(text, pos)
                if quoted is None:
                    fields.append(text[pos + 1 :].replace('""', '"'))
                    yield CsvRecord(start, tuple(fields), closed=False)
                    return
                raw = quoted.group(1)
                line += _newlines(raw)
                tail = _UNQUOTED.match(text, quoted.end())
                assert tail is not None  # matches the empty string at least
                fields.append(raw.replace('""', '"') + tail.group())
                pos = tail.end()
            else:
                plain = _UNQUOTED.match(text, pos)
                assert plain is not None
                fields.append(plain.group())
                pos = plain.end()
            if pos >= end:
                yield CsvRecord(start, tuple(fields))
                return
            if text[pos] == ",":
                pos += 1
                continue
            newline = _NEWLINE.match(text, pos)
            assert newline is not None  # the field patterns stop only at , or a line break
            pos, line = newline.end(), line + 1
            yield CsvRecord(start, tuple(fields))
            break


# --- values -------------------------------------------------------------------------------


def slug_of(url: str) -> str | None:
    """The profile's slug of ``https://www.linkedin.com/in/<slug>/``: percent-decoded,
    lowercased, without slashes; None when `url` is not a LinkedIn profile address."""
    text = url.strip()
    plain = _PLAIN_PROFILE.match(text)
    if plain is not None:
        return unquote(plain.group(1)).strip().lower() or None
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() != "in":
        return None
    slug = unquote(segments[1]).strip().lower()
    return slug or None


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def person_id(slug: str | None, name: str, company: str) -> str:
    """``linkedin:<slug>``, or for a row without URL ``linkedin:~`` + the first 12 hex digits
    of sha256(normalised name | normalised company): stable on every import and store.

    >>> person_id(None, "Ana  Ortiz", "ACME") == person_id(None, "ana ortiz", "acme")
    True
    """
    if slug is not None:
        return f"linkedin:{slug}"
    key = f"{_normal(name)}|{_normal(company)}".encode()
    return f"linkedin:~{hashlib.sha256(key).hexdigest()[:12]}"


def parse_connected_on(text: str) -> date | None:
    """``15 Aug 2021`` (also ``15-Aug-2021``, ``15 August 2021``) or ISO ``2021-08-15``;
    None when it is neither.

    >>> parse_connected_on("15 Aug 2021"), parse_connected_on("2021-08-15")
    (datetime.date(2021, 8, 15), datetime.date(2021, 8, 15))
    """
    value = text.strip()
    found = _CONNECTED_ON.match(value)
    try:
        if found is not None:
            month = _MONTHS.get(found.group(2).lower())
            if month is None:
                return None
            return date(int(found.group(3)), month, int(found.group(1)))
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_sent_at(text: str) -> datetime | None:
    """``1/29/26, 2:37 PM``: month/day/year, 12-hour clock, no zone (read as UTC).

    >>> parse_sent_at("1/29/26, 2:37\\u202fPM")
    datetime.datetime(2026, 1, 29, 14, 37, tzinfo=datetime.timezone.utc)
    """
    found = _SENT_AT.match(text)
    if found is None:
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    month, day, year, hour, minute = (int(found.group(i)) for i in range(1, 6))
    second = int(found.group(6) or 0)
    if year < 100:
        year += 2000
    if not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if found.group(7).lower() == "p" else 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


# --- files --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A rejected row or a warning: the file's name, the record's first line, why."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Connection:
    line: int
    person: Person
    since: date | None


@dataclass(frozen=True, slots=True)
class InvitationRow:
    """An INCOMING invitation: a pending connection request from `requester` to the owner."""

    line: int
    requester: PersonPatch
    message: str | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReadFile:
    connections: tuple[Connection, ...] = ()
    invitations: tuple[InvitationRow, ...] = ()
    outgoing: int = 0
    rejected: tuple[RowIssue, ...] = ()
    warnings: tuple[RowIssue, ...] = ()


_CONNECTION_COLUMNS: Final = ("first name", "last name")
_INVITATION_COLUMNS: Final = ("from", "to", "sent at", "direction")


def _key(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().casefold().split())


@dataclass(frozen=True, slots=True)
class _Table:
    columns: dict[str, int]
    width: int
    rows: Iterator[CsvRecord]


def _find_header(text: str, required: Sequence[str]) -> _Table | None:
    records = read_records(text.removeprefix("\ufeff"))
    for _, record in zip(range(HEADER_SEARCH_RECORDS), records, strict=False):
        keys = [_key(cell) for cell in record.fields]
        if all(column in keys for column in required):
            columns = {key: at for at, key in reversed(list(enumerate(keys)))}
            return _Table(columns, len(keys), records)
    return None


def kind_of(text: str) -> str | None:
    """``connections``, ``invitations`` or None: which LinkedIn file `text` is."""
    if _find_header(text, _CONNECTION_COLUMNS) is not None:
        return "connections"
    if _find_header(text, _INVITATION_COLUMNS) is not None:
        return "invitations"
    return None


def not_an_export(field: str, name: str, expected: str) -> InvalidInput:
    return InvalidInput(
        field, f"{name} is not a LinkedIn export: no header with the columns {expected}"
    )


class _Rows:
    """Data rows of a table: blank ones skipped, short ones padded, broken ones rejected."""

    def __init__(self, name: str, table: _Table) -> None:
        self.name = name
        self.table = table
        self.rejected: list[RowIssue] = []
        self.warnings: list[RowIssue] = []

    def __iter__(self) -> Iterator[tuple[int, Callable[[str], str]]]:
        width, columns = self.table.width, self.table.columns
        for record in self.table.rows:
            if not record.fields or all(not f.strip() for f in record.fields):
                continue
            if not record.closed:
                self.reject(record.line, "the file ends inside a quoted field (truncated?)")
                continue
            if len(record.fields) > width:
                self.reject(record.line, f"{len(record.fields)} fields, the header has {width}")
                continue
            fields = record.fields

            def get(column: str, fields: tuple[str, ...] = fields) -> str:
                at = columns.get(column)
                return fields[at].strip() if at is not None and at < len(fields) else ""

            yield record.line, get

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(RowIssue(self.name, line, reason))

    def warn(self, line: int, reason: str) -> None:
        self.warnings.append(RowIssue(self.name, line, reason))


def _one_line(text: str) -> str:
    """A name: line breaks and runs of space inside a quoted field become one space."""
    return " ".join(text.split())


def _lines(text: str) -> str:
    """Free text: CRLF and CR line breaks inside a quoted field become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _profile(url: str, line: int, rows: _Rows) -> tuple[str | None, str | None] | None:
    """(slug, profile URL) of a URL cell; None (and the row rejected) when it is not one."""
    if not url:
        return None, None
    slug = slug_of(url)
    if slug is None:
        rows.reject(line, f"URL {url[:200]!r} is not a LinkedIn profile address (/in/<name>)")
        return None
    shown = url if re.match(r"^https?://", url, re.IGNORECASE) else f"https://{url}"
    return slug, shown


def read_connections(
    text: str, name: str = CONNECTIONS_FILE, field: str = "connectionsCsv"
) -> ReadFile:
    """Connections.csv -> connections, with rejected rows and warnings.

    Raises `InvalidInput` on `field` when `text` has no Connections header.
    """
    table = _find_header(text, _CONNECTION_COLUMNS)
    if table is None:
        raise not_an_export(field, name, "First Name, Last Name, URL, ..., Connected On")
    rows = _Rows(name, table)
    found: list[Connection] = []
    first_line: dict[str, int] = {}
    for line, get in rows:
        first, last, url = get("first name"), get("last name"), get("url")
        full = _one_line(f"{first} {last}")
        if not full and not url:
            rows.reject(line, "neither a name nor a URL")
            continue
        profile = _profile(url, line, rows)
        if profile is None:
            continue
        slug, shown = profile
        company, position = _lines(get("company")), _lines(get("position"))
        pid = person_id(slug, full, company)
        if pid in first_line:
            rows.warn(line, f"duplicate of line {first_line[pid]}: not imported")
            continue
        try:
            patch = validate_person(
                PersonFields(
                    id=pid,
                    name=full or slug or "",
                    headline=position or None,
                    company=company or None,
                    profile_url=shown,
                )
            )
        except InvalidInput as e:
            rows.reject(line, f"{e.field}: {e.reason}")
            continue
        first_line[pid] = line
        connected = get("connected on")
        since = parse_connected_on(connected) if connected else None
        if connected and since is None:
            rows.warn(line, f"Connected On {connected[:40]!r} is not a date: imported without it")
        found.append(Connection(line, patch.apply(None), since))
    return ReadFile(
        connections=tuple(found), rejected=tuple(rows.rejected), warnings=tuple(rows.warnings)
    )


def read_invitations(
    text: str, name: str = INVITATIONS_FILE, field: str = "invitationsCsv"
) -> ReadFile:
    """Invitations.csv -> the INCOMING invitations (OUTGOING ones are counted and ignored).

    Raises `InvalidInput` on `field` when `text` has no Invitations header.
    """
    table = _find_header(text, _INVITATION_COLUMNS)
    if table is None:
        raise not_an_export(field, name, "From, To, Sent At, Message, Direction")
    rows = _Rows(name, table)
    found: list[InvitationRow] = []
    outgoing = 0
    for line, get in rows:
        direction = get("direction").upper()
        if direction == "OUTGOING":
            outgoing += 1
            continue
        if direction != "INCOMING":
            rows.reject(line, f"Direction {direction[:40]!r} is not INCOMING or OUTGOING")
            continue
        requester, url = _one_line(get("from")), get("inviterprofileurl")
        if not requester and not url:
            rows.reject(line, "neither a name nor a URL in From / inviterProfileUrl")
            continue
        profile = _profile(url, line, rows)
        if profile is None:
            continue
        slug, shown = profile
        message = _lines(get("message")) or None
        if message is not None and len(message) > MESSAGE_MAX_LENGTH:
            rows.reject(line, f"Message is longer than {MESSAGE_MAX_LENGTH:,} characters")
            continue
        try:
            patch = validate_person(
                PersonFields(
                    id=person_id(slug, requester, ""),
                    name=requester or slug or "",
                    profile_url=KEEP if shown is None else shown,
                )
            )
        except InvalidInput as e:
            rows.reject(line, f"{e.field}: {e.reason}")
            continue
        sent = get("sent at")
        sent_at = parse_sent_at(sent) if sent else None
        if sent and sent_at is None:
            rows.warn(line, f"Sent At {sent[:40]!r} is not a time: imported without it")
        found.append(InvitationRow(line, patch, message, sent_at))
    return ReadFile(
        invitations=tuple(found),
        outgoing=outgoing,
        rejected=tuple(rows.rejected),
        warnings=tuple(rows.warnings),
    )

"""tiegraph's Neo4j data model as the CSV files of Neo4j's offline importer.

`neo4j-admin database import full` builds a database's store files straight from CSV: no
transactions, no Cypher. The rows below must therefore say what the Bolt path's statements
(`graph_schema.queries`) would have stored, property for property and type for type, so that
an imported database reads back exactly like a loaded one:

- ``(:Person)``: as ``IMPORT_PEOPLE_CREATE`` / ``PEOPLE_UPSERT`` write it (``id``, ``idSort``,
  ``name``, ``nameKey``, ``nameSort``; ``headline``, ``company``, ``location``, ``profileUrl``
  when not null), plus ``triagePolicy`` as ``POLICY_PUT`` writes it.
- ``[:RATED_<strength>]``: as ``RATINGS_WRITE`` writes a new rating (``createdAt`` =
  ``updatedAt`` = the batch's time, ``reviewed``, ``history``) or ``RATINGS_RESTORE`` writes an
  exported one (every property as given).
- ``[:REQUESTED]``: as ``REQUESTS_RESTORE``.
- ``(:__Load {key, batch, updatedAt})``: the checkpoint ``LOAD_CHECKPOINT_SET`` writes, so that
  `tiegraph load` of the same file afterwards finds it done.

Schema (constraints, indexes) and the ``(:__Migration)`` records are not here: the store's
first `open()` applies the migrations to the imported data as to any database.

Why the format is what it is:

- Node ids are the integers 0, 1, ... (``--id-type=integer``): the importer maps them with
  less memory than strings, and a rating row carries two short numbers instead of two ids.
  The person's id is the ``id`` property, as always.
- A null is an empty field, which the importer leaves absent, as a Cypher ``SET`` of null does;
  every string is quoted (``""`` is an empty string). Rows are formatted here rather than by
  the `csv` module: a rating's line from an f-string took a quarter of `csv.writer`'s time.
- Lists are joined with U+001F: a group label may hold any character but a control
  character, and a history entry is JSON, whose strings escape control characters.
- An empty list is an empty field, and the importer (5.26) stores no property for it where
  the Bolt path stores ``[]``: every statement reads ``groups`` and ``history`` through
  ``coalesce(..., [])``, so both read back the same.
- Temporal values are ISO 8601, date-times with ``+00:00``: stored as ``DATE`` and as a
  ``ZONED DATETIME`` of offset ``Z``, as the driver stores a `date` and an aware UTC
  `datetime`. Integers are ``long``, booleans ``true``/``false``.
- A file with a value spanning lines is named to ``--multiline-fields`` (format v2); the
  others are read with the fast, line-based parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Final

from graph_schema.queries import STRENGTHS, rating_type
from service import versions
from service.domain import Person, Rating, RatingDraft, name_key, sort_key
from service.requests import ConnectionRequest

ARRAY_DELIMITER: Final = "\x1f"

PERSON_LABEL: Final = "Person"
LOAD_LABEL: Final = "__Load"
REQUEST_TYPE: Final = "REQUESTED"

PEOPLE_HEADER: Final = (
    ":ID", ":LABEL", "id", "idSort", "name", "nameKey", "nameSort",
    "headline", "company", "location", "profileUrl", "triagePolicy",
)  # fmt: skip
RATINGS_HEADER: Final = (
    ":START_ID", ":END_ID", ":TYPE", "strength:long", "groups:string[]", "context",
    "visibility", "since:date", "lastInteraction:date", "createdAt:datetime",
    "updatedAt:datetime", "reviewed:boolean", "history:string[]",
)  # fmt: skip
REQUESTS_HEADER: Final = (
    ":START_ID", ":END_ID", ":TYPE", "id", "message", "sentAt:datetime", "status",
    "respondedAt:datetime",
)  # fmt: skip
LOAD_HEADER: Final = (":ID", ":LABEL", "key", "batch:long", "updatedAt:datetime")

# A rating's line up to its groups, by strength: ``RATED_2,2,``.
_HEADS: Final = {s: f"{rating_type(s)},{s}," for s in STRENGTHS}
_BOOLEAN: Final = {True: "true", False: "false"}


def timestamp(value: datetime) -> str:
    """A date-time as the importer reads it into a ``ZONED DATETIME`` at offset ``Z``.

    >>> timestamp(datetime(2026, 11, 27, 10, 0, 0, 250, tzinfo=UTC))
    '2026-11-27T10:00:00.000250+00:00'
    """
    return value.astimezone(UTC).isoformat()


def text(value: str | None) -> str:
    """A string field: quoted, quotes doubled; null is the empty field.

    >>> text('say "hi", then go'), text(""), text(None)
    ('"say ""hi"", then go"', '""', '')
    """
    if value is None:
        return ""
    return '"' + value.replace('"', '""') + '"'


def text_list(items: Iterable[str]) -> str:
    """A ``string[]`` field; an empty list is the empty field (no property).

    >>> text_list(["Friends", "Old colleagues"]).split(ARRAY_DELIMITER)
    ['"Friends', 'Old colleagues"']
    >>> text_list([])
    ''
    """
    joined = ARRAY_DELIMITER.join(items)
    return text(joined) if joined else ""


def line(*values: str | int | None) -> str:
    """One row: strings quoted, numbers as they are, null empty.

    >>> line(7, "Person", None, "Ann").rstrip()
    '7,"Person",,"Ann"'
    """
    return ",".join(str(v) if isinstance(v, int) else text(v) for v in values) + "\n"


class _Memo(dict[Any, str]):
    """A field's text by value: a file repeats a few dates and group lists everywhere, and
    looking one up costs less than formatting it again."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__({None: ""})
        self._make = make

    def __missing__(self, key: Any) -> str:
        value = self[key] = self._make(key)
        return value


def _multiline(*texts: str | None) -> bool:
    return any(t is not None and ("\n" in t or "\r" in t) for t in texts)


class ImportFiles:
    """The CSV files of one import in `directory`, written row by row.

    `importer_args()` are the importer's options that read them back as this module means.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.people_path = directory / "people.csv"
        self.ratings_path = directory / "ratings.csv"
        self.requests_path = directory / "requests.csv"
        self.load_path = directory / "load.csv"
        self._people = self._open(self.people_path, PEOPLE_HEADER)
        self._ratings = self._open(self.ratings_path, RATINGS_HEADER)
        self._requests = self._open(self.requests_path, REQUESTS_HEADER)
        self._load = self._open(self.load_path, LOAD_HEADER)
        self._multiline: set[Path] = set()
        self._days = _Memo(date.isoformat)
        self._groups = _Memo(text_list)
        self._visibilities = _Memo(lambda v: v.value)

    @staticmethod
    def _open(path: Path, header: tuple[str, ...]) -> IO[str]:
        # newline="": a value's "\n" is written as it is, inside its quotes.
        file = path.open("w", encoding="utf-8", newline="")
        file.write(",".join(header) + "\n")
        return file

    # --- rows ---------------------------------------------------------------------------

    def person(self, node: int, person: Person, policy: str | None = None) -> None:
        """A ``(:Person)`` node, with the owner's triage policy (JSON text) when it has one."""
        if _multiline(person.name, person.headline, person.company, person.location):
            self._multiline.add(self.people_path)
        self._people.write(line(
            node, PERSON_LABEL, person.id, sort_key(person.id), person.name,
            name_key(person.name), sort_key(person.name), person.headline, person.company,
            person.location, person.profile_url, policy,
        ))  # fmt: skip

    def new_ratings(self, rows: Iterable[tuple[int, int, RatingDraft]], now: datetime) -> None:
        """Ratings first written by this load at `now`: created and updated then, no history
        (as ``RATINGS_WRITE`` writes a rating the pair did not have).

        The hot path of an import: one call per batch, each field looked up rather than
        formatted, one f-string a rating.
        """
        days, groups, visibilities, heads = self._days, self._groups, self._visibilities, _HEADS
        stamp = timestamp(now)
        tails = {flag: f"{stamp},{stamp},{word},\n" for flag, word in _BOOLEAN.items()}
        out = []
        for start, end, r in rows:
            context = r.context
            if context is not None and _multiline(context):
                self._multiline.add(self.ratings_path)
            out.append(
                f"{start},{end},{heads[r.strength]}{groups[r.groups]},{text(context)},"
                f"{visibilities[r.visibility]},{days[r.since]},{days[r.last_interaction]},"
                f"{tails[r.reviewed]}"
            )
        self._ratings.write("".join(out))

    def rating(self, start: int, end: int, rating: Rating) -> None:
        """Any rating, its history included (a restored or a replaced one)."""
        if _multiline(rating.context):
            self._multiline.add(self.ratings_path)
        self._ratings.write(
            f"{start},{end},{_HEADS[rating.strength]}{text_list(rating.groups)},"
            f"{text(rating.context)},{rating.visibility.value},{self._days[rating.since]},"
            f"{self._days[rating.last_interaction]},{timestamp(rating.created_at)},"
            f"{timestamp(rating.updated_at)},{_BOOLEAN[rating.reviewed]},"
            f"{text_list(versions.encode(v) for v in rating.history)}\n"
        )

    def request(self, start: int, end: int, request: ConnectionRequest) -> None:
        """A ``[:REQUESTED]`` relationship."""
        if _multiline(request.message):
            self._multiline.add(self.requests_path)
        responded = request.responded_at
        self._requests.write(
            f"{start},{end},{REQUEST_TYPE},{text(request.id)},{text(request.message)},"
            f"{timestamp(request.sent_at)},{request.status.value},"
            f"{'' if responded is None else timestamp(responded)}\n"
        )

    def checkpoint(self, node: int, key: str, batch: int, updated_at: datetime) -> None:
        """The ``(:__Load)`` node of a load whose batches up to `batch` are in."""
        self._load.write(f"{node},{LOAD_LABEL},{text(key)},{batch},{timestamp(updated_at)}\n")

    # --- the importer -------------------------------------------------------------------

    def close(self) -> None:
        for file in (self._people, self._ratings, self._requests, self._load):
            file.close()

    def importer_args(self) -> list[str]:
        """The options of ``neo4j-admin database import full`` that read these files."""
        args = [
            "--id-type=integer",
            f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
            # Every row was checked before it was written: a row the importer still refuses
            # is a bug here, and must fail the import rather than be skipped.
            "--bad-tolerance=0",
            f"--nodes={self.people_path}",
            f"--nodes={self.load_path}",
            f"--relationships={self.ratings_path}",
            f"--relationships={self.requests_path}",
        ]
        if self._multiline:
            args.append("--multiline-fields-format=v2")
            args.append("--multiline-fields=" + ",".join(map(str, sorted(self._multiline))))
        return args

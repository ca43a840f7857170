"""The LinkedIn reader: its CSV against Python's `csv`, and every quirk of the real files."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import linkedin
from service.errors import InvalidInput

FIXTURES = Path(__file__).parent / "fixtures" / "linkedin"

# Any text, line breaks, quotes and commas weighted up: they are what a CSV reader gets wrong.
cell = st.text(
    alphabet=st.one_of(
        st.sampled_from(['"', ",", "\n", "\r", " ", "a", "é", "\u2028"]),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=12,
)
row = st.lists(cell, min_size=1, max_size=6)


def python_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@settings(max_examples=400, deadline=None)
@given(rows=st.lists(row, max_size=8), terminator=st.sampled_from(["\r\n", "\n"]),
       minimal=st.booleans())  # fmt: skip
def test_records_are_what_python_csv_reads(
    rows: list[list[str]], terminator: str, minimal: bool
) -> None:
    out = io.StringIO(newline="")
    quoting = csv.QUOTE_MINIMAL if minimal else csv.QUOTE_ALL
    csv.writer(out, lineterminator=terminator, quoting=quoting).writerows(rows)
    text = out.getvalue()
    mine = [list(r.fields) for r in linkedin.read_records(text)]
    assert mine == python_csv(text)


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(['"', ",", "\n", "\r", "a", "b", " "]), max_size=40))
def test_any_text_with_balanced_quotes_reads_as_python_csv_does(text: str) -> None:
    records = list(linkedin.read_records(text))
    # An unclosed quoted field: `csv` returns what it read; we do too, and flag the record.
    assert all(r.closed for r in records[:-1])
    try:
        expected = python_csv(text)
    except csv.Error:
        return
    assert [list(r.fields) for r in records] == expected


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(row, min_size=1, max_size=8), terminator=st.sampled_from(["\r\n", "\n", "\r"]))
def test_each_record_starts_on_its_first_physical_line(
    rows: list[list[str]], terminator: str
) -> None:
    pieces = []
    for fields in rows:
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator=terminator, quoting=csv.QUOTE_ALL).writerow(fields)
        pieces.append(out.getvalue())
    text = "".join(pieces)
    starts, line = [], 1
    for piece in pieces:
        starts.append(line)
        line += piece.count("\r\n") + piece.replace("\r\n", "").count("\r")
        line += piece.replace("\r\n", "").count("\n")
    assert [r.line for r in linkedin.read_records(text)] == starts


def test_a_file_that_ends_inside_quotes_is_an_open_record() -> None:
    records = list(linkedin.read_records('a,b\nc,"half a\nfield'))
    assert [(r.line, r.closed) for r in records] == [(1, True), (2, False)]
    assert records[1].fields == ("c", "half a\nfield")


# --- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://www.linkedin.com/in/john-doe-1a2b3c/", "john-doe-1a2b3c"),
        ("https://www.linkedin.com/in/John-Doe-1A2B3C", "john-doe-1a2b3c"),
        ("http://linkedin.com/in/j%C3%BCrgen/?trk=x", "jürgen"),
        ("www.linkedin.com/in/ana", "ana"),
        ("https://de.linkedin.com/in/Kai%2DX/", "kai-x"),
        ("https://example.com/in/ana", None),
        ("https://www.linkedin.com/company/acme", None),
        ("https://www.linkedin.com/in/", None),
    ],
)
def test_slug_of(url: str, slug: str | None) -> None:
    assert linkedin.slug_of(url) == slug


def test_ids_without_url_are_stable_and_normalised() -> None:
    a = linkedin.person_id(None, "Ana  Ortiz", "ACME Inc.")
    assert a == linkedin.person_id(None, "ana ortiz", "acme inc.")
    assert a != linkedin.person_id(None, "Ana Ortiz", "Globex")
    assert a.startswith("linkedin:~") and len(a) == len("linkedin:~") + 12
    assert linkedin.person_id("ana-1", "x", "y") == "linkedin:ana-1"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("15 Aug 2021", date(2021, 8, 15)),
        ("2021-08-15", date(2021, 8, 15)),
        ("01 Feb 2022", date(2022, 2, 1)),
        ("31 Feb 2022", None),
        ("15 Foo 2021", None),
        ("yesterday", None),
    ],
)
def test_connected_on(text: str, day: date | None) -> None:
    assert linkedin.parse_connected_on(text) == day


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("1/29/26, 2:37 PM", datetime(2026, 1, 29, 14, 37, tzinfo=UTC)),
        ("12/3/25, 12:05 AM", datetime(2025, 12, 3, 0, 5, tzinfo=UTC)),
        ("12/3/25, 12:05 PM", datetime(2025, 12, 3, 12, 5, tzinfo=UTC)),
        ("2/1/26, 11:59\u202fPM", datetime(2026, 2, 1, 23, 59, tzinfo=UTC)),
        ("13/29/26, 2:37 PM", None),
        ("1/29/26, 13:37 PM", None),
        ("soon", None),
    ],
)
def test_sent_at(text: str, when: datetime | None) -> None:
    assert linkedin.parse_sent_at(text) == when


# --- files -------------------------------------------------------------------------------


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_connections_with_every_quirk() -> None:
    read = linkedin.read_connections(fixture("Connections.csv"))
    by_id = {c.person.id: c for c in read.connections}
    assert set(by_id) == {
        "linkedin:ana-ortiz-1a2b3c",
        "linkedin:jürgen-müller-42",
        linkedin.person_id(None, "Bob Stone", "Globex"),
        "linkedin:no-name-7",
        "linkedin:cleo-park",
        "linkedin:eve-long",
    }
    ana = by_id["linkedin:ana-ortiz-1a2b3c"]
    assert ana.line == 5
    assert ana.person.name == "Ana Ortiz"
    assert ana.person.company == "Acme, Inc."
    assert ana.person.headline == "Staff Engineer"
    assert ana.person.profile_url == "https://www.linkedin.com/in/Ana-Ortiz-1a2b3c/"
    assert ana.since == date(2021, 8, 15)
    jurgen = by_id["linkedin:jürgen-müller-42"]
    assert (jurgen.line, jurgen.person.headline) == (6, 'Head of "Platform"\nand Infra')
    assert by_id["linkedin:no-name-7"].person.name == "no-name-7"
    assert by_id["linkedin:eve-long"].person.name == "Eve Long Name"
    assert by_id["linkedin:eve-long"].line == 15
    assert by_id[linkedin.person_id(None, "Bob Stone", "Globex")].since == date(2020, 3, 1)
    assert by_id["linkedin:cleo-park"].since is None
    assert [(i.file, i.line) for i in read.rejected] == [
        ("Connections.csv", 10),
        ("Connections.csv", 13),
    ]
    assert [(i.line, i.reason.split(":")[0]) for i in read.warnings] == [
        (11, "duplicate of line 5"),
        (12, "Connected On 'sometime in 2020' is not a date"),
    ]


def test_old_exports_have_no_url_column() -> None:
    read = linkedin.read_connections(fixture("Connections-old.csv"), "old.csv")
    assert [c.person.name for c in read.connections] == ["Fay Wong", "Gus"]
    assert all(c.person.id.startswith("linkedin:~") for c in read.connections)
    assert [(w.file, w.line, w.reason) for w in read.warnings] == [
        ("old.csv", 4, "duplicate of line 2: not imported")
    ]


def test_a_row_with_more_fields_than_the_header_is_rejected_and_fewer_are_padded() -> None:
    text = "First Name,Last Name,URL\nAna,O,,extra\nBo\n"
    read = linkedin.read_connections(text)
    assert [(r.line, r.reason) for r in read.rejected] == [(2, "4 fields, the header has 3")]
    assert [c.person.name for c in read.connections] == ["Bo"]


def test_a_truncated_connections_file_rejects_its_last_record() -> None:
    text = fixture("Connections.csv")
    cut = text[: text.index("Long") + 2]
    read = linkedin.read_connections(cut)
    assert read.rejected[-1].line == 15
    assert "truncated" in read.rejected[-1].reason


@pytest.mark.parametrize(
    "text", ["", "hello,world\n1,2\n", '\ufeffNotes:\n"just notes"\n', "From,To\nx,y\n"]
)
def test_text_without_a_connections_header_is_bad_input(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        linkedin.read_connections(text)
    assert raised.value.field == "connectionsCsv"
    assert "not a LinkedIn export" in raised.value.reason


def test_invitations() -> None:
    read = linkedin.read_invitations(fixture("Invitations.csv"))
    assert read.outgoing == 1
    assert [(i.line, i.requester.id, i.requester.name) for i in read.invitations] == [
        (2, "linkedin:hana-lee-9", "Hana Lee"),
        (5, linkedin.person_id(None, "Jo Kim", ""), "Jo Kim"),
        (6, "linkedin:kai-x", "Kai"),
    ]
    hana, jo, kai = read.invitations
    assert hana.message == "Hi! I read your article on graphs,\nwould love to connect."
    assert hana.sent_at == datetime(2026, 1, 29, 14, 37, tzinfo=UTC)
    assert hana.requester.profile_url == "https://www.linkedin.com/in/hana-lee-9/"
    assert jo.sent_at == datetime(2026, 2, 1, 23, 59, tzinfo=UTC)
    assert kai.sent_at is None
    assert [(w.line, w.reason.split(" is ")[0]) for w in read.warnings] == [
        (6, "Sent At 'yesterday'")
    ]
    assert [(r.file, r.line) for r in read.rejected] == [("Invitations.csv", 7)]
    with pytest.raises(InvalidInput):
        linkedin.read_invitations(fixture("Connections.csv"))


def test_kind_of() -> None:
    assert linkedin.kind_of(fixture("Connections.csv")) == "connections"
    assert linkedin.kind_of(fixture("Invitations.csv")) == "invitations"
    assert linkedin.kind_of("a,b\n") is None

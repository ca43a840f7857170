"""LinkedIn import, review and rating history on every store (`store` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from service import contacts, imports, linkedin, review
from service.domain import PersonFields, RatingDraft, RatingFields, Role, Viewer, Visibility
from service.errors import Forbidden, InvalidInput, NotFound
from service.imports import CsvText, ImportOptions
from service.store.base import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "linkedin"
ADMIN = Viewer("root", Role.ADMIN)
OWNER = "owner"
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def connections(text: str) -> CsvText:
    return CsvText("Connections.csv", text, "connectionsCsv")


def fixture(name: str) -> CsvText:
    return connections((FIXTURES / name).read_text(encoding="utf-8"))


async def with_owner(store: Store) -> None:
    await contacts.upsert_people(store, ADMIN, [PersonFields(id=OWNER, name="Owner")])


async def run(store: Store, csv: CsvText, **options: object) -> imports.ImportReport:
    return await imports.import_linkedin(
        store,
        ADMIN,
        ImportOptions(owner=OWNER, **options),
        csv,  # type: ignore[arg-type]
    )


async def everything(store: Store) -> list[object]:
    items: list[object] = []
    await store.export_snapshot(items.append)
    return items


async def test_an_import_creates_people_and_unreviewed_ratings(store: Store) -> None:
    await with_owner(store)
    report = await run(store, fixture("Connections.csv"))
    assert (report.people_created, report.people_updated) == (6, 0)
    assert (report.ratings_created, report.ratings_kept) == (6, 0)
    assert [(r.line, r.file) for r in report.rejected] == [
        (10, "Connections.csv"),
        (13, "Connections.csv"),
    ]
    assert [w.line for w in report.warnings] == [11, 12]
    ana = await contacts.rating(store, ADMIN, OWNER, "linkedin:ana-ortiz-1a2b3c")
    assert ana is not None
    assert (ana.strength, ana.groups, ana.visibility) == (4, ("LinkedIn",), Visibility.CONNECTIONS)
    assert (ana.since, ana.reviewed, ana.history) == (date(2021, 8, 15), False, ())
    people = await store.get_people(["linkedin:ana-ortiz-1a2b3c"])
    assert people["linkedin:ana-ortiz-1a2b3c"].company == "Acme, Inc."


async def test_import_options_are_applied(store: Store) -> None:
    await with_owner(store)
    await run(
        store,
        fixture("Connections-old.csv"),
        strength=5,
        groups=("Met once", "Met once", " Old "),
        visibility=Visibility.PRIVATE,
    )
    page = await review.to_review(store, ADMIN, OWNER)
    assert {(r.strength, r.groups, r.visibility) for r in page.items} == {
        (5, ("Met once", "Old"), Visibility.PRIVATE)
    }


async def test_the_same_file_twice_changes_nothing_the_second_time(store: Store) -> None:
    await with_owner(store)
    await run(store, fixture("Connections.csv"))
    before = await everything(store)
    again = await run(store, fixture("Connections.csv"))
    assert (again.people_created, again.people_updated, again.ratings_created) == (0, 0, 0)
    assert again.ratings_kept == 6
    assert await everything(store) == before


async def test_a_newer_export_adds_rows_updates_people_and_keeps_the_owners_ratings(
    store: Store,
) -> None:
    await with_owner(store)
    await run(
        store, connections(HEADER + "Ana,Ortiz,https://www.linkedin.com/in/ana/,,Acme,Dev,\n")
    )
    await contacts.rate_connection(
        store, ADMIN, RatingFields(from_id=OWNER, to_id="linkedin:ana", strength=1)
    )
    newer = connections(
        HEADER
        + "Ana,Ortiz,https://www.linkedin.com/in/ana/,,Globex,CTO,\n"
        + "Bo,Li,https://www.linkedin.com/in/bo/,,,,\n"
    )
    report = await run(store, newer)
    assert (report.people_created, report.people_updated) == (1, 1)
    assert (report.ratings_created, report.ratings_kept) == (1, 1)
    ana = (await store.get_people(["linkedin:ana"]))["linkedin:ana"]
    assert (ana.company, ana.headline) == ("Globex", "CTO")
    rating = await contacts.rating(store, ADMIN, OWNER, "linkedin:ana")
    assert rating is not None and (rating.strength, rating.reviewed) == (1, True)


async def test_rating_again_confirms_and_keeps_history_across_strengths(store: Store) -> None:
    await with_owner(store)
    await run(store, connections(HEADER + "Ana,Ortiz,https://www.linkedin.com/in/ana/,,,,\n"))
    imported = await contacts.rating(store, ADMIN, OWNER, "linkedin:ana")
    assert imported is not None and not imported.reviewed
    first = await contacts.rate_connection(
        store,
        ADMIN,
        RatingFields(from_id=OWNER, to_id="linkedin:ana", strength=2, groups=["Friends"]),
    )
    assert first.reviewed
    assert [(v.strength, v.groups, v.visibility) for v in first.history] == [
        (4, ("LinkedIn",), Visibility.CONNECTIONS)
    ]
    assert first.history[0].changed_at == imported.updated_at
    await asyncio.sleep(0.01)
    # Same strength (no retype on Neo4j), then a batch write with a new strength.
    await contacts.rate_connection(
        store,
        ADMIN,
        RatingFields(from_id=OWNER, to_id="linkedin:ana", strength=2, visibility=Visibility.PUBLIC),
    )
    (last,) = await contacts.rate_connections(
        store, ADMIN, [RatingFields(from_id=OWNER, to_id="linkedin:ana", strength=1)]
    )
    assert [(v.strength, v.visibility) for v in last.history] == [
        (4, Visibility.CONNECTIONS),
        (2, Visibility.CONNECTIONS),
        (2, Visibility.PUBLIC),
    ]
    assert last.history[1].changed_at == first.updated_at
    stored = await contacts.rating(store, ADMIN, OWNER, "linkedin:ana")
    assert stored == last
    assert stored.created_at == imported.created_at
    assert (await review.to_review(store, ADMIN, OWNER)).items == ()


async def test_ratings_made_normally_are_reviewed_without_history(store: Store) -> None:
    await contacts.upsert_people(
        store, ADMIN, [PersonFields(id="a", name="A"), PersonFields(id="b", name="B")]
    )
    made = await contacts.rate_connection(
        store, ADMIN, RatingFields(from_id="a", to_id="b", strength=3)
    )
    assert (made.reviewed, made.history) == (True, ())


async def test_to_review_orders_by_since_newest_first_and_pages(store: Store) -> None:
    await with_owner(store)
    rows = [
        "A,A,https://www.linkedin.com/in/a/,,,,01 Jan 2020",
        "B,B,https://www.linkedin.com/in/b/,,,,",
        "C,C,https://www.linkedin.com/in/c/,,,,15 Aug 2021",
        "D,D,https://www.linkedin.com/in/d/,,,,01 Jan 2020",
        "E,E,https://www.linkedin.com/in/e/,,,,",
    ]
    await run(store, connections(HEADER + "\n".join(rows) + "\n"))
    await contacts.rate_connection(
        store, ADMIN, RatingFields(from_id=OWNER, to_id="linkedin:d", strength=2)
    )
    seen, after = [], None
    while True:
        page = await review.to_review(store, ADMIN, OWNER, first=1, after=after)
        seen += [r.to_id for r in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == ["linkedin:c", "linkedin:a", "linkedin:b", "linkedin:e"]
    whole = await review.to_review(store, ADMIN, OWNER)
    assert [r.to_id for r in whole.items] == seen and whole.next_cursor is None


async def test_to_review_and_import_follow_the_owner_rules(store: Store) -> None:
    await with_owner(store)
    alice = Viewer("alice", Role.USER)
    with pytest.raises(Forbidden):
        await review.to_review(store, alice, OWNER)
    with pytest.raises(Forbidden):
        await imports.import_linkedin(
            store, alice, ImportOptions(owner=OWNER), fixture("Connections.csv")
        )
    with pytest.raises(InvalidInput) as raised:
        await imports.import_linkedin(
            store, Viewer.dev(), ImportOptions(), fixture("Connections.csv")
        )
    assert raised.value.field == "owner"
    as_owner = await imports.import_linkedin(
        store, Viewer(OWNER, Role.USER), ImportOptions(), fixture("Connections-old.csv")
    )
    assert as_owner.ratings_created == 2


@pytest.mark.parametrize(
    ("csv", "field"),
    [
        (connections("name,email\nAna,a@b.c\n"), "connectionsCsv"),
        (CsvText("Invitations.csv", "hello\n", "invitationsCsv"), "invitationsCsv"),
    ],
)
async def test_a_file_that_is_not_an_export_writes_nothing(
    store: Store, csv: CsvText, field: str
) -> None:
    await with_owner(store)
    before = await everything(store)
    good = fixture("Connections.csv")
    with pytest.raises(InvalidInput) as raised:
        if field == "connectionsCsv":
            await imports.import_linkedin(store, ADMIN, ImportOptions(owner=OWNER), csv)
        else:
            await imports.import_linkedin(store, ADMIN, ImportOptions(owner=OWNER), good, csv)
    assert raised.value.field == field
    assert await everything(store) == before


async def test_bad_options_and_a_missing_owner_write_nothing(store: Store) -> None:
    good = fixture("Connections.csv")
    with pytest.raises(NotFound):
        await run(store, good)
    await with_owner(store)
    with pytest.raises(InvalidInput):
        await run(store, good, strength=0)
    with pytest.raises(InvalidInput):
        await run(store, good, groups=("x" * 65,))
    assert len(await everything(store)) == 1


async def test_the_owners_own_row_is_rejected(store: Store) -> None:
    await contacts.upsert_people(store, ADMIN, [PersonFields(id="linkedin:me", name="Me")])
    report = await imports.import_linkedin(
        store,
        ADMIN,
        ImportOptions(owner="linkedin:me"),
        connections(HEADER + "Me,Myself,https://www.linkedin.com/in/ME/,,,,\n"),
    )
    assert [(r.line, r.reason) for r in report.rejected] == [(2, "the owner themselves")]
    assert report.ratings_created == 0


async def test_an_import_is_one_transaction(store: Store) -> None:
    """A rating that cannot be written (a person deleted between reading and writing is the
    real-world case; here a draft naming nobody) leaves none of the batch behind."""
    from service.domain import Person, RatingDraft
    from service.store.base import ImportBatch

    await with_owner(store)
    batch = ImportBatch(
        people=(Person("linkedin:x", "X"),),
        ratings=(
            RatingDraft(OWNER, "linkedin:x", 4, reviewed=False),
            RatingDraft(OWNER, "nobody", 4, reviewed=False),
        ),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(NotFound):
        await store.import_network(batch)
    assert await store.get_people(["linkedin:x"]) == {}


async def test_incoming_invitations_become_pending_requests_in_the_same_import(
    store: Store,
) -> None:
    from service.requests import RequestStatus

    await with_owner(store)
    invitations = CsvText(
        "Invitations.csv", (FIXTURES / "Invitations.csv").read_text("utf-8"), "invitationsCsv"
    )
    report = await imports.import_linkedin(
        store, ADMIN, ImportOptions(owner=OWNER), fixture("Connections.csv"), invitations
    )
    assert (report.people_created, report.requests_created) == (9, 3)
    pending = await store.list_requests(OWNER, RequestStatus.PENDING, 10, None)
    assert {r.from_id for r in pending} == {
        "linkedin:hana-lee-9",
        linkedin.person_id(None, "Jo Kim", ""),
        "linkedin:kai-x",
    }
    hana = next(r for r in pending if r.from_id == "linkedin:hana-lee-9")
    assert hana.sent_at == datetime(2026, 1, 29, 14, 37, tzinfo=UTC)
    people = await store.get_people(["linkedin:hana-lee-9"])
    assert people["linkedin:hana-lee-9"].profile_url == "https://www.linkedin.com/in/hana-lee-9/"
    again = await imports.import_linkedin(
        store, ADMIN, ImportOptions(owner=OWNER), fixture("Connections.csv"), invitations
    )
    assert (again.people_created, again.requests_created) == (0, 0)
    assert len(await store.list_requests(OWNER, RequestStatus.PENDING, 10, None)) == 3
    # An invitation the owner answered is not filed again by the same file.
    await store.answer_request(hana.id, RequestStatus.DECLINED, None, datetime.now(UTC))
    third = await imports.import_linkedin(
        store, ADMIN, ImportOptions(owner=OWNER), None, invitations
    )
    assert third.requests_created == 0
    pending = await store.list_requests(OWNER, RequestStatus.PENDING, 10, None)
    assert "linkedin:hana-lee-9" not in {r.from_id for r in pending}


async def test_requests_are_in_the_import_transaction(store: Store) -> None:
    """A request to an owner who does not exist fails the whole import batch."""
    from service.domain import Person
    from service.requests import RequestDraft
    from service.store.base import ImportBatch

    await with_owner(store)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    batch = ImportBatch(
        people=(Person("linkedin:x", "X"),),
        ratings=(RatingDraft(OWNER, "linkedin:x", 4, reviewed=False),),
        now=now,
        requesters=(Person("linkedin:r", "R"),),
        requests=(RequestDraft("r-1", "linkedin:r", "nobody", None, now),),
    )
    with pytest.raises(Exception):  # noqa: B017 - each store names the missing person its way
        await store.import_network(batch)
    assert await store.get_people(["linkedin:x", "linkedin:r"]) == {}

"""A LinkedIn export of 30,000 connections (LinkedIn's own limit) imports into the test Neo4j in
one go (issue 8): its one transaction fits the memory `scripts/neo4j-local` allows by default,
and a second import of the same file changes nothing. Counts, not timing (bench/RESULTS.md has
the figures).

Needs a real Neo4j (TIEGRAPH_NEO4J_*); without one these tests fail, never skip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from neo4j import AsyncGraphDatabase

from service import contacts, imports
from service.domain import PersonFields, RatingFields, Role, Viewer
from service.imports import CsvText, ImportOptions
from service.store.base import Store
from tests.conftest import neo4j_settings, wipe_neo4j

pytestmark = pytest.mark.neo4j

ADMIN = Viewer("root", Role.ADMIN)
OWNER = "owner"
ROWS = 30_000
INVITATIONS = 200
# A connection the owner rated before importing: the import must keep that rating as it is.
RATED_BEFORE = 123


def url(i: int) -> str:
    return f"https://www.linkedin.com/in/person-{i}-{i:x}/"


def connections_csv() -> str:
    """LinkedIn's shape: BOM and `Notes:` preamble, quoted commas and line breaks."""
    lines = [
        '\ufeffNotes:\r\n"When exporting your connection data, you may notice that some of the '
        'email addresses are missing."\r\n\r\n',
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n",
    ]
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    for i in range(ROWS):
        company = f'"Company {i % 1200}, Inc."' if i % 3 else f"Company {i % 1200}"
        position = '"Head of ""Things""\r\nand more"' if i % 11 == 0 else f"Role {i % 300}"
        day = f"{i % 28 + 1:02d} {months[i % 12]} {2008 + i % 19}"
        lines.append(f"First{i},Last{i % 997},{url(i)},,{company},{position},{day}\r\n")
    return "".join(lines)


def invitations_csv() -> str:
    """INCOMING invitations of people who are not connections yet."""
    lines = ["From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\r\n"]
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for i in range(INVITATIONS):
        at = (start + timedelta(hours=i)).strftime("%-m/%-d/%y, %-I:%M %p")
        inviter = f"https://www.linkedin.com/in/inviter-{i}/"
        lines.append(f'Inviter {i},Owner,"{at}",Hello {i},INCOMING,{inviter},\r\n')
    return "".join(lines)


@pytest_asyncio.fixture
async def store(neo4j_store: Store) -> AsyncIterator[Store]:
    """The session's Neo4j store, wiped before (by `neo4j_store`) and after the test."""
    yield neo4j_store
    await wipe_neo4j(neo4j_settings())  # leave no 30,000 people to the next test


async def graph_counts() -> dict[str, int]:
    """What is in the graph, read with Cypher of its own (not through the store)."""
    settings = neo4j_settings()
    auth = (settings["user"] or "", settings["password"] or "") if settings["user"] else None
    async with AsyncGraphDatabase.driver(settings["uri"] or "", auth=auth) as driver:
        records, _, _ = await driver.execute_query(
            """
            MATCH (o:Person {id: $owner})
            RETURN COUNT { (:Person) } AS people,
                   COUNT { (o)-[:RATED_4]->(:Person) } AS rated4,
                   COUNT { (o)-[r]->(:Person) WHERE type(r) STARTS WITH 'RATED_' } AS rated,
                   COUNT { (o)-[r]->() WHERE r.reviewed = false } AS unreviewed,
                   COUNT { ()-[r:REQUESTED {status: 'PENDING'}]->(o) } AS pending,
                   COUNT { ()-[r]->() } AS relationships
            """,
            owner=OWNER,
            database_=settings["database"],
        )
    return dict(records[0])


async def test_a_30000_connection_export_imports_in_one_go_and_again_changes_nothing(
    store: Store,
) -> None:
    linkedin_id = f"linkedin:person-{RATED_BEFORE}-{RATED_BEFORE:x}"
    await contacts.upsert_people(
        store,
        ADMIN,
        [PersonFields(id=OWNER, name="Owner"), PersonFields(id=linkedin_id, name="Known")],
    )
    await contacts.rate_connection(
        store, ADMIN, RatingFields(from_id=OWNER, to_id=linkedin_id, strength=1)
    )
    files = (
        CsvText("Connections.csv", connections_csv(), "PATH"),
        CsvText("Invitations.csv", invitations_csv(), "PATH"),
    )

    first = await imports.import_linkedin(store, ADMIN, ImportOptions(owner=OWNER), *files)

    assert (first.people_created, first.people_updated) == (ROWS - 1 + INVITATIONS, 1)
    assert (first.ratings_created, first.ratings_kept) == (ROWS - 1, 1)
    assert first.requests_created == INVITATIONS
    assert first.rejected == ()
    expected = {
        "people": 1 + ROWS + INVITATIONS,
        "rated4": ROWS - 1,
        "rated": ROWS,
        "unreviewed": ROWS - 1,
        "pending": INVITATIONS,
        "relationships": ROWS + INVITATIONS,
    }
    assert await graph_counts() == expected
    kept = await contacts.rating(store, ADMIN, OWNER, linkedin_id)
    assert kept is not None and (kept.strength, kept.reviewed) == (1, True)
    imported = await contacts.rating(store, ADMIN, OWNER, "linkedin:person-7-7")
    assert imported is not None and (imported.strength, imported.reviewed) == (4, False)
    assert imported.groups == ("LinkedIn",)

    again = await imports.import_linkedin(store, ADMIN, ImportOptions(owner=OWNER), *files)

    assert (again.people_created, again.people_updated) == (0, 0)
    assert (again.ratings_created, again.ratings_kept) == (0, ROWS)
    assert again.requests_created == 0
    assert await graph_counts() == expected

"""`importLinkedIn`, `toReview`, `Rating.reviewed` / `history` through the real ASGI app."""

from __future__ import annotations

from pathlib import Path

from service.domain import Role
from tests.support.api import Api, token_for

FIXTURES = Path(__file__).parents[1] / "fixtures" / "linkedin"

IMPORT = """
mutation ($input: LinkedInImportInput!) {
  importLinkedIn(input: $input) {
    peopleCreated peopleUpdated ratingsCreated ratingsKept requestsCreated
    rejected { file line reason }
    warnings { file line reason }
  }
}
"""
TO_REVIEW = """
query ($owner: ID, $first: Int, $after: String) {
  toReview(owner: $owner, first: $first, after: $after) {
    items { to { id name company } strength groups visibility since reviewed }
    nextCursor
  }
}
"""
RATING = """
query ($from: ID!, $to: ID!) {
  rating(from: $from, to: $to) {
    strength reviewed history { strength groups visibility changedAt } updatedAt
  }
}
"""


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


async def test_import_then_review_then_confirm(seeded_api: Api) -> None:
    variables = {
        "input": {
            "owner": "alice",
            "connectionsCsv": text("Connections.csv"),
            "invitationsCsv": text("Invitations.csv"),
        }
    }
    report = (await seeded_api.data(IMPORT, variables))["importLinkedIn"]
    assert report["peopleCreated"] == 9  # 6 connections, 3 requesters
    assert (report["ratingsCreated"], report["ratingsKept"]) == (6, 0)
    assert report["requestsCreated"] == 3
    assert report["rejected"] == [
        {"file": "Connections.csv", "line": 10, "reason": "neither a name nor a URL"},
        {
            "file": "Connections.csv",
            "line": 13,
            "reason": "URL 'http://example.com/dan' is not a LinkedIn profile address (/in/<name>)",
        },
        {
            "file": "Invitations.csv",
            "line": 7,
            "reason": "Direction 'SIDEWAYS' is not INCOMING or OUTGOING",
        },
    ]
    assert [(w["file"], w["line"]) for w in report["warnings"]] == [
        ("Connections.csv", 11),
        ("Connections.csv", 12),
        ("Invitations.csv", 6),
    ]
    counted = await seeded_api.data('{ networkReport(owner: "alice") { unreviewed } }')
    assert counted == {"networkReport": {"unreviewed": 6}}
    again = (await seeded_api.data(IMPORT, variables))["importLinkedIn"]
    assert (again["peopleCreated"], again["ratingsCreated"], again["ratingsKept"]) == (0, 0, 6)
    assert again["requestsCreated"] == 0
    pending = await seeded_api.data(
        '{ connectionRequests(owner: "alice") { items { from { id name } message sentAt } } }'
    )
    items = pending["connectionRequests"]["items"]
    assert len(items) == 3
    hana = next(i for i in items if i["from"]["id"] == "linkedin:hana-lee-9")
    assert hana["message"] == "Hi! I read your article on graphs,\nwould love to connect."
    assert hana["sentAt"].startswith("2026-01-29T14:37:00")

    page = (await seeded_api.data(TO_REVIEW, {"owner": "alice", "first": 4}))["toReview"]
    assert [i["to"]["id"] for i in page["items"]] == [
        "linkedin:eve-long",
        "linkedin:no-name-7",
        "linkedin:ana-ortiz-1a2b3c",
        "linkedin:~" + page["items"][3]["to"]["id"].split("~")[1],
    ]
    first = page["items"][0]
    assert first == {
        "to": {"id": "linkedin:eve-long", "name": "Eve Long Name", "company": "Umbrella"},
        "strength": 4,
        "groups": ["LinkedIn"],
        "visibility": "CONNECTIONS",
        "since": "2024-12-31",
        "reviewed": False,
    }
    rest = (await seeded_api.data(TO_REVIEW, {"owner": "alice", "after": page["nextCursor"]}))[
        "toReview"
    ]
    assert len(rest["items"]) == 2 and rest["nextCursor"] is None

    await seeded_api.data(
        'mutation { rateConnection(input: {from: "alice", to: "linkedin:eve-long", '
        'strength: 1, groups: ["Friends"]}) { reviewed } }'
    )
    rating = (await seeded_api.data(RATING, {"from": "alice", "to": "linkedin:eve-long"}))["rating"]
    assert rating["reviewed"] is True and rating["strength"] == 1
    assert [(v["strength"], v["groups"], v["visibility"]) for v in rating["history"]] == [
        (4, ["LinkedIn"], "CONNECTIONS")
    ]
    remaining = (await seeded_api.data(TO_REVIEW, {"owner": "alice", "first": 20}))["toReview"]
    assert len(remaining["items"]) == 5


async def test_import_options_and_defaults(seeded_api: Api) -> None:
    csv = "First Name,Last Name,URL\nZed,Q,https://www.linkedin.com/in/zed\n"
    variables = {
        "input": {
            "owner": "bob",
            "connectionsCsv": csv,
            "strength": 5,
            "groups": ["Never met"],
            "visibility": "PRIVATE",
        }
    }
    await seeded_api.data(IMPORT, variables)
    item = (await seeded_api.data(TO_REVIEW, {"owner": "bob"}))["toReview"]["items"][0]
    assert (item["strength"], item["groups"], item["visibility"]) == (5, ["Never met"], "PRIVATE")


async def test_not_an_export_is_bad_user_input_and_writes_nothing(seeded_api: Api) -> None:
    error = await seeded_api.error(
        IMPORT,
        {"input": {"owner": "alice", "connectionsCsv": "x" * 1000 + "\n1,2,3\n"}},
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "connectionsCsv"
    page = (await seeded_api.data(TO_REVIEW, {"owner": "alice"}))["toReview"]
    assert page["items"] == []
    error = await seeded_api.error(IMPORT, {"input": {"owner": "alice"}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    error = await seeded_api.error(
        IMPORT, {"input": {"owner": "alice", "connectionsCsv": text("Connections.csv"),
                           "strength": 6}}
    )  # fmt: skip
    assert error["extensions"]["field"] == "strength"
    error = await seeded_api.error(
        IMPORT, {"input": {"owner": "nobody", "connectionsCsv": text("Connections.csv")}}
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert (await seeded_api.data('{ people(search: "linkedin:") { items { id } } }'))["people"][
        "items"
    ] == []


async def test_a_user_imports_into_their_own_network_only(auth_api: Api) -> None:
    bob = token_for("bob", Role.USER)
    variables = {"input": {"connectionsCsv": text("Connections-old.csv")}}
    report = (await auth_api.data(IMPORT, variables, token=bob))["importLinkedIn"]
    assert report["ratingsCreated"] == 2
    error = await auth_api.error(
        IMPORT, {"input": {**variables["input"], "owner": "alice"}}, token=bob
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    mine = (await auth_api.data(TO_REVIEW, {}, token=bob))["toReview"]
    assert len(mine["items"]) == 2
    error = await auth_api.error(TO_REVIEW, {"owner": "alice"}, token=bob)
    assert error["extensions"]["code"] == "FORBIDDEN"

"""Connection requests, the triage policy and networkReport through the real app (ASGI):
the flow, the viewer rules (user vs admin, FORBIDDEN), the limits and the error codes."""

from __future__ import annotations

from typing import Any

from service.domain import Role
from tests.support.api import Api, token_for

RECEIVE = """
mutation($input: ConnectionRequestInput!) {
  receiveConnectionRequest(input: $input) {
    id from { id name headline } to { id } message sentAt status respondedAt
    triage { action rule reasons sharedConnections invitations draft }
  }
}"""
RESPOND = """
mutation($input: RequestResponseInput!) {
  respondToRequest(input: $input) { id status respondedAt }
}"""
PAGE = """
query($owner: ID, $status: RequestStatus, $first: Int, $after: String) {
  connectionRequests(owner: $owner, status: $status, first: $first, after: $after) {
    items { id from { id } message sentAt triage { action rule draft } }
    nextCursor
  }
}"""
POLICY = """
mutation($owner: ID, $input: TriagePolicyInput!) {
  setTriagePolicy(owner: $owner, input: $input) {
    recruiterKeywords sharedConnectionsAtLeast homeAreas interests genericMessages signature
  }
}"""
READ_POLICY = "query($owner: ID) { triagePolicy(owner: $owner) { homeAreas signature } }"
REPORT = """
query($owner: ID, $first: Int, $months: Int) {
  networkReport(owner: $owner) {
    owner { id }
    connections byStrength { strength count } byGroup { group count }
    unreviewed neverMet reciprocated
    mismatches(first: $first) { person { id } yours theirs }
    stale(months: $months) warmReach
  }
}"""
RATE = "mutation($input: RatingInput!) { rateConnection(input: $input) { strength } }"

ALICE = token_for("alice")
BOB = token_for("bob")
DAVE = token_for("dave")
ADMIN = token_for("root", Role.ADMIN)


async def _file(api: Api, token: str, **input: Any) -> dict[str, Any]:
    data = await api.data(RECEIVE, {"input": input}, token=token)
    result: dict[str, Any] = data["receiveConnectionRequest"]
    return result


async def _code(api: Api, query: str, variables: dict[str, Any], token: str | None) -> Any:
    error = await api.error(query, variables, token=token)
    return error["extensions"]["code"], error["extensions"].get("field")


async def test_the_flow_as_users(auth_api: Api) -> None:
    filed = await _file(
        auth_api,
        BOB,
        **{"from": {"name": "Bob", "headline": "Engineer"}, "to": "alice", "message": "Hi!"},
    )
    assert filed["from"] == {"id": "bob", "name": "Bob", "headline": "Engineer"}
    assert filed["status"] == "PENDING" and filed["respondedAt"] is None
    page = (await auth_api.data(PAGE, {}, token=ALICE))["connectionRequests"]
    assert [item["id"] for item in page["items"]] == [filed["id"]]
    # alice rated bob 1 (seed): someone known, thanked.
    assert page["items"][0]["triage"]["action"] == "ACCEPT_AND_THANK"
    assert "Alice" in page["items"][0]["triage"]["draft"]
    answered = await auth_api.data(
        RESPOND, {"input": {"id": filed["id"], "accept": True}}, token=ALICE
    )
    assert answered["respondToRequest"]["status"] == "ACCEPTED"
    assert answered["respondToRequest"]["respondedAt"] is not None
    again = {"input": {"id": filed["id"], "accept": False}}
    assert await _code(auth_api, RESPOND, again, ALICE) == ("BAD_USER_INPUT", "id")
    accepted = await auth_api.data(PAGE, {"status": "ACCEPTED"}, token=ALICE)
    assert [i["id"] for i in accepted["connectionRequests"]["items"]] == [filed["id"]]
    assert (await auth_api.data(PAGE, {}, token=ALICE))["connectionRequests"]["items"] == []


async def test_accepting_a_stranger_records_the_rating(auth_api: Api) -> None:
    filed = await _file(auth_api, DAVE, **{"from": {"name": "Dave"}, "to": "bob"})
    response = {"id": filed["id"], "accept": True, "strength": 3, "groups": ["Met once"]}
    await auth_api.data(RESPOND, {"input": response}, token=BOB)
    rating = await auth_api.data(
        '{ rating(from: "bob", to: "dave") { strength groups visibility } }', token=ADMIN
    )
    assert rating["rating"] == {"strength": 3, "groups": ["Met once"], "visibility": "CONNECTIONS"}


async def test_what_a_user_may_not_do(auth_api: Api) -> None:
    filed = await _file(auth_api, BOB, **{"from": {"id": "bob", "name": "Bob"}, "to": "alice"})
    as_carol = {"from": {"id": "carol", "name": "Carol"}, "to": "alice"}
    assert await _code(auth_api, RECEIVE, {"input": as_carol}, BOB) == ("FORBIDDEN", None)
    assert (await _code(auth_api, PAGE, {"owner": "alice"}, BOB))[0] == "FORBIDDEN"
    answer = {"input": {"id": filed["id"], "accept": False}}
    assert (await _code(auth_api, RESPOND, answer, BOB))[0] == "FORBIDDEN"
    policy = {"owner": "alice", "input": {"homeAreas": ["Oslo"]}}
    assert (await _code(auth_api, POLICY, policy, BOB))[0] == "FORBIDDEN"
    assert (await _code(auth_api, READ_POLICY, {"owner": "alice"}, BOB))[0] == "FORBIDDEN"
    assert (await _code(auth_api, REPORT, {"owner": "alice"}, BOB))[0] == "FORBIDDEN"
    # An admin may do all of it for anyone.
    page = await auth_api.data(PAGE, {"owner": "alice"}, token=ADMIN)
    assert [i["id"] for i in page["connectionRequests"]["items"]] == [filed["id"]]
    await auth_api.data(POLICY, policy, token=ADMIN)
    await auth_api.data(RESPOND, answer, token=ADMIN)
    report = await auth_api.data(REPORT, {"owner": "alice"}, token=ADMIN)
    assert report["networkReport"]["owner"] == {"id": "alice"}
    unauthenticated = await auth_api.error(PAGE, {"owner": "alice"})
    assert unauthenticated["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_requester_never_sees_the_owners_private_rating_in_the_triage(
    auth_api: Api,
) -> None:
    private = {"from": "alice", "to": "dave", "strength": 2, "visibility": "PRIVATE"}
    await auth_api.data(RATE, {"input": private}, token=ALICE)
    filed = await _file(auth_api, DAVE, **{"from": {"name": "Dave"}, "to": "alice"})
    assert filed["triage"]["rule"] == "GENERIC"
    assert "rated" not in " ".join(filed["triage"]["reasons"])
    owners = (await auth_api.data(PAGE, {}, token=ALICE))["connectionRequests"]["items"]
    assert owners[0]["triage"]["rule"] == "KNOWN"


async def test_policy_and_triage_over_graphql(dev_api: Api) -> None:
    await dev_api.data('mutation { upsertPeople(input: [{id: "me", name: "Morgan Lee"}]) { id } }')
    set_it = {
        "owner": "me",
        "input": {"homeAreas": ["Toronto"], "interests": ["robotics"], "signature": "Morgan"},
    }
    policy = (await dev_api.data(POLICY, set_it))["setTriagePolicy"]
    assert policy["recruiterKeywords"] == ["recruit", "talent acquisition", "headhunter", "sourcer"]
    assert policy["sharedConnectionsAtLeast"] == 24
    assert (policy["homeAreas"], policy["signature"]) == (["Toronto"], "Morgan")
    requester = {"id": "sam", "name": "Sam Park", "location": "Toronto", "headline": "Robotics"}
    filed = await _file(
        dev_api, "", **{"from": requester, "to": "me", "message": "Loved your article!"}
    )
    triage = filed["triage"]
    assert (triage["action"], triage["rule"]) == ("REPLY", "PERSONAL_NOTE")
    assert triage["invitations"] == ["FOLLOW", "COFFEE"]
    assert "follow" in triage["draft"] and "coffee" in triage["draft"]
    assert "lives in Toronto" in triage["reasons"]
    recruiter = {"id": "kim", "name": "Kim", "headline": "Talent Acquisition Partner"}
    kim = await _file(dev_api, "", **{"from": recruiter, "to": "me"})
    assert (kim["triage"]["action"], kim["triage"]["draft"]) == ("ACCEPT", None)
    stranger = await _file(
        dev_api,
        "",
        **{
            "from": {"id": "x", "name": "X"},
            "to": "me",
            "message": "I'd like to join your LinkedIn network.",
        },
    )
    assert (stranger["triage"]["action"], stranger["triage"]["draft"]) == ("DECLINE", None)
    read = await dev_api.data(READ_POLICY, {"owner": "me"})
    assert read["triagePolicy"] == {"homeAreas": ["Toronto"], "signature": "Morgan"}


async def test_pages_follow_cursors_newest_first(dev_api: Api) -> None:
    await dev_api.data('mutation { upsertPeople(input: [{id: "me", name: "Me"}]) { id } }')
    times = ["2026-01-01T10:00:00+00:00", "2026-01-03T10:00:00+01:00", "2026-01-02T10:00:00Z"]
    for i, at in enumerate(times):
        await _file(dev_api, "", **{"from": {"id": f"p{i}", "name": "P"}, "to": "me", "sentAt": at})
    seen: list[str] = []
    after = None
    while True:
        page = (await dev_api.data(PAGE, {"owner": "me", "first": 2, "after": after}))[
            "connectionRequests"
        ]
        seen += [item["from"]["id"] for item in page["items"]]
        after = page["nextCursor"]
        if after is None:
            break
    assert seen == ["p1", "p2", "p0"]


async def test_limits_and_errors(dev_api: Api) -> None:
    await dev_api.data('mutation { upsertPeople(input: [{id: "me", name: "Me"}]) { id } }')
    long = {"from": {"id": "sam", "name": "Sam"}, "to": "me", "message": "x" * 2001}
    assert await _code(dev_api, RECEIVE, {"input": long}, None) == ("BAD_USER_INPUT", "message")
    missing = {"from": {"id": "sam", "name": "Sam"}, "to": "nobody"}
    assert await _code(dev_api, RECEIVE, {"input": missing}, None) == ("NOT_FOUND", "to")
    unknown = {"input": {"id": "r-unknown", "accept": False}}
    assert await _code(dev_api, RESPOND, unknown, None) == ("NOT_FOUND", "id")
    # --dev has no viewer: owner is required.
    assert await _code(dev_api, PAGE, {}, None) == ("BAD_USER_INPUT", "owner")
    assert await _code(dev_api, PAGE, {"owner": "me", "first": 101}, None) == (
        "BAD_USER_INPUT",
        "first",
    )
    assert await _code(dev_api, PAGE, {"owner": "me", "after": "nope"}, None) == (
        "BAD_USER_INPUT",
        "after",
    )
    for bad, field in [
        ({"homeAreas": ["a"] * 101}, "homeAreas"),
        ({"interests": ["i" * 201]}, "interests"),
        ({"sharedConnectionsAtLeast": 0}, "sharedConnectionsAtLeast"),
    ]:
        variables = {"owner": "me", "input": bad}
        assert await _code(dev_api, POLICY, variables, None) == ("BAD_USER_INPUT", field)
    assert (await dev_api.data(READ_POLICY, {"owner": "me"}))["triagePolicy"]["homeAreas"] == []
    assert await _code(dev_api, REPORT, {"owner": "me", "first": 0}, None) == (
        "BAD_USER_INPUT",
        "first",
    )
    assert await _code(dev_api, REPORT, {"owner": "me", "months": -1}, None) == (
        "BAD_USER_INPUT",
        "months",
    )
    assert (await dev_api.data(REPORT, {"owner": "nobody"}))["networkReport"] is None


async def test_network_report_over_graphql(seeded_api: Api) -> None:
    # Seed: alice -1-> bob (Friends), bob -2-> carol (PUBLIC), carol -2-> dave, alice -4-> carol.
    await seeded_api.data(
        """mutation { rateConnections(input: [
            {from: "bob", to: "alice", strength: 3},
            {from: "carol", to: "alice", strength: 1, visibility: PUBLIC},
            {from: "bob", to: "dave", strength: 2, visibility: PUBLIC},
            {from: "alice", to: "dave", strength: 5, since: "2020-01-31"}
        ]) { count } }"""
    )
    report = (await seeded_api.data(REPORT, {"owner": "alice"}))["networkReport"]
    assert report["connections"] == 3
    assert [c["count"] for c in report["byStrength"]] == [1, 0, 0, 1, 1]
    assert report["byGroup"] == [{"group": "Friends", "count": 1}]
    assert (report["neverMet"], report["reciprocated"], report["unreviewed"]) == (1, 2, 0)
    assert report["mismatches"] == [
        {"person": {"id": "carol"}, "yours": 4, "theirs": 1},
        {"person": {"id": "bob"}, "yours": 1, "theirs": 3},
    ]
    assert report["stale"] == 1
    # dave has a step to alice (her rating of 5): no one is within warm reach but not a step.
    assert report["warmReach"] == 0
    await seeded_api.data('mutation { removeRating(from: "alice", to: "dave") }')
    report = (await seeded_api.data(REPORT, {"owner": "alice", "first": 1}))["networkReport"]
    assert report["warmReach"] == 1 and len(report["mismatches"]) == 1

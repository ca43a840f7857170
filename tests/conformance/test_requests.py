"""Connection requests on every store: filed, updated while pending, paged newest first,
answered once (accepting records the owner's rating in the same transaction), triage computed
when read, the policy, the viewer rules."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from service import contacts, requesting
from service.domain import PersonFields, PersonPatch, RatingFields, Viewer, Visibility
from service.errors import Forbidden, InvalidInput, NotFound
from service.requests import (
    DEFAULT_RECRUITER_KEYWORDS,
    PolicyFields,
    RequestDraft,
    RequestStatus,
    TriagePolicy,
    new_request_id,
)
from service.store.base import Store
from service.triage import Invitation, TriageAction, TriageRule

from .helpers import GraphLoader, paths, user

T0 = datetime(2026, 1, 29, 14, 37, tzinfo=UTC)
OWNER = "owner"


def person(person_id: str, name: str | None = None, **fields: str) -> PersonFields:
    return PersonFields(id=person_id, name=name or f"Name of {person_id}", **fields)  # type: ignore[arg-type]


async def file(
    store: Store,
    viewer: Viewer,
    requester: str,
    message: str | None = None,
    sent_at: datetime = T0,
    to: str = OWNER,
    **fields: str,
):  # type: ignore[no-untyped-def]
    return await requesting.receive_request(
        store, viewer, person(requester, **fields), to, message, sent_at
    )


async def test_a_request_is_filed_pending_and_creates_the_requester(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    filed = await file(store, admin, "sam", "  Hello there  ", headline="Engineer")
    assert (filed.from_id, filed.to_id, filed.status) == ("sam", OWNER, RequestStatus.PENDING)
    assert filed.message == "Hello there"
    assert filed.sent_at == T0 and filed.responded_at is None
    assert await store.get_request(filed.id) == filed
    sam = (await store.get_people(["sam"]))["sam"]
    assert sam.headline == "Engineer"


async def test_a_pending_request_from_the_same_person_is_updated(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    first = await file(store, admin, "sam", "first")
    later = T0 + timedelta(days=1)
    second = await file(store, admin, "sam", "second", later)
    assert second.id == first.id
    assert (second.message, second.sent_at) == ("second", later)
    page = await requesting.requests_page(store, admin, OWNER)
    assert [r.id for r in page.items] == [first.id]
    assert page.items[0].message == "second"


async def test_after_an_answer_a_new_request_is_a_new_one(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    first = await file(store, admin, "sam")
    await requesting.respond(store, admin, first.id, accept=False)
    again = await file(store, admin, "sam", "please?")
    assert again.id != first.id and again.status is RequestStatus.PENDING
    declined = await requesting.requests_page(store, admin, OWNER, RequestStatus.DECLINED)
    assert [r.id for r in declined.items] == [first.id]


async def test_pages_are_newest_first_then_by_id(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    times = [T0, T0 + timedelta(hours=2), T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    filed = [await file(store, admin, f"p{i}", sent_at=at) for i, at in enumerate(times)]
    expected = sorted(filed, key=lambda r: (-r.sent_at.timestamp(), r.id))
    seen = []
    after = None
    while True:
        page = await requesting.requests_page(store, admin, OWNER, first=1, after=after)
        seen += list(page.items)
        after = page.next_cursor
        if after is None:
            break
    assert [r.id for r in seen] == [r.id for r in expected]
    everything = await requesting.requests_page(store, admin, OWNER, first=100)
    assert [r.id for r in everything.items] == [r.id for r in expected]
    assert everything.next_cursor is None


async def test_accepting_records_the_owners_rating(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    filed = await file(store, admin, "sam")
    answered = await requesting.respond(
        store, user(OWNER), filed.id, accept=True, strength=3, groups=["Met once"]
    )
    assert answered.status is RequestStatus.ACCEPTED
    assert answered.responded_at is not None
    rating = await contacts.rating(store, admin, OWNER, "sam")
    assert rating is not None
    assert (rating.strength, rating.groups, rating.visibility) == (
        3,
        ("Met once",),
        Visibility.CONNECTIONS,
    )
    # The rating is in the graph too: the path search sees it.
    assert [p.people for p in await paths(store, admin, OWNER, "sam", max_hops=1)] == [
        (OWNER, "sam")
    ]


async def test_a_request_is_answered_once(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [], people=[OWNER])
    filed = await file(store, admin, "sam")
    await requesting.respond(store, admin, filed.id, accept=False)
    with pytest.raises(InvalidInput) as error:
        await requesting.respond(store, admin, filed.id, accept=True, strength=2)
    assert error.value.field == "id"
    # The store refuses it too, whatever the use-case checked before.
    with pytest.raises(InvalidInput):
        await store.answer_request(filed.id, RequestStatus.ACCEPTED, None, T0)
    assert await contacts.rating(store, admin, OWNER, "sam") is None
    assert (await store.get_request(filed.id)).status is RequestStatus.DECLINED  # type: ignore[union-attr]


async def test_declining_writes_no_rating(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [], people=[OWNER])
    filed = await file(store, admin, "sam")
    with pytest.raises(InvalidInput) as error:
        await requesting.respond(store, admin, filed.id, accept=False, strength=2)
    assert error.value.field == "strength"
    answered = await requesting.respond(store, admin, filed.id, accept=False)
    assert answered.status is RequestStatus.DECLINED
    assert await contacts.rating(store, admin, OWNER, "sam") is None


async def test_accepting_a_stranger_needs_a_strength_and_then_writes_nothing(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    filed = await file(store, admin, "sam")
    with pytest.raises(InvalidInput) as error:
        await requesting.respond(store, admin, filed.id, accept=True)
    assert error.value.field == "strength"
    assert (await store.get_request(filed.id)).status is RequestStatus.PENDING  # type: ignore[union-attr]


async def test_accepting_someone_rated_keeps_the_rating_unless_told(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [(OWNER, "sam", 2, Visibility.PRIVATE, ["Friends"])])
    filed = await file(store, admin, "sam")
    await requesting.respond(store, admin, filed.id, accept=True, visibility=Visibility.PUBLIC)
    rating = await contacts.rating(store, admin, OWNER, "sam")
    assert rating is not None
    assert (rating.strength, rating.groups, rating.visibility) == (
        2,
        ("Friends",),
        Visibility.PUBLIC,
    )


async def test_accepting_a_recruiter_defaults_to_the_recruiters_group(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    filed = await file(store, admin, "kim", headline="Technical Recruiter")
    await requesting.respond(store, admin, filed.id, accept=True, strength=4)
    rating = await contacts.rating(store, admin, OWNER, "kim")
    assert rating is not None and rating.groups == ("Recruiters",)


async def test_unknown_request_and_unknown_owner(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=["sam"])
    with pytest.raises(NotFound) as error:
        await requesting.respond(store, admin, "r-nope", accept=False)
    assert error.value.code == "NOT_FOUND" and error.value.field == "id"
    with pytest.raises(NotFound) as missing:
        await file(store, admin, "sam", to="nobody")
    assert missing.value.field == "to"
    # Nothing was written: not even the requester's update.
    assert (await store.get_people(["sam"]))["sam"].name == "Name of sam"
    with pytest.raises(InvalidInput):
        await file(store, admin, "sam", to="sam")


async def test_validation_writes_nothing(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [], people=[OWNER])
    with pytest.raises(InvalidInput) as error:
        await file(store, admin, "sam", "x" * 2001)
    assert error.value.field == "message"
    assert await store.get_people(["sam"]) == {}
    assert (await file(store, admin, "sam", "x" * 2000)).message == "x" * 2000


async def test_viewer_rules(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [], people=[OWNER, "eve"])
    with pytest.raises(Forbidden):
        await file(store, user("eve"), "sam")
    # A user files as itself, its id left out meaning itself.
    own = await requesting.receive_request(
        store, user("eve"), PersonFields(name="Eve"), OWNER, "hi"
    )
    assert own.from_id == "eve"
    with pytest.raises(Forbidden):
        await requesting.requests_page(store, user("eve"), OWNER)
    with pytest.raises(Forbidden):
        await requesting.respond(store, user("eve"), own.id, accept=False)
    with pytest.raises(Forbidden):
        await requesting.set_policy(store, user("eve"), OWNER, PolicyFields(home_areas=["X"]))
    page = await requesting.requests_page(store, user(OWNER), None)
    assert [r.id for r in page.items] == [own.id]
    assert (await requesting.respond(store, user(OWNER), own.id, accept=False)).status is (
        RequestStatus.DECLINED
    )


async def test_deleting_a_person_deletes_their_requests(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    filed = await file(store, admin, "sam")
    await contacts.delete_person(store, admin, "sam")
    assert await store.get_request(filed.id) is None
    assert (await requesting.requests_page(store, admin, OWNER)).items == ()


# --- the policy ---------------------------------------------------------------------------


async def test_policy_defaults_set_keep_and_reset(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    default = await requesting.policy_of(store, admin, OWNER)
    assert default.recruiter_keywords == DEFAULT_RECRUITER_KEYWORDS
    assert default.shared_connections_at_least == 24
    assert default.signature == "Name of owner"
    changed = await requesting.set_policy(
        store,
        user(OWNER),
        None,
        PolicyFields(home_areas=["Toronto"], shared_connections_at_least=5, signature="M."),
    )
    assert (changed.home_areas, changed.shared_connections_at_least, changed.signature) == (
        ("Toronto",),
        5,
        "M.",
    )
    kept = await requesting.set_policy(store, admin, OWNER, PolicyFields(interests=["robots"]))
    assert kept.home_areas == ("Toronto",) and kept.interests == ("robots",)
    reset = await requesting.set_policy(
        store, admin, OWNER, PolicyFields(signature=None, home_areas=None)
    )
    assert reset.signature == "Name of owner" and reset.home_areas == ()
    assert await requesting.policy_of(store, admin, OWNER) == reset


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (PolicyFields(home_areas=["x"] * 101), "homeAreas"),
        (PolicyFields(interests=["y" * 201]), "interests"),
        (PolicyFields(generic_messages=["  "]), "genericMessages"),
        (PolicyFields(recruiter_keywords=[""]), "recruiterKeywords"),
        (PolicyFields(shared_connections_at_least=0), "sharedConnectionsAtLeast"),
        (PolicyFields(shared_connections_at_least=30001), "sharedConnectionsAtLeast"),
        (PolicyFields(signature="s" * 201), "signature"),
    ],
)
async def test_bad_policy_is_refused_and_changes_nothing(
    store: Store, admin: Viewer, graph: GraphLoader, fields: PolicyFields, field: str
) -> None:
    await graph(store, [], people=[OWNER])
    await requesting.set_policy(store, admin, OWNER, PolicyFields(home_areas=["Lisbon"]))
    with pytest.raises(InvalidInput) as error:
        await requesting.set_policy(store, admin, OWNER, fields)
    assert error.value.field == field
    assert (await requesting.policy_of(store, admin, OWNER)).home_areas == ("Lisbon",)


# --- triage, computed when read -----------------------------------------------------------


async def test_triage_follows_the_graph_and_the_policy(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    mutuals = [f"m{i}" for i in range(3)]
    edges = [(OWNER, m, 3) for m in mutuals] + [("sam", m, 3, Visibility.PUBLIC) for m in mutuals]
    await graph(store, edges, people=[OWNER])
    filed = await file(store, admin, "sam", "I'd like to connect with you on LinkedIn")
    first = await requesting.triage_of(store, admin, filed)
    assert (first.action, first.rule, first.draft) == (
        TriageAction.DECLINE,
        TriageRule.GENERIC,
        None,
    )
    assert first.shared_connections == 3
    await requesting.set_policy(store, admin, OWNER, PolicyFields(shared_connections_at_least=3))
    shared = await requesting.triage_of(store, admin, filed)
    assert (shared.action, shared.rule) == (TriageAction.REPLY, TriageRule.SHARED_CONNECTIONS)
    assert "shares 3 connections" in shared.reasons and shared.draft
    await contacts.rate_connection(
        store, admin, RatingFields(from_id=OWNER, to_id="sam", strength=2)
    )
    known = await requesting.triage_of(store, admin, filed)
    assert (known.action, known.rule) == (TriageAction.ACCEPT_AND_THANK, TriageRule.KNOWN)
    assert known.draft and "Name of owner" in known.draft


async def test_triage_counts_mutuals_as_the_owner_sees_them(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(
        store,
        [
            (OWNER, "m1", 2),
            ("m1", "sam", 2, Visibility.PUBLIC),
            (OWNER, "m2", 2),
            # m2 never rated the owner: the owner does not see this one.
            ("m2", "sam", 2, Visibility.CONNECTIONS),
            ("m3", "sam", 2, Visibility.PRIVATE),
            (OWNER, "m3", 2),
        ],
    )
    filed = await file(store, admin, "sam", "We met at the Rust meetup last week")
    for viewer in (admin, user(OWNER)):
        decided = await requesting.triage_of(store, viewer, filed)
        assert decided.shared_connections == 1, viewer
        assert decided.rule is TriageRule.PERSONAL_NOTE
    assert len(await store.mutual_connections(OWNER, "sam", admin)) == 3


async def test_triage_of_a_home_area_invites_to_coffee(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    await requesting.set_policy(
        store, admin, OWNER, PolicyFields(home_areas=["Toronto"], signature="Morgan")
    )
    filed = await file(
        store, admin, "sam", "Your post on testing was great", location="Toronto, ON"
    )
    decided = await requesting.triage_of(store, admin, filed)
    assert decided.invitations == (Invitation.FOLLOW, Invitation.COFFEE)
    assert "lives in Toronto" in decided.reasons
    assert decided.draft and "coffee" in decided.draft and "follow" in decided.draft
    assert decided.draft.endswith("Morgan")


# --- the write an import shares, and the export lists ------------------------------------


async def test_write_requests_inside_a_callers_transaction(
    store: Store, store_kind: str, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER, "a", "b"])
    drafts = [
        RequestDraft(new_request_id(), "a", OWNER, "one", T0),
        RequestDraft(new_request_id(), "b", OWNER, None, T0),
        RequestDraft(new_request_id(), "a", OWNER, "two", T0 + timedelta(minutes=1)),
    ]
    if store_kind == "embedded":
        from service.store.embedded import EmbeddedStore, write_requests

        assert isinstance(store, EmbeddedStore)

        def work() -> list[tuple[object, bool]]:
            with store._transaction() as conn:
                return list(write_requests(conn, drafts))

        written = await store._run(work)
    else:
        from service.store.neo4j import Neo4jStore
        from service.store.neo4j import write_requests as neo4j_write

        assert isinstance(store, Neo4jStore)
        written = await store._write(neo4j_write, drafts)
    assert [created for _, created in written] == [True, True, False]
    page = await requesting.requests_page(store, admin, OWNER)
    assert sorted((r.from_id, r.message) for r in page.items) == [("a", "two"), ("b", None)]
    exported = await store.export_requests()
    assert sorted(r.id for r in exported) == sorted(r.id for r in page.items)
    await requesting.set_policy(store, admin, OWNER, PolicyFields(interests=["x"]))
    assert await store.export_policies() == [(OWNER, TriagePolicy(interests=("x",)))]


# --- concurrency: two store instances (two processes' worth of connections) ---------------


async def test_concurrent_writers_keep_one_pending_request_and_answer_it_once(
    store: Store, store_kind: str, store_factory: Callable[[], Store]
) -> None:
    # Neo4j: a second store instance on the same database, as a second process would be
    # (its own driver and write lock). The embedded store belongs to one process: two
    # concurrent callers of one instance.
    first = second = store
    if store_kind != "embedded":
        second = store_factory()
        await second.open()
    try:
        await first.upsert_people([PersonPatch(id=OWNER, name="Owner")])
        await second.get_people([OWNER])
        requester = [PersonPatch(id="sam", name="Sam")]
        drafts = [
            RequestDraft(new_request_id(), "sam", OWNER, f"note {i}", T0 + timedelta(minutes=i))
            for i in range(6)
        ]
        stores = [first, second] * 3
        filed = await asyncio.gather(
            *(s.receive_requests(requester, [d]) for s, d in zip(stores, drafts, strict=True))
        )
        pending = await first.list_requests(OWNER, RequestStatus.PENDING, 10, None)
        assert len(pending) == 1
        assert {r[0].id for r in filed} == {pending[0].id}
        answers = await asyncio.gather(
            first.answer_request(pending[0].id, RequestStatus.ACCEPTED, None, T0),
            second.answer_request(pending[0].id, RequestStatus.DECLINED, None, T0),
            return_exceptions=True,
        )
        failed = [a for a in answers if isinstance(a, BaseException)]
        assert len(failed) == 1 and isinstance(failed[0], InvalidInput), answers
        (won,) = [a for a in answers if not isinstance(a, BaseException)]
        assert (await second.get_request(pending[0].id)) == won
    finally:
        if second is not first:
            await second.close()


async def test_exported_requests_and_policies_restore_as_they_were(
    store: Store, store_kind: str, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[OWNER])
    answered = await file(store, admin, "ann", "hello")
    answered = await requesting.respond(store, admin, answered.id, accept=True, strength=2)
    pending = await file(store, admin, "bob", None, T0 + timedelta(hours=1))
    await requesting.set_policy(store, admin, OWNER, PolicyFields(home_areas=["Oslo"]))
    requests = await store.export_requests()
    policies = await store.export_policies()
    assert sorted(requests, key=lambda r: r.id) == sorted([answered, pending], key=lambda r: r.id)
    # A second owner's copy of both, restored with changes: the writes take every field.
    await graph(store, [], people=["other"])
    copies = [
        dataclasses.replace(r, id=f"{r.id}-copy", to_id="other", message="restored")
        for r in requests
    ]
    copied_policy = [("other", dataclasses.replace(policies[0][1], signature="O."))]
    await store.restore_requests(copies)
    await store.put_policy(*copied_policy[0])
    for copy in copies:
        assert await store.get_request(copy.id) == copy
    assert (await store.get_policy("other")) == copied_policy[0][1]


async def test_sent_at_of_any_year_round_trips_and_orders(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    """Schemathesis filed a request sent in the year 103: the embedded store wrote it as
    "103-05-12..." and could not read it back."""
    await graph(store, [], people=[OWNER])
    early = datetime(103, 5, 12, 3, 30, 1, 210, tzinfo=UTC)
    ancient = await file(store, admin, "ann", "hello", early)
    modern = await file(store, admin, "bob", "hello", datetime(2026, 1, 1, tzinfo=UTC))
    assert ancient.sent_at == early
    assert (await store.get_request(ancient.id)) == ancient
    page = await requesting.requests_page(store, admin, OWNER)
    assert [r.id for r in page.items] == [modern.id, ancient.id]

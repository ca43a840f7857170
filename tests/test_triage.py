"""The four rules of `service.triage`, beyond the doctests: precedence, the generic-message
matching, the threshold, and properties of drafts over random requests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain import Person
from service.requests import ConnectionRequest, RequestStatus, TriagePolicy
from service.triage import GraphFacts, Invitation, TriageAction, TriageRule, is_generic, triage

OWNER = Person("me", "Morgan Lee")
AT = datetime(2026, 1, 29, tzinfo=UTC)


def request(message: str | None = None) -> ConnectionRequest:
    return ConnectionRequest("r-1", "sam", "me", message, AT, RequestStatus.PENDING)


def decide(
    message: str | None = None,
    *,
    headline: str | None = None,
    location: str | None = None,
    company: str | None = None,
    rating: int | None = None,
    shared: int = 0,
    policy: TriagePolicy | None = None,
):  # type: ignore[no-untyped-def]
    sam = Person("sam", "Sam Park", headline=headline, company=company, location=location)
    return triage(
        request(message), sam, OWNER, policy or TriagePolicy(), GraphFacts(rating, shared)
    )


@pytest.mark.parametrize(
    "message",
    [
        None,
        "",
        "   \n ",
        "?!",
        "I'd like to add you to my professional network on LinkedIn",
        "i’d like to add you to my professional network on linkedin.",
        "  I'd  like to connect   with you on LinkedIn!!! ",
        "I D LIKE TO JOIN YOUR LINKEDIN NETWORK",
    ],
)
def test_generic_messages(message: str | None) -> None:
    assert is_generic(message, TriagePolicy())
    assert decide(message).rule is TriageRule.GENERIC


@pytest.mark.parametrize(
    "message",
    [
        "I'd like to connect with you on LinkedIn, we met at PyCon",
        "Hi Morgan, I'd like to connect",
        "Great talk yesterday",
    ],
)
def test_anything_else_is_a_personal_note(message: str) -> None:
    assert not is_generic(message, TriagePolicy())
    assert decide(message).rule is TriageRule.PERSONAL_NOTE


def test_the_owners_generic_messages_count_too() -> None:
    policy = TriagePolicy(generic_messages=("Happy to connect!",))
    assert decide("happy to CONNECT", policy=policy).rule is TriageRule.GENERIC
    assert decide("happy to CONNECT").rule is TriageRule.PERSONAL_NOTE


def test_first_match_wins() -> None:
    recruiter = "Headhunter"
    assert decide("a note", headline=recruiter, rating=4).rule is TriageRule.KNOWN
    # Strength 5 = never met: not someone known.
    assert decide("a note", headline=recruiter, rating=5).rule is TriageRule.RECRUITER
    assert decide("a note", rating=5).rule is TriageRule.PERSONAL_NOTE
    assert decide(None, rating=5).rule is TriageRule.GENERIC


def test_recruiter_keywords_are_case_insensitive_and_the_owners_to_choose() -> None:
    assert decide(headline="TALENT ACQUISITION lead").action is TriageAction.ACCEPT
    assert decide(headline="Sourcer").action is TriageAction.ACCEPT
    own = TriagePolicy(recruiter_keywords=("staffing",))
    assert decide(headline="Recruiter", policy=own).rule is TriageRule.GENERIC
    assert decide(headline="Staffing partner", policy=own).rule is TriageRule.RECRUITER


def test_the_shared_connections_threshold() -> None:
    at_least = TriagePolicy(shared_connections_at_least=24)
    assert decide(shared=24, policy=at_least).rule is TriageRule.SHARED_CONNECTIONS
    assert decide(shared=23, policy=at_least).rule is TriageRule.GENERIC
    reply = decide(shared=27)
    assert reply.reasons[0] == "shares 27 connections" and reply.shared_connections == 27
    assert decide(shared=1, policy=TriagePolicy(shared_connections_at_least=1)).reasons == (
        "shares 1 connection",
    )


def test_invitations_and_their_reasons() -> None:
    policy = TriagePolicy(home_areas=("Toronto",), interests=("climate",))
    follow = decide("I read your newsletter every week", policy=policy)
    assert follow.invitations == (Invitation.FOLLOW,)
    assert "message mentions your newsletter" in follow.reasons
    assert follow.draft and "follow" in follow.draft and "coffee" not in follow.draft
    coffee = decide("Hello from a neighbour", location="toronto, canada", policy=policy)
    assert coffee.invitations == (Invitation.COFFEE,) and "lives in Toronto" in coffee.reasons
    assert coffee.draft and "coffee" in coffee.draft and "follow" not in coffee.draft
    work = decide("Hi!", company="Climate Works", policy=policy)
    assert work.invitations == (Invitation.COFFEE,)
    assert "company mentions climate" in work.reasons
    # Only a reply invites: the known and the recruiters are accepted, the generic declined.
    assert decide("Loved your post", rating=2, location="Toronto", policy=policy).invitations == ()


def test_the_signature_is_the_policys_or_the_owners_name() -> None:
    assert decide(rating=1).draft.endswith("\nMorgan Lee")  # type: ignore[union-attr]
    signed = decide("a note", policy=TriagePolicy(signature="— M."))
    assert signed.draft and signed.draft.endswith("\n— M.")
    assert signed.draft.startswith("Hi Sam,")


TEXT = st.text(alphabet="abcdeklnoprstuy ,.'!", max_size=40)


@given(
    message=st.one_of(st.none(), TEXT, st.sampled_from(["your article", "I'd like to connect"])),
    headline=st.one_of(st.none(), TEXT, st.just("recruiter")),
    location=st.one_of(st.none(), st.sampled_from(["Toronto", "Lisbon", "toronto east"])),
    rating=st.one_of(st.none(), st.integers(1, 5)),
    shared=st.integers(0, 60),
)
def test_drafts_follow_the_action(
    message: str | None,
    headline: str | None,
    location: str | None,
    rating: int | None,
    shared: int,
) -> None:
    policy = TriagePolicy(home_areas=("Toronto",), signature="Morgan")
    decided = decide(
        message, headline=headline, location=location, rating=rating, shared=shared, policy=policy
    )
    assert decided.reasons and all(decided.reasons)
    assert decided.shared_connections == shared
    if decided.action in (TriageAction.ACCEPT_AND_THANK, TriageAction.REPLY):
        assert decided.draft and decided.draft.strip() and decided.draft.endswith("Morgan")
    else:
        assert decided.draft is None
    if decided.action is not TriageAction.REPLY:
        assert decided.invitations == ()
    draft = decided.draft or ""
    assert ("follow me" in draft) == (Invitation.FOLLOW in decided.invitations)
    assert ("a coffee" in draft) == (Invitation.COFFEE in decided.invitations)
    expected = {
        TriageRule.KNOWN: TriageAction.ACCEPT_AND_THANK,
        TriageRule.RECRUITER: TriageAction.ACCEPT,
        TriageRule.PERSONAL_NOTE: TriageAction.REPLY,
        TriageRule.SHARED_CONNECTIONS: TriageAction.REPLY,
        TriageRule.GENERIC: TriageAction.DECLINE,
    }
    assert expected[decided.rule] is decided.action

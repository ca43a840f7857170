"""Connection-request and network-report use-cases: the viewer rules, validation, one store
call each, and triage computed when read (`service.triage`).

Who may do what (API.md): a `user` files requests from itself only, and reads, answers and
sets the policy only as the owner; an `admin` (and ``--dev``) for anyone. `owner` left out
means the viewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from service import cursors
from service.access import require_self_or_admin, resolve_from
from service.domain import (
    Page,
    Person,
    PersonFields,
    RatingDraft,
    Role,
    Viewer,
    Visibility,
    validate_first,
    validate_groups,
    validate_id,
    validate_person,
    validate_range,
    validate_strength,
)
from service.errors import Forbidden, InvalidInput, NotFound
from service.network import STALE_MONTHS_MAX, NetworkReport, build_report
from service.requests import (
    DEFAULT_REQUESTS_FIRST,
    ConnectionRequest,
    PolicyFields,
    RequestNotFound,
    RequestsAfter,
    RequestStatus,
    TriagePolicy,
    apply_policy,
    validate_request,
)
from service.store.base import Store
from service.triage import GraphFacts, Triage, TriageRule, triage

RECRUITER_GROUPS: Final = ("Recruiters",)
# `ratings_by` pages; the report reads all of the owner's ratings at once.
_ALL: Final = 1 << 62


def _now() -> datetime:
    return datetime.now(UTC)


# --- requests ---------------------------------------------------------------------------


async def receive_request(
    store: Store,
    viewer: Viewer,
    requester: PersonFields,
    to_id: str,
    message: str | None = None,
    sent_at: datetime | None = None,
) -> ConnectionRequest:
    """File a request from `requester` (created or updated like upsertPerson) to `to_id`.

    A `user` files only as itself; its `from.id` may be left out (it then means the viewer).
    """
    if requester.id is None and not viewer.is_admin and viewer.person_id is not None:
        requester = PersonFields(
            id=viewer.person_id,
            name=requester.name,
            headline=requester.headline,
            company=requester.company,
            location=requester.location,
            profile_url=requester.profile_url,
        )
    patch = validate_person(requester)
    draft = validate_request(patch.id, to_id, message, sent_at, _now())
    if not viewer.is_admin and viewer.person_id != patch.id:
        raise Forbidden(
            f"a user may only ask to connect as themselves ({viewer.person_id!r}), "
            f"not as {patch.id!r}"
        )
    (request,) = await store.receive_requests([patch], [draft])
    return request


async def requests_page(
    store: Store,
    viewer: Viewer,
    owner: str | None,
    status: RequestStatus = RequestStatus.PENDING,
    first: int = DEFAULT_REQUESTS_FIRST,
    after: str | None = None,
) -> Page[ConnectionRequest]:
    """The owner's requests with `status`, newest first."""
    owner_id = resolve_from(viewer, owner, "owner")
    validate_first(first)
    start = cursors.parse_requests_cursor(after)
    require_self_or_admin(viewer, owner_id, "read connection requests")
    found = await store.list_requests(owner_id, status, first + 1, start)
    items = tuple(found[:first])
    more = len(found) > first
    next_cursor = (
        cursors.requests_cursor(RequestsAfter(items[-1].sent_at, items[-1].id)) if more else None
    )
    return Page(items=items, next_cursor=next_cursor)


def owners_view(viewer: Viewer, owner_id: str) -> Viewer:
    """Whose view of the graph a triage reads: the owner's, when the owner or an admin asks;
    anyone else (the requester reading the request it just filed) gets its own view, so that
    a triage never counts a rating its viewer may not see."""
    if viewer.is_admin or viewer.person_id == owner_id:
        return Viewer(owner_id, Role.USER)
    return viewer


async def triage_of(store: Store, viewer: Viewer, request: ConnectionRequest) -> Triage:
    """The triage of `request` now: the policy and the graph as they are at this moment."""
    view = owners_view(viewer, request.to_id)
    people = await store.get_people([request.from_id, request.to_id])
    requester, owner = people.get(request.from_id), people.get(request.to_id)
    if requester is None or owner is None:
        raise RuntimeError("a person of the request vanished while the request ran")
    policy = await store.get_policy(owner.id) or TriagePolicy()
    rating = await store.get_rating(owner.id, requester.id, view)
    mutuals = await store.mutual_connections(owner.id, requester.id, view)
    facts = GraphFacts(
        owner_rating=None if rating is None else rating.strength,
        shared_connections=len(mutuals),
    )
    return triage(request, requester, owner, policy, facts)


async def respond(
    store: Store,
    viewer: Viewer,
    request_id: str,
    *,
    accept: bool,
    strength: int | None = None,
    groups: Sequence[str] | None = None,
    visibility: Visibility | None = None,
) -> ConnectionRequest:
    """Accept (recording the owner's rating of the requester, in the same transaction) or
    decline a pending request. Answered once: again is BAD_USER_INPUT on `id`."""
    validate_id(request_id, "id")
    if strength is not None:
        validate_strength(strength)
    labels = None if groups is None else validate_groups(groups)
    if not accept and (strength is not None or groups is not None):
        field = "strength" if strength is not None else "groups"
        raise InvalidInput(field, "is only read when accepting (accept: true)")
    request = await store.get_request(request_id)
    if request is None:
        raise RequestNotFound(request_id)
    require_self_or_admin(viewer, request.to_id, "answer connection requests")
    if request.status is not RequestStatus.PENDING:
        raise InvalidInput("id", f"this request was already answered ({request.status.value})")
    rating = None
    if accept:
        rating = await _accepting_rating(store, viewer, request, strength, labels, visibility)
    status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    return await store.answer_request(request_id, status, rating, _now())


async def _accepting_rating(
    store: Store,
    viewer: Viewer,
    request: ConnectionRequest,
    strength: int | None,
    groups: tuple[str, ...] | None,
    visibility: Visibility | None,
) -> RatingDraft:
    """The owner's rating of the requester that accepting writes (through `put_ratings`'
    path): the given fields over the owner's existing rating, if any."""
    owner_view = Viewer(request.to_id, Role.USER)
    existing = await store.get_rating(request.to_id, request.from_id, owner_view)
    if strength is None and existing is None:
        raise InvalidInput(
            "strength", "is required to accept a request from someone the owner has not rated"
        )
    if groups is None:
        if existing is not None:
            groups = existing.groups
        else:
            decided = await triage_of(store, viewer, request)
            groups = RECRUITER_GROUPS if decided.rule is TriageRule.RECRUITER else ()
    chosen = strength if strength is not None else existing.strength if existing else None
    assert chosen is not None
    return RatingDraft(
        from_id=request.to_id,
        to_id=request.from_id,
        strength=chosen,
        groups=groups,
        context=None if existing is None else existing.context,
        visibility=visibility or Visibility.CONNECTIONS,
        since=None if existing is None else existing.since,
        last_interaction=None if existing is None else existing.last_interaction,
    )


# --- the triage policy ------------------------------------------------------------------


async def _owner(store: Store, viewer: Viewer, owner: str | None, action: str) -> Person:
    owner_id = resolve_from(viewer, owner, "owner")
    require_self_or_admin(viewer, owner_id, action)
    found = (await store.get_people([owner_id])).get(owner_id)
    if found is None:
        raise NotFound("owner", owner_id)
    return found


def effective_policy(policy: TriagePolicy | None, owner: Person) -> TriagePolicy:
    """The policy as the API shows it: the defaults where nothing is stored, the owner's name
    as the signature when none is set."""
    chosen = policy or TriagePolicy()
    if chosen.signature is not None:
        return chosen
    return TriagePolicy(
        recruiter_keywords=chosen.recruiter_keywords,
        shared_connections_at_least=chosen.shared_connections_at_least,
        home_areas=chosen.home_areas,
        interests=chosen.interests,
        generic_messages=chosen.generic_messages,
        signature=owner.name,
    )


async def policy_of(store: Store, viewer: Viewer, owner: str | None) -> TriagePolicy:
    person = await _owner(store, viewer, owner, "read the triage policy")
    return effective_policy(await store.get_policy(person.id), person)


async def set_policy(
    store: Store, viewer: Viewer, owner: str | None, fields: PolicyFields
) -> TriagePolicy:
    """Fields not given keep their value; a field given as null goes back to its default."""
    person = await _owner(store, viewer, owner, "set the triage policy")
    current = await store.get_policy(person.id) or TriagePolicy()
    updated = apply_policy(current, fields)
    await store.put_policy(person.id, updated)
    return effective_policy(updated, person)


# --- the value of a network -------------------------------------------------------------


async def network_report(store: Store, viewer: Viewer, owner: str | None) -> NetworkReport | None:
    """The owner's network as the viewer sees it; None when the owner does not exist."""
    owner_id = resolve_from(viewer, owner, "owner")
    require_self_or_admin(viewer, owner_id, "read a network report")
    person = (await store.get_people([owner_id])).get(owner_id)
    if person is None:
        return None
    given = await store.ratings_by(owner_id, viewer, _ALL, None, None, None)
    received = await store.ratings_of(owner_id, viewer)
    reach = await store.warm_reach(owner_id, viewer)
    return build_report(person, given, received, reach)


def validate_stale_months(months: int) -> int:
    return validate_range(months, "months", 0, STALE_MONTHS_MAX)

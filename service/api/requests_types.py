"""GraphQL types of connection requests, triage, the policy and the network report (issue 9),
built from domain objects with `from_domain`.

`ConnectionRequest.triage` is a resolver: triage is computed when read, from the graph and the
policy as they are now (`service.requesting.triage_of`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from strawberry import UNSET

from service import requesting, requests, triage
from service.api.arguments import given, given_int
from service.api.types import Info, PersonInput, PersonType, VisibilityType, field, load_person
from service.domain import validate_first
from service.network import DEFAULT_MISMATCHES_FIRST, DEFAULT_STALE_MONTHS, NetworkReport
from service.requests import KEEP_POLICY, PolicyFields


@strawberry.enum(name="RequestStatus")
class RequestStatusType(enum.Enum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"

    def to_domain(self) -> requests.RequestStatus:
        return requests.RequestStatus[self.name]


@strawberry.enum(name="TriageAction")
class TriageActionType(enum.Enum):
    ACCEPT_AND_THANK = "ACCEPT_AND_THANK"
    ACCEPT = "ACCEPT"
    REPLY = "REPLY"
    DECLINE = "DECLINE"


@strawberry.enum(name="TriageRule")
class TriageRuleType(enum.Enum):
    KNOWN = "KNOWN"
    RECRUITER = "RECRUITER"
    PERSONAL_NOTE = "PERSONAL_NOTE"
    SHARED_CONNECTIONS = "SHARED_CONNECTIONS"
    GENERIC = "GENERIC"


@strawberry.enum(name="Invitation")
class InvitationType(enum.Enum):
    FOLLOW = "FOLLOW"
    COFFEE = "COFFEE"


@strawberry.type(name="Triage")
class TriageType:
    action: TriageActionType
    rule: TriageRuleType
    reasons: list[str]
    shared_connections: int
    invitations: list[InvitationType]
    draft: str | None

    @classmethod
    def from_domain(cls, decided: triage.Triage) -> TriageType:
        return cls(
            action=TriageActionType[decided.action.name],
            rule=TriageRuleType[decided.rule.name],
            reasons=list(decided.reasons),
            shared_connections=decided.shared_connections,
            invitations=[InvitationType[i.name] for i in decided.invitations],
            draft=decided.draft,
        )


async def _request_from(root: strawberry.Parent[ConnectionRequestType], info: Info) -> PersonType:
    return await load_person(info, root.request.from_id)


async def _request_to(root: strawberry.Parent[ConnectionRequestType], info: Info) -> PersonType:
    return await load_person(info, root.request.to_id)


async def _triage(root: strawberry.Parent[ConnectionRequestType], info: Info) -> TriageType:
    decided = await requesting.triage_of(info.context.store, info.context.viewer, root.request)
    return TriageType.from_domain(decided)


@strawberry.type(name="ConnectionRequest")
class ConnectionRequestType:
    request: strawberry.Private[requests.ConnectionRequest]
    id: strawberry.ID
    from_: PersonType = strawberry.field(name="from", resolver=_request_from)
    to: PersonType = strawberry.field(resolver=_request_to)
    message: str | None
    sent_at: datetime
    status: RequestStatusType
    responded_at: datetime | None
    triage: TriageType = strawberry.field(resolver=_triage)

    @classmethod
    def from_domain(cls, request: requests.ConnectionRequest) -> ConnectionRequestType:
        return cls(
            request=request,
            id=strawberry.ID(request.id),
            message=request.message,
            sent_at=request.sent_at,
            status=RequestStatusType[request.status.name],
            responded_at=request.responded_at,
        )


@strawberry.type(name="RequestPage")
class RequestPageType:
    items: list[ConnectionRequestType]
    next_cursor: str | None


@strawberry.type(name="TriagePolicy")
class TriagePolicyType:
    recruiter_keywords: list[str]
    shared_connections_at_least: int
    home_areas: list[str]
    interests: list[str]
    generic_messages: list[str]
    signature: str = strawberry.field(
        description="Signs the drafts; the owner's name when not set."
    )

    @classmethod
    def from_domain(cls, policy: requests.TriagePolicy) -> TriagePolicyType:
        return cls(
            recruiter_keywords=list(policy.recruiter_keywords),
            shared_connections_at_least=policy.shared_connections_at_least,
            home_areas=list(policy.home_areas),
            interests=list(policy.interests),
            generic_messages=list(policy.generic_messages),
            signature=policy.signature or "",
        )


@strawberry.input(name="TriagePolicyInput")
class TriagePolicyInput:
    recruiter_keywords: list[str] | None = UNSET
    shared_connections_at_least: int | None = UNSET
    home_areas: list[str] | None = UNSET
    interests: list[str] | None = UNSET
    generic_messages: list[str] | None = UNSET
    signature: str | None = UNSET

    def to_fields(self) -> PolicyFields:
        def sent(value: object) -> object:
            return KEEP_POLICY if value is UNSET else value

        return PolicyFields(
            recruiter_keywords=sent(self.recruiter_keywords),  # type: ignore[arg-type]
            shared_connections_at_least=sent(self.shared_connections_at_least),  # type: ignore[arg-type]
            home_areas=sent(self.home_areas),  # type: ignore[arg-type]
            interests=sent(self.interests),  # type: ignore[arg-type]
            generic_messages=sent(self.generic_messages),  # type: ignore[arg-type]
            signature=sent(self.signature),  # type: ignore[arg-type]
        )


@strawberry.input(name="ConnectionRequestInput")
class ConnectionRequestInput:
    from_: PersonInput = strawberry.field(
        name="from", description="The requester, created or updated like upsertPerson."
    )
    to: strawberry.ID
    message: str | None = UNSET
    sent_at: datetime | None = UNSET


@strawberry.input(name="RequestResponseInput")
class RequestResponseInput:
    id: strawberry.ID
    accept: bool
    strength: int | None = UNSET
    groups: list[str] | None = UNSET
    visibility: VisibilityType | None = VisibilityType.CONNECTIONS


# --- the value of a network ---------------------------------------------------------------


@strawberry.type(name="StrengthCount")
class StrengthCountType:
    strength: int
    count: int


@strawberry.type(name="GroupCount")
class GroupCountType:
    group: str
    count: int


async def _mismatch_person(root: strawberry.Parent[MismatchType], info: Info) -> PersonType:
    return await load_person(info, root.person_id)


@strawberry.type(name="Mismatch")
class MismatchType:
    person_id: strawberry.Private[str]
    person: PersonType = strawberry.field(resolver=_mismatch_person)
    yours: int
    theirs: int


async def _report_owner(root: strawberry.Parent[NetworkReportType], info: Info) -> PersonType:
    return PersonType.from_domain(root.report.owner)


@strawberry.type(name="NetworkReport")
class NetworkReportType:
    report: strawberry.Private[NetworkReport]
    owner: PersonType = strawberry.field(resolver=_report_owner)
    connections: int = strawberry.field(description="People the owner rated.")
    by_strength: list[StrengthCountType] = strawberry.field(
        description="Always five entries, strength 1..5."
    )
    by_group: list[GroupCountType] = strawberry.field(description="Most used first, then by label.")
    unreviewed: int
    never_met: int = strawberry.field(
        description="Ratings of strength 5: people the owner has never met."
    )
    reciprocated: int = strawberry.field(
        description="People the owner rated who rated the owner back (visible to the viewer)."
    )

    @field(description="|yours - theirs| >= 2, the largest gap first, then by id.")
    def mismatches(self, first: int | None = DEFAULT_MISMATCHES_FIRST) -> list[MismatchType]:
        count = validate_first(given_int(first, DEFAULT_MISMATCHES_FIRST))
        return [
            MismatchType(person_id=m.person_id, yours=m.yours, theirs=m.theirs)
            for m in self.report.mismatches[:count]
        ]

    @field(
        description=(
            "Ratings whose lastInteraction (or since, when there is none) is before today "
            "minus `months`\ncalendar months; a rating with neither date is not stale."
        )
    )
    def stale(self, months: int | None = DEFAULT_STALE_MONTHS) -> int:
        chosen = requesting.validate_stale_months(given_int(months, DEFAULT_STALE_MONTHS))
        return self.report.stale(chosen)

    @field(
        description=(
            "People with no step to the owner whom a two-step path owner -> x -> them reaches "
            "with both\nsteps of strength 1-2 (the traversal rule, as the viewer sees it): "
            "introductions within easy reach."
        )
    )
    def warm_reach(self) -> int:
        return self.report.warm_reach

    @classmethod
    def from_domain(cls, report: NetworkReport) -> NetworkReportType:
        return cls(
            report=report,
            connections=report.connections,
            by_strength=[StrengthCountType(strength=s, count=c) for s, c in report.by_strength],
            by_group=[GroupCountType(group=g, count=c) for g, c in report.by_group],
            unreviewed=report.unreviewed,
            never_met=report.never_met,
            reciprocated=report.reciprocated,
        )


def request_status(value: RequestStatusType | None) -> requests.RequestStatus:
    chosen = given(value)
    return requests.RequestStatus.PENDING if chosen is None else chosen.to_domain()

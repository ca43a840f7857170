"""GraphQL types, built from domain objects with `from_domain`, and the input types.

Fields that name people (`Rating.from`, `PathStep.ratedBy`, `WarmPath.people`, ...) resolve
through the request's Person DataLoader: one `store.get_people` call per batch.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol, TypeVar, cast

import strawberry
from strawberry import UNSET

from service import contacts, domain
from service.api.arguments import given, given_int, maybe_text
from service.api.context import RequestContext
from service.api.leaf_inputs import builds_from_leaves
from service.domain import DEFAULT_RATINGS_FIRST, PersonFields, RatingFields
from service.imports import DEFAULT_GROUPS as DEFAULT_IMPORT_GROUPS
from service.imports import DEFAULT_STRENGTH as DEFAULT_IMPORT_STRENGTH
from service.imports import CsvText, ImportOptions, ImportReport
from service.linkedin import CONNECTIONS_FILE, INVITATIONS_FILE, RowIssue

Info = strawberry.Info[RequestContext, None]
F = TypeVar("F", bound=Callable[..., Any])


def field(*, description: str) -> Callable[[F], F]:
    """`strawberry.field(description=...)` as a typed decorator: strawberry's own overload for
    a decorator with arguments returns Any, which mypy strict rejects on every resolver."""
    return cast(Callable[[F], F], strawberry.field(description=description))


def mutation(*, description: str) -> Callable[[F], F]:
    return cast(Callable[[F], F], strawberry.mutation(description=description))


async def load_person(info: Info, person_id: str) -> PersonType:
    person = await info.context.people.load(person_id)
    if person is None:
        # A rating or path names a person the store no longer has: deleted meanwhile.
        raise RuntimeError(f"person {person_id!r} vanished while the request ran")
    return PersonType.from_domain(person)


class _HasEnds(Protocol):
    from_id: str
    to_id: str


# Resolvers of fields that name people; plain functions so that the fields keep the order of
# the contract's SDL (strawberry lists method fields after annotated ones).
async def _from_person(root: strawberry.Parent[_HasEnds], info: Info) -> PersonType:
    return await load_person(info, root.from_id)


async def _to_person(root: strawberry.Parent[_HasEnds], info: Info) -> PersonType:
    return await load_person(info, root.to_id)


async def _rated_by(root: strawberry.Parent[PathStepType], info: Info) -> PersonType:
    return await load_person(info, root.rated_by_id)


async def _introducer_person(root: strawberry.Parent[IntroducerType], info: Info) -> PersonType:
    return await load_person(info, root.person_id)


async def _path_people(root: strawberry.Parent[WarmPathType], info: Info) -> list[PersonType]:
    people = await info.context.people.load_many(root.people_ids)
    if any(person is None for person in people):
        raise RuntimeError("a person of the path vanished while the request ran")
    return [PersonType.from_domain(person) for person in people if person is not None]


@strawberry.enum(name="Visibility")
class VisibilityType(enum.Enum):
    PUBLIC = "PUBLIC"
    CONNECTIONS = "CONNECTIONS"
    PRIVATE = "PRIVATE"

    @classmethod
    def from_domain(cls, visibility: domain.Visibility) -> VisibilityType:
        return cls[visibility.name]

    def to_domain(self) -> domain.Visibility:
        return domain.Visibility[self.name]


@strawberry.type(name="Person")
class PersonType:
    id: strawberry.ID
    name: str
    headline: str | None
    company: str | None
    location: str | None
    profile_url: str | None

    @classmethod
    def from_domain(cls, person: domain.Person) -> PersonType:
        return cls(
            id=strawberry.ID(person.id),
            name=person.name,
            headline=person.headline,
            company=person.company,
            location=person.location,
            profile_url=person.profile_url,
        )

    @field(description="Ratings this person gave, visible to the viewer, strongest first.")
    async def ratings(
        self,
        info: Info,
        first: int | None = DEFAULT_RATINGS_FIRST,
        after: str | None = UNSET,
        max_strength: int | None = UNSET,
        group: str | None = UNSET,
    ) -> RatingPageType:
        page = await contacts.ratings_of(
            info.context.store,
            info.context.viewer,
            str(self.id),
            first=given_int(first, DEFAULT_RATINGS_FIRST),
            after=given(after),
            max_strength=given(max_strength),
            group=given(group),
        )
        return RatingPageType.from_domain(page)


@strawberry.type(name="RatingVersion")
class RatingVersionType:
    strength: int
    groups: list[str]
    visibility: VisibilityType
    changed_at: datetime

    @classmethod
    def from_domain(cls, version: domain.RatingVersion) -> RatingVersionType:
        return cls(
            strength=version.strength,
            groups=list(version.groups),
            visibility=VisibilityType.from_domain(version.visibility),
            changed_at=version.changed_at,
        )


@strawberry.type(name="Rating")
class RatingType:
    from_id: strawberry.Private[str]
    to_id: strawberry.Private[str]
    from_: PersonType = strawberry.field(name="from", resolver=_from_person)
    to: PersonType = strawberry.field(resolver=_to_person)
    strength: int
    groups: list[str]
    context: str | None
    visibility: VisibilityType
    since: date | None
    last_interaction: date | None
    created_at: datetime
    updated_at: datetime
    reviewed: bool = strawberry.field(
        description=(
            "False for a rating that an import created and its rater has not confirmed; "
            "rating again sets it."
        )
    )
    history: list[RatingVersionType] = strawberry.field(
        description=(
            "Earlier versions of this rating, oldest first (every replace keeps the one it "
            "replaced)."
        )
    )

    @field(description="to's rating of from, when it exists and is visible.")
    async def reciprocal(self, info: Info) -> RatingType | None:
        found = await contacts.rating(
            info.context.store, info.context.viewer, self.to_id, self.from_id
        )
        return None if found is None else RatingType.from_domain(found)

    @classmethod
    def from_domain(cls, rating: domain.Rating) -> RatingType:
        return cls(
            from_id=rating.from_id,
            to_id=rating.to_id,
            strength=rating.strength,
            groups=list(rating.groups),
            context=rating.context,
            visibility=VisibilityType.from_domain(rating.visibility),
            since=rating.since,
            last_interaction=rating.last_interaction,
            created_at=rating.created_at,
            updated_at=rating.updated_at,
            reviewed=rating.reviewed,
            history=[RatingVersionType.from_domain(v) for v in rating.history],
        )


@strawberry.type(name="RatingPage")
class RatingPageType:
    items: list[RatingType]
    next_cursor: str | None

    @classmethod
    def from_domain(cls, page: domain.Page[domain.Rating]) -> RatingPageType:
        return cls(
            items=[RatingType.from_domain(r) for r in page.items], next_cursor=page.next_cursor
        )


@strawberry.type(name="PersonPage")
class PersonPageType:
    items: list[PersonType]
    next_cursor: str | None

    @classmethod
    def from_domain(cls, page: domain.Page[domain.Person]) -> PersonPageType:
        return cls(
            items=[PersonType.from_domain(p) for p in page.items], next_cursor=page.next_cursor
        )


@strawberry.type(name="PathStep")
class PathStepType:
    from_id: strawberry.Private[str]
    to_id: strawberry.Private[str]
    rated_by_id: strawberry.Private[str]
    from_: PersonType = strawberry.field(name="from", resolver=_from_person)
    to: PersonType = strawberry.field(resolver=_to_person)
    strength: int
    rated_by: PersonType = strawberry.field(
        resolver=_rated_by,
        description=(
            "The rater of the rating this step used: `from`, or `to` when only the reverse "
            "rating exists."
        ),
    )
    groups: list[str]

    @classmethod
    def from_domain(cls, step: domain.Step) -> PathStepType:
        return cls(
            from_id=step.from_id,
            to_id=step.to_id,
            rated_by_id=step.rated_by,
            strength=step.strength,
            groups=list(step.groups),
        )


@strawberry.type(name="Introducer")
class IntroducerType:
    person_id: strawberry.Private[str]
    person: PersonType = strawberry.field(resolver=_introducer_person)

    to_introducer: PathStepType = strawberry.field(description="from -> introducer")
    to_target: PathStepType = strawberry.field(description="introducer -> target")
    score: float

    @classmethod
    def from_domain(cls, introducer: domain.Introducer) -> IntroducerType:
        return cls(
            person_id=introducer.person_id,
            to_introducer=PathStepType.from_domain(introducer.to_introducer),
            to_target=PathStepType.from_domain(introducer.to_target),
            score=introducer.score,
        )


@strawberry.type(name="WarmPath")
class WarmPathType:
    people_ids: strawberry.Private[tuple[str, ...]]
    people: list[PersonType] = strawberry.field(resolver=_path_people)

    steps: list[PathStepType]
    hops: int
    score: float

    @classmethod
    def from_domain(cls, path: domain.Path) -> WarmPathType:
        return cls(
            people_ids=path.people,
            steps=[PathStepType.from_domain(s) for s in path.steps],
            hops=path.hops,
            score=path.score,
        )


@strawberry.type(name="RateConnectionsResult")
class RateConnectionsResultType:
    stored: strawberry.Private[list[domain.Rating]]

    @strawberry.field
    def count(self) -> int:
        return len(self.stored)

    @strawberry.field
    def ratings(self) -> list[RatingType]:
        # Built only when asked for: a loader selects `count` of 5,000-rating batches.
        return [RatingType.from_domain(r) for r in self.stored]


@builds_from_leaves
@strawberry.input(name="PersonInput")
class PersonInput:
    id: strawberry.ID | None = UNSET
    name: str
    headline: str | None = UNSET
    company: str | None = UNSET
    location: str | None = UNSET
    profile_url: str | None = UNSET

    def to_fields(self) -> PersonFields:
        return PersonFields(
            id=given(self.id),
            name=self.name,
            headline=maybe_text(self.headline),
            company=maybe_text(self.company),
            location=maybe_text(self.location),
            profile_url=maybe_text(self.profile_url),
        )


@builds_from_leaves
@strawberry.input(name="RatingInput")
class RatingInput:
    from_: strawberry.ID | None = strawberry.field(name="from", default=UNSET)
    to: strawberry.ID
    strength: int
    groups: list[str] | None = UNSET
    context: str | None = UNSET
    visibility: VisibilityType | None = VisibilityType.CONNECTIONS
    since: date | None = UNSET
    last_interaction: date | None = UNSET

    def to_fields(self) -> RatingFields:
        visibility = given(self.visibility)
        return RatingFields(
            from_id=given(self.from_),
            to_id=self.to,
            strength=self.strength,
            groups=given(self.groups),
            context=given(self.context),
            visibility=None if visibility is None else visibility.to_domain(),
            since=given(self.since),
            last_interaction=given(self.last_interaction),
        )


# --- LinkedIn import (issue 8) ------------------------------------------------------------


@strawberry.type(name="RejectedRow")
class RejectedRowType:
    file: str
    line: int
    reason: str

    @classmethod
    def from_domain(cls, issue: RowIssue) -> RejectedRowType:
        return cls(file=issue.file, line=issue.line, reason=issue.reason)


@strawberry.type(name="ImportReport")
class ImportReportType:
    people_created: int = strawberry.field(
        description="Including new requesters from Invitations.csv."
    )
    people_updated: int = strawberry.field(description="People whose stored fields changed.")
    ratings_created: int
    ratings_kept: int = strawberry.field(
        description="Ratings the owner already had: left as they were."
    )
    requests_created: int
    rejected: list[RejectedRowType]
    warnings: list[RejectedRowType]

    @classmethod
    def from_domain(cls, report: ImportReport) -> ImportReportType:
        return cls(
            people_created=report.people_created,
            people_updated=report.people_updated,
            ratings_created=report.ratings_created,
            ratings_kept=report.ratings_kept,
            requests_created=report.requests_created,
            rejected=[RejectedRowType.from_domain(i) for i in report.rejected],
            warnings=[RejectedRowType.from_domain(i) for i in report.warnings],
        )


@strawberry.input(name="LinkedInImportInput")
class LinkedInImportInput:
    owner: strawberry.ID | None = UNSET
    connections_csv: str | None = strawberry.field(
        default=UNSET, description="The text of Connections.csv."
    )
    invitations_csv: str | None = strawberry.field(
        default=UNSET, description="The text of Invitations.csv."
    )
    strength: int | None = DEFAULT_IMPORT_STRENGTH
    groups: list[str] | None = strawberry.field(default_factory=lambda: list(DEFAULT_IMPORT_GROUPS))
    visibility: VisibilityType | None = VisibilityType.CONNECTIONS

    def to_options(self) -> ImportOptions:
        visibility = given(self.visibility)
        return ImportOptions(
            owner=given(self.owner),
            strength=given_int(self.strength, DEFAULT_IMPORT_STRENGTH),
            groups=given(self.groups),
            visibility=domain.Visibility.CONNECTIONS
            if visibility is None
            else visibility.to_domain(),
        )

    def texts(self) -> tuple[CsvText | None, CsvText | None]:
        connections, invitations = given(self.connections_csv), given(self.invitations_csv)
        return (
            None
            if connections is None
            else CsvText(CONNECTIONS_FILE, connections, "connectionsCsv"),
            None
            if invitations is None
            else CsvText(INVITATIONS_FILE, invitations, "invitationsCsv"),
        )

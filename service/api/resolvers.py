"""Query and Mutation: each resolver turns its arguments into one use-case call and the
result into GraphQL types. Rules and validation live in the use-cases, not here.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import UNSET

from service import contacts, imports, introductions, review
from service.api.arguments import given, given_int
from service.api.types import (
    ImportReportType,
    Info,
    IntroducerType,
    LinkedInImportInput,
    PersonInput,
    PersonPageType,
    PersonType,
    RateConnectionsResultType,
    RatingInput,
    RatingPageType,
    RatingType,
    WarmPathType,
    field,
    mutation,
)
from service.domain import (
    DEFAULT_INTRODUCERS_FIRST,
    DEFAULT_MAX_HOPS,
    DEFAULT_MAX_STRENGTH,
    DEFAULT_PEOPLE_FIRST,
    DEFAULT_WARM_PATHS_FIRST,
)

FromArg = Annotated[strawberry.ID | None, strawberry.argument(name="from")]
RequiredFromArg = Annotated[strawberry.ID, strawberry.argument(name="from")]


@strawberry.type
class Query:
    @strawberry.field
    async def person(self, info: Info, id: strawberry.ID) -> PersonType | None:
        found = await contacts.person(info.context.store, id)
        return None if found is None else PersonType.from_domain(found)

    @field(
        description=(
            "Case-insensitive match on any part of the name, or a prefix of the id; "
            "ordered by name, then id."
        )
    )
    async def people(
        self,
        info: Info,
        search: str | None = UNSET,
        first: int | None = DEFAULT_PEOPLE_FIRST,
        after: str | None = UNSET,
    ) -> PersonPageType:
        page = await contacts.people(
            info.context.store,
            given(search),
            first=given_int(first, DEFAULT_PEOPLE_FIRST),
            after=given(after),
        )
        return PersonPageType.from_domain(page)

    @field(description="The stored rating by `from` of `to`, if visible.")
    async def rating(
        self, info: Info, from_: RequiredFromArg, to: strawberry.ID
    ) -> RatingType | None:
        found = await contacts.rating(info.context.store, info.context.viewer, from_, to)
        return None if found is None else RatingType.from_domain(found)

    @field(
        description="Who can introduce `from` to `target`: people one step from both, best first."
    )
    async def introducers(
        self,
        info: Info,
        *,
        from_: FromArg = UNSET,
        target: strawberry.ID,
        first: int | None = DEFAULT_INTRODUCERS_FIRST,
        max_strength: int | None = DEFAULT_MAX_STRENGTH,
    ) -> list[IntroducerType]:
        found = await introductions.introducers(
            info.context.store,
            info.context.viewer,
            info.context.table,
            from_id=given(from_),
            target=target,
            first=given_int(first, DEFAULT_INTRODUCERS_FIRST),
            max_strength=given_int(max_strength, DEFAULT_MAX_STRENGTH),
        )
        info.context.know(person for introducer in found for person in introducer.known)
        return [IntroducerType.from_domain(i) for i in found]

    @field(description="Best simple paths from `from` to `target` with at most `maxHops` steps.")
    async def warm_paths(
        self,
        info: Info,
        *,
        from_: FromArg = UNSET,
        target: strawberry.ID,
        max_hops: int | None = DEFAULT_MAX_HOPS,
        first: int | None = DEFAULT_WARM_PATHS_FIRST,
        max_strength: int | None = DEFAULT_MAX_STRENGTH,
        avoid: list[strawberry.ID] | None = (),  # type: ignore[assignment]
    ) -> list[WarmPathType]:
        found = await introductions.warm_paths(
            info.context.store,
            info.context.viewer,
            info.context.table,
            from_id=given(from_),
            target=target,
            max_hops=given_int(max_hops, DEFAULT_MAX_HOPS),
            first=given_int(first, DEFAULT_WARM_PATHS_FIRST),
            max_strength=given_int(max_strength, DEFAULT_MAX_STRENGTH),
            avoid=given(avoid) or (),
        )
        info.context.know(person for path in found for person in path.known)
        return [WarmPathType.from_domain(p) for p in found]

    @field(
        description="People with a step to both a and b (never a or b themselves), ordered by id."
    )
    async def mutual_connections(
        self, info: Info, a: strawberry.ID, b: strawberry.ID
    ) -> list[PersonType]:
        found = await introductions.mutual_connections(
            info.context.store, info.context.viewer, a, b
        )
        return [PersonType.from_domain(p) for p in found]

    @field(
        description="The owner's ratings still to confirm, most recent `since` first, then by id."
    )
    async def to_review(
        self,
        info: Info,
        owner: strawberry.ID | None = UNSET,
        first: int | None = review.DEFAULT_TO_REVIEW_FIRST,
        after: str | None = UNSET,
    ) -> RatingPageType:
        page = await review.to_review(
            info.context.store,
            info.context.viewer,
            given(owner),
            first=given_int(first, review.DEFAULT_TO_REVIEW_FIRST),
            after=given(after),
        )
        return RatingPageType.from_domain(page)


@strawberry.type
class Mutation:
    @mutation(description="Create or update a person (fields not given are left as they were).")
    async def upsert_person(self, info: Info, input: PersonInput) -> PersonType:
        stored = await contacts.upsert_person(
            info.context.store, info.context.viewer, input.to_fields()
        )
        return PersonType.from_domain(stored)

    @mutation(description="Many people in one transaction: all are stored, or none.")
    async def upsert_people(self, info: Info, input: list[PersonInput]) -> list[PersonType]:
        stored = await contacts.upsert_people(
            info.context.store, info.context.viewer, [item.to_fields() for item in input]
        )
        return [PersonType.from_domain(p) for p in stored]

    @mutation(description="Record or replace how well `from` knows `to`.")
    async def rate_connection(self, info: Info, input: RatingInput) -> RatingType:
        stored = await contacts.rate_connection(
            info.context.store, info.context.viewer, input.to_fields()
        )
        return RatingType.from_domain(stored)

    @mutation(description="Many ratings in one transaction: all are stored, or none.")
    async def rate_connections(
        self, info: Info, input: list[RatingInput]
    ) -> RateConnectionsResultType:
        stored = await contacts.rate_connections(
            info.context.store, info.context.viewer, [item.to_fields() for item in input]
        )
        return RateConnectionsResultType(stored=stored)

    @mutation(description="Remove from's rating of to. True when there was one.")
    async def remove_rating(self, info: Info, *, from_: FromArg = UNSET, to: strawberry.ID) -> bool:
        return await contacts.remove_rating(
            info.context.store, info.context.viewer, given(from_), to
        )

    @mutation(
        description="Remove a person and every rating from or to them. True when there was one."
    )
    async def delete_person(self, info: Info, id: strawberry.ID) -> bool:
        return await contacts.delete_person(info.context.store, info.context.viewer, id)

    # The contract spells it LinkedIn, which strawberry's camel-casing would not.
    @strawberry.mutation(name="importLinkedIn")  # type: ignore[untyped-decorator]
    async def import_linkedin(self, info: Info, input: LinkedInImportInput) -> ImportReportType:
        connections, invitations = input.texts()
        report = await imports.import_linkedin(
            info.context.store,
            info.context.viewer,
            input.to_options(),
            connections,
            invitations,
        )
        return ImportReportType.from_domain(report)

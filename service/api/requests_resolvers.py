"""Query and Mutation fields of issue 9: connection requests, the triage policy, the network
report. Thin: arguments -> one use-case call (`service.requesting`) -> types."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from service import requesting
from service.api.arguments import given, given_int
from service.api.requests_types import (
    ConnectionRequestInput,
    ConnectionRequestType,
    NetworkReportType,
    RequestPageType,
    RequestResponseInput,
    RequestStatusType,
    TriagePolicyInput,
    TriagePolicyType,
    request_status,
)
from service.api.types import Info, field, mutation
from service.requests import DEFAULT_REQUESTS_FIRST


@strawberry.type
class RequestsQuery:
    @field(description="Newest first.")
    async def connection_requests(
        self,
        info: Info,
        owner: strawberry.ID | None = UNSET,
        status: RequestStatusType | None = RequestStatusType.PENDING,
        first: int | None = DEFAULT_REQUESTS_FIRST,
        after: str | None = UNSET,
    ) -> RequestPageType:
        page = await requesting.requests_page(
            info.context.store,
            info.context.viewer,
            given(owner),
            request_status(status),
            first=given_int(first, DEFAULT_REQUESTS_FIRST),
            after=given(after),
        )
        return RequestPageType(
            items=[ConnectionRequestType.from_domain(r) for r in page.items],
            next_cursor=page.next_cursor,
        )

    @strawberry.field
    async def triage_policy(
        self, info: Info, owner: strawberry.ID | None = UNSET
    ) -> TriagePolicyType:
        policy = await requesting.policy_of(info.context.store, info.context.viewer, given(owner))
        return TriagePolicyType.from_domain(policy)

    @field(description="Null when the owner does not exist.")
    async def network_report(
        self, info: Info, owner: strawberry.ID | None = UNSET
    ) -> NetworkReportType | None:
        report = await requesting.network_report(
            info.context.store, info.context.viewer, given(owner)
        )
        return None if report is None else NetworkReportType.from_domain(report)


@strawberry.type
class RequestsMutation:
    @strawberry.mutation
    async def receive_connection_request(
        self, info: Info, input: ConnectionRequestInput
    ) -> ConnectionRequestType:
        request = await requesting.receive_request(
            info.context.store,
            info.context.viewer,
            input.from_.to_fields(),
            input.to,
            message=given(input.message),
            sent_at=given(input.sent_at),
        )
        return ConnectionRequestType.from_domain(request)

    @strawberry.mutation
    async def respond_to_request(
        self, info: Info, input: RequestResponseInput
    ) -> ConnectionRequestType:
        visibility = given(input.visibility)
        request = await requesting.respond(
            info.context.store,
            info.context.viewer,
            input.id,
            accept=input.accept,
            strength=given(input.strength),
            groups=given(input.groups),
            visibility=None if visibility is None else visibility.to_domain(),
        )
        return ConnectionRequestType.from_domain(request)

    @mutation(description="Fields not given keep their value.")
    async def set_triage_policy(
        self, info: Info, *, owner: strawberry.ID | None = UNSET, input: TriagePolicyInput
    ) -> TriagePolicyType:
        policy = await requesting.set_policy(
            info.context.store, info.context.viewer, given(owner), input.to_fields()
        )
        return TriagePolicyType.from_domain(policy)

"""The strawberry schema of tiegraph, with its limits and error handling as extensions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from service.api.context import RequestContext
from service.api.document_cache import CachedDocuments, DocumentLru
from service.api.errors import ErrorCodes
from service.api.graphql_http import OperationNameRequired
from service.api.limits import ShapeLimits, TokenLimit
from service.api.offloop import OffLoopRunner, bound_to, is_heavy
from service.api.outcome import RecordOutcome
from service.api.requests_resolvers import RequestsMutation, RequestsQuery
from service.api.resolvers import Mutation, Query
from service.observability.tracing import tracing_extensions
from service.settings import Settings


class TiegraphSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Nothing: `ErrorCodes` logs unexpected errors once, with the request id; expected
        ones (bad input, no token) are the client's business, not the log's."""

    # Set by `build_schema`: where operations run (None: on the caller's loop).
    off_loop: OffLoopRunner | None = None

    async def execute(  # noqa: PLR0913
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """A large operation (parse, validate, execute) on a worker's loop (`offloop`), the
        store's calls on this one; a small one, or one without a store context, runs here."""
        runner = self.off_loop
        heavy = is_heavy(query, variable_values)
        if runner is None or not heavy or not isinstance(context_value, RequestContext):
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        context_value.bind_store(lambda store: bound_to(store, asyncio.get_running_loop()))

        def operation() -> Any:
            return strawberry.Schema.execute(
                self,
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )

        result: ExecutionResult = await runner.run(operation)
        return result


# Issue 9's fields join the v1 ones; each group keeps its own module.
ALL_QUERIES = merge_types("Query", (Query, RequestsQuery))
ALL_MUTATIONS = merge_types("Mutation", (Mutation, RequestsMutation))


def build_schema(
    settings: Settings | None = None, tracer_provider: Any = None
) -> strawberry.Schema:
    """The schema with `settings`' limits; None: the defaults, read from no environment.
    Traced with OpenTelemetry when `tracer_provider` is given or settings.tracing is "otel"."""
    # model_construct: the limits' defaults without Settings' validation (no secret needed
    # to print or test the schema).
    settings = settings or Settings.model_construct()
    limits = settings
    documents = DocumentLru()
    # Factories, not instances: strawberry builds fresh extensions for every request.
    extensions: list[Any] = [
        lambda: CachedDocuments(documents),
        lambda: TokenLimit(limits.max_tokens),
        lambda: ShapeLimits(max_depth=limits.max_depth, max_aliases=limits.max_aliases),
        ErrorCodes,
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    # Issue 11. RecordOutcome first, so that its on_operation ends last and reads the errors
    # ErrorCodes coded.
    extensions[:0] = [RecordOutcome, OperationNameRequired]
    extensions.extend(tracing_extensions(settings, tracer_provider))
    schema = TiegraphSchema(query=ALL_QUERIES, mutation=ALL_MUTATIONS, extensions=extensions)
    schema.off_loop = OffLoopRunner(settings.graphql_workers)
    return schema


def sdl() -> str:
    """The schema in SDL, as checked in at ``schema.graphql``."""
    return str(build_schema()) + "\n"

"""The strawberry schema of tiegraph, with its limits and error handling as extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from service.api.document_cache import CachedDocuments, DocumentLru
from service.api.errors import ErrorCodes
from service.api.limits import ShapeLimits, TokenLimit
from service.api.requests_resolvers import RequestsMutation, RequestsQuery
from service.api.resolvers import Mutation, Query
from service.settings import Settings


class TiegraphSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Nothing: `ErrorCodes` logs unexpected errors once, with the request id; expected
        ones (bad input, no token) are the client's business, not the log's."""


# Issue 9's fields join the v1 ones; each group keeps its own module.
ALL_QUERIES = merge_types("Query", (Query, RequestsQuery))
ALL_MUTATIONS = merge_types("Mutation", (Mutation, RequestsMutation))


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with `settings`' limits; None: the defaults, read from no environment."""
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
    return TiegraphSchema(query=ALL_QUERIES, mutation=ALL_MUTATIONS, extensions=extensions)


def sdl() -> str:
    """The schema in SDL, as checked in at ``schema.graphql``."""
    return str(build_schema()) + "\n"

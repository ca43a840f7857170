"""GraphQL over HTTP as its specification says (graphql.github.io/graphql-over-http):

- media type: a client whose ``Accept`` prefers ``application/graphql-response+json`` gets it,
  and then the status tells a request error (the document or the request was refused before
  execution: no ``data`` entry, a 4xx/5xx status) from an execution result (200, with
  ``data``, perhaps with field errors). Anyone else gets ``application/json`` and 200 for
  every GraphQL result, as before;
- ``operationName`` is required when the document holds several operations
  (`OperationNameRequired`) rather than running the first one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from service.errors import (
    Forbidden,
    InvalidInput,
    QueryTooComplex,
    StoreUnavailable,
    TiegraphError,
    Unauthenticated,
)

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"

# The status of a request error, by its first error's code (GraphQL over HTTP, 6.4.2).
REQUEST_ERROR_STATUS: dict[str, int] = {
    InvalidInput.code: 400,
    QueryTooComplex.code: 400,
    Unauthenticated.code: 401,
    Forbidden.code: 403,
    StoreUnavailable.code: 503,
    TiegraphError.code: 500,
}


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def negotiate(accept: str | None) -> str:
    """`GRAPHQL_RESPONSE` when the Accept header ranks it at least as high as JSON, else `JSON`.

    >>> negotiate("application/graphql-response+json, application/json;q=0.9")
    'application/graphql-response+json'
    >>> negotiate("application/json, application/graphql-response+json;q=0.5")
    'application/json'
    >>> negotiate(None), negotiate("*/*")
    ('application/json', 'application/json')
    """
    ranks: dict[str, float] = {}
    for part in (accept or "").split(","):
        media, *parameters = part.split(";")
        media = media.strip().lower()
        if media:
            ranks[media] = max(ranks.get(media, 0.0), _quality(parameters))
    wanted = ranks.get(GRAPHQL_RESPONSE, 0.0)
    if wanted <= 0:
        return JSON
    json_rank = max(ranks.get(JSON, 0.0), ranks.get("application/*", 0.0), ranks.get("*/*", 0.0))
    return GRAPHQL_RESPONSE if wanted >= json_rank else JSON


def is_request_error(body: dict[str, Any]) -> bool:
    """The request was refused before execution: no data, and no error has a path."""
    errors = body.get("errors") or []
    return body.get("data") is None and bool(errors) and all("path" not in e for e in errors)


def status_of(body: dict[str, Any]) -> int:
    """The HTTP status of a GraphQL response body under `GRAPHQL_RESPONSE`."""
    if not is_request_error(body):
        return 200
    code = (body["errors"][0].get("extensions") or {}).get("code")
    return REQUEST_ERROR_STATUS.get(str(code), 400)


def as_graphql_response(body: dict[str, Any]) -> dict[str, Any]:
    """`body` under `GRAPHQL_RESPONSE`: a request error has no `data` entry at all."""
    if is_request_error(body) and "data" in body:
        return {key: value for key, value in body.items() if key != "data"}
    return body


class OperationNameRequired(SchemaExtension):
    """A document with several operations and no `operationName` is BAD_USER_INPUT
    (field `operationName`), listing the operations it could name; nothing runs.

    Checked when execution starts, after validation (whose outcome `CachedDocuments` keeps
    per text, and which does not depend on the operation name): setting the result there is
    strawberry's way to answer without executing.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # strawberry keeps the client's operationName here; `operation_name` falls back to
        # the first operation's name, which is what this rule refuses to guess.
        provided = getattr(context, "_provided_operation_name", None)
        if document is not None and provided is None and context.result is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                names = ", ".join(op.name.value if op.name else "(anonymous)" for op in operations)
                error = GraphQLError(
                    f"the document holds {len(operations)} operations ({names}): "
                    "operationName must name the one to run",
                    extensions={"code": InvalidInput.code, "field": "operationName"},
                )
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield

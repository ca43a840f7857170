"""What a GraphQL request came to, for the access log and the metrics: its operation name and
type and the `extensions.code` of its errors.

Recorded in the ASGI scope's state (``request.state``), where the access middleware, which
sees the request from outside, reads it once the response is sent. Recorded by the schema
extension `RecordOutcome` for an operation that ran, and by the HTTP edge for a request
refused before (no token, store down, malformed, too large).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

STATE_KEY = "tiegraph_graphql"


@dataclass(slots=True)
class Outcome:
    operation: str | None = None
    type: str | None = None  # query, mutation; None when it could not be told
    codes: list[str] = field(default_factory=list)


def record(state: MutableMapping[str, Any], outcome: Outcome) -> None:
    state[STATE_KEY] = outcome


def recorded(state: MutableMapping[str, Any]) -> Outcome | None:
    found = state.get(STATE_KEY)
    return found if isinstance(found, Outcome) else None


def codes_of(errors: Any) -> list[str]:
    """The `extensions.code` of each error (GraphQLError objects or response dicts)."""
    codes = []
    for error in errors or ():
        extensions = error.get("extensions") if isinstance(error, dict) else error.extensions
        code = (extensions or {}).get("code")
        codes.append(code if isinstance(code, str) else "INTERNAL_SERVER_ERROR")
    return codes


def scope_state(context: Any) -> MutableMapping[str, Any] | None:
    """The scope state of the HTTP request behind a strawberry context, if any."""
    request = getattr(context, "request", None)
    scope = getattr(request, "scope", None)
    if not isinstance(scope, dict):
        return None
    state: MutableMapping[str, Any] = scope.setdefault("state", {})
    return state


class RecordOutcome(SchemaExtension):
    """Records the operation's name, type and error codes. Listed before `ErrorCodes`, so
    that it reads the errors after they got their codes (extensions exit in reverse)."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        state = scope_state(context.context)
        if state is None:
            return
        try:
            operation_type: str | None = context.operation_type.value
        except Exception:  # no document, or no such operation: it could not be told
            operation_type = None
        result = context.result
        errors = (
            result.errors
            if isinstance(result, GraphQLExecutionResult | ExecutionResult)
            else context.pre_execution_errors
        )
        record(state, Outcome(context.operation_name, operation_type, codes_of(errors)))

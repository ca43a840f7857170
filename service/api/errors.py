"""The one place where errors become what a client sees: every error gets `extensions.code`.

::

    TiegraphError raised by a use-case      -> its own extensions (code, field, invalid, ...)
    parse / validation / variable errors    -> BAD_USER_INPUT, with `field` when derivable
    limits (depth, aliases, tokens, bytes)  -> QUERY_TOO_COMPLEX
    anything else                           -> INTERNAL_SERVER_ERROR, message masked as
                                               "Internal error (request id X)", logged with
                                               the request id and the traceback
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSyntaxError,
    Node,
    ObjectFieldNode,
    VariableDefinitionNode,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from service.errors import (
    CODES,
    InvalidInput,
    QueryTooComplex,
    StoreOutcomeUnknown,
    StoreUnavailable,
    TiegraphError,
)

logger = logging.getLogger("tiegraph.api")

BAD_USER_INPUT = InvalidInput.code
INTERNAL = TiegraphError.code

# graphql-core's messages name the offending argument or input field; the first match wins.
_VARIABLE = re.compile(r"^Variable '\$(\w+)'(?: has invalid value at (\S+?):)?")
_FIELD_IN_MESSAGE = (
    re.compile(r"required field '(\w+)'"),
    re.compile(r"^Argument '[\w.]+\((\w+):\)'"),
    re.compile(r"[Aa]rgument '(\w+)'"),
    re.compile(r"^Field '[\w.]+\.(\w+)'"),
    re.compile(r"field '(\w+)'"),
)
_NAME = re.compile(r"[A-Za-z_]\w*")


def error_body(message: str, extensions: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL-shaped response body for a request refused before GraphQL ran (HTTP level)."""
    return {"data": None, "errors": [{"message": message, "extensions": extensions}]}


def public_message(error: TiegraphError, request_id: str) -> str:
    """What the client reads. A store failure names hosts and ports: that goes to the log only."""
    if isinstance(error, StoreOutcomeUnknown):
        logger.error("write outcome unknown (request id %s): %s", request_id, error.message)
        return (
            "The store stopped answering while committing; the write may have been stored. "
            f"Sending it again is safe (request id {request_id})"
        )
    if isinstance(error, StoreUnavailable):
        logger.warning("store unavailable (request id %s): %s", request_id, error.message)
        return f"The store did not answer; nothing was written (request id {request_id})"
    return error.message


def refusal_body(error: TiegraphError, request_id: str) -> dict[str, Any]:
    return error_body(public_message(error, request_id), error.extensions())


def _children(node: Node) -> Iterator[Node]:
    for key in node.keys:
        value = getattr(node, key, None)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple | list):
            yield from (item for item in value if isinstance(item, Node))


def _named_parent(root: Node, target: Node, named: str | None = None) -> str | None:
    """The name of the nearest argument or input field around `target` in `root`."""
    if root is target:
        return named
    if isinstance(root, ArgumentNode | ObjectFieldNode):
        named = root.name.value
    for child in _children(root):
        found = _named_parent(child, target, named)
        if found is not None:
            return found
    return None


def field_of(error: GraphQLError, document: DocumentNode | None) -> str | None:
    """The argument, variable or input field an input error is about, when it can be told."""
    for pattern in _FIELD_IN_MESSAGE:
        match = pattern.search(error.message)
        if match:
            return match[1]
    variable = _VARIABLE.search(error.message)
    if variable:
        # "Variable '$input' has invalid value at [3].strength: ..." names `strength`.
        names = _NAME.findall(variable[2] or "")
        return names[-1] if names else variable[1]
    for node in error.nodes or ():
        if isinstance(node, ArgumentNode | ObjectFieldNode):
            return node.name.value
        if isinstance(node, VariableDefinitionNode):
            return node.variable.name.value
        if isinstance(node, FieldNode):
            return node.name.value
        if document is not None:
            found = _named_parent(document, node)
            if found is not None:
                return found
    return None


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


def _is_request_error(error: GraphQLError) -> bool:
    """Errors about the document or its variables, found before any resolver ran."""
    if error.path is not None:
        return False
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


def present(error: GraphQLError, document: DocumentNode | None, request_id: str) -> GraphQLError:
    """`error` as the client sees it: with a code from `CODES`, or masked."""
    original = error.original_error
    if isinstance(original, TiegraphError):
        return _with(error, public_message(original, request_id), original.extensions())
    code = (error.extensions or {}).get("code")
    if code in CODES:
        return error
    if isinstance(error, GraphQLSyntaxError) and error.message.endswith("Parsing aborted."):
        return _with(error, error.message, {"code": QueryTooComplex.code})
    if _is_request_error(error):
        extensions: dict[str, Any] = {"code": BAD_USER_INPUT}
        field = field_of(error, document)
        if field is not None:
            extensions["field"] = field
        return _with(error, error.message, extensions)
    cause = original or error
    logger.error(
        "unexpected error (request id %s) at %s: %s",
        request_id,
        error.path,
        error.message,
        exc_info=(type(cause), cause, cause.__traceback__),
    )
    return GraphQLError(
        f"Internal error (request id {request_id})",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": INTERNAL},
    )


class ErrorCodes(SchemaExtension):
    """Applies `present` to every error of the operation's result, once, at the end."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if not isinstance(result, GraphQLExecutionResult | ExecutionResult) or not result.errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", "-")
        document = self.execution_context.graphql_document
        result.errors = [present(e, document, request_id) for e in result.errors]

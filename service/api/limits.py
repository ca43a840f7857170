"""Limits on the shape of a request, as schema extensions: depth, aliases and tokens.

Every limit reports `QUERY_TOO_COMPLEX`. Depth is counted as strawberry's QueryDepthLimiter
(and graphql-depth-limit) count it: the nesting below the root fields, so
``{ person(id: "a") { id } }`` has depth 1. Introspection fields (``__schema``, ``__type``,
``__typename``) are not counted, so GraphiQL's schema query always passes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules, SchemaExtension

from service.errors import QueryTooComplex

TOO_COMPLEX: dict[str, Any] = {"code": QueryTooComplex.code}
# Comments cost memory in the token list but are not counted as tokens.
MAX_COMMENTS = 1000


class _DocumentWalk:
    """Depth and alias count of selection sets, memoised per fragment (fragment bombs)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._depths: dict[str, int] = {}
        self._aliases: dict[str, int] = {}

    def _fragment(self, spread: FragmentSpreadNode, visiting: frozenset[str]) -> str | None:
        name = spread.name.value
        # Cycles are reported by graphql-core's own NoFragmentCycles rule.
        return name if name in self.fragments and name not in visiting else None

    def depth(self, selection_set: SelectionSetNode, visiting: frozenset[str] = frozenset()) -> int:
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                below = selection.selection_set
                found = 1 + (self.depth(below, visiting) if below else 0)
            elif isinstance(selection, InlineFragmentNode):
                found = self.depth(selection.selection_set, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = self._fragment(selection, visiting)
                if name is None:
                    continue
                if name not in self._depths:
                    fragment = self.fragments[name].selection_set
                    self._depths[name] = self.depth(fragment, visiting | {name})
                found = self._depths[name]
            else:
                continue
            deepest = max(deepest, found)
        return deepest

    def aliases(
        self, selection_set: SelectionSetNode, visiting: frozenset[str] = frozenset()
    ) -> int:
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += selection.alias is not None
                if selection.selection_set:
                    count += self.aliases(selection.selection_set, visiting)
            elif isinstance(selection, InlineFragmentNode):
                count += self.aliases(selection.selection_set, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = self._fragment(selection, visiting)
                if name is None:
                    continue
                if name not in self._aliases:
                    fragment = self.fragments[name].selection_set
                    self._aliases[name] = self.aliases(fragment, visiting | {name})
                count += self._aliases[name]
        return count


def _operations(document: DocumentNode) -> Iterator[OperationDefinitionNode]:
    return (d for d in document.definitions if isinstance(d, OperationDefinitionNode))


# Cached: one rule class per limit, so validation results can be cached per document.
@functools.cache
def depth_rule(max_depth: int) -> type[ValidationRule]:
    class MaxDepth(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            walk = _DocumentWalk(context.document)
            for operation in _operations(context.document):
                # _DocumentWalk counts the root field as 1; the limit counts it as 0.
                depth = walk.depth(operation.selection_set) - 1
                if depth > max_depth:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"operation {name!r} has depth {depth}; at most {max_depth} is allowed",
                            operation,
                            extensions=TOO_COMPLEX,
                        )
                    )

    return MaxDepth


@functools.cache
def alias_rule(max_aliases: int) -> type[ValidationRule]:
    class MaxAliases(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            walk = _DocumentWalk(context.document)
            total = sum(walk.aliases(op.selection_set) for op in _operations(context.document))
            if total > max_aliases:
                context.report_error(
                    GraphQLError(
                        f"the document uses {total} aliases; at most {max_aliases} are allowed",
                        extensions=TOO_COMPLEX,
                    )
                )

    return MaxAliases


class ShapeLimits(AddValidationRules):
    """Depth and alias limits, checked while the document is validated."""

    def __init__(self, max_depth: int, max_aliases: int) -> None:
        super().__init__([depth_rule(max_depth), alias_rule(max_aliases)])


class TokenLimit(SchemaExtension):
    """Stops the parser past `max_tokens` tokens, before it spends time on a huge document.

    graphql-core then raises a syntax error ending in "Parsing aborted.", which
    `service.api.errors` reports as QUERY_TOO_COMPLEX.
    """

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        # strawberry's ParseOptions type predates graphql-core's newer limits.
        options = cast(dict[str, Any], self.execution_context.parse_options)
        options["max_lexical_tokens"] = self.max_tokens
        options["max_comments"] = MAX_COMMENTS
        yield

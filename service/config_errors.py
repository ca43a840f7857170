"""Settings errors as an operator reads them: one line each, naming the flag or environment
variable that was given, the value, and what is allowed.

    tiegraph: invalid value for TIEGRAPH_STORE: 'postgres' is not one of 'embedded', 'neo4j'

(instead of pydantic's multi-line report with its type names and documentation links).
"""

from __future__ import annotations

import typing
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ValidationError

SECRET_FIELDS = frozenset({"jwt_secret", "jwt_previous_secret", "neo4j_password"})


def choices_of(model: type[BaseModel], name: str) -> tuple[str, ...] | None:
    """The allowed values of a Literal-typed field, or None for any other field."""
    field = model.model_fields.get(name)
    if field is None or typing.get_origin(field.annotation) is not typing.Literal:
        return None
    return tuple(str(choice) for choice in typing.get_args(field.annotation))


def source_of(name: str, flags: Collection[str]) -> str:
    """`--data-dir` when the value came from that flag, else `TIEGRAPH_DATA_DIR`."""
    return f"--{name.replace('_', '-')}" if name in flags else f"TIEGRAPH_{name.upper()}"


def describe(error: ValidationError, model: type[BaseModel], flags: Collection[str]) -> list[str]:
    """One line per problem in `error`; `flags`: the fields given as command-line flags."""
    lines = []
    for problem in error.errors(include_url=False):
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not problem["loc"]:
            lines.append(message)
            continue
        name = str(problem["loc"][0])
        source = source_of(name, flags)
        given: Any = problem.get("input")
        shown = "(hidden)" if name in SECRET_FIELDS else repr(given)
        choices = choices_of(model, name)
        if choices is not None and problem["type"] == "literal_error":
            allowed = ", ".join(repr(choice) for choice in choices)
            lines.append(f"invalid value for {source}: {shown} is not one of {allowed}")
        else:
            lines.append(f"invalid value for {source}: {shown}: {message[0].lower()}{message[1:]}")
    return lines

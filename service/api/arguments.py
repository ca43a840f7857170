"""How the API reads its arguments: strawberry's UNSET and null become the domain's values.

A GraphQL argument with a default can still be sent as `null`; these helpers give that the
default's meaning, so a resolver states each default once (`service.domain.DEFAULT_*`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from strawberry import UNSET

from service import domain

T = TypeVar("T")


def given(value: T | None, default: T | None = None) -> T | None:
    """An optional argument's value; not sent (UNSET) or null gives `default`."""
    return default if value is UNSET or value is None else value


def given_int(value: int | None, default: int) -> int:
    """An optional Int argument with a default: not sent or null gives the default."""
    chosen = given(value, default)
    return default if chosen is None else chosen


def maybe_text(value: Any) -> domain.MaybeText:
    """Input fields: not sent keeps the stored value, null clears it."""
    if value is UNSET:
        return domain.KEEP
    assert value is None or isinstance(value, str)
    return value

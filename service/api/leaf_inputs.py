"""A faster builder for input types whose fields are all scalars, enums or lists of them.

Strawberry converts an input object field by field: for each item of a list argument it
resolves every field's type and GraphQL name again and recurses through its generic
`convert_argument`. For `rateConnections` with 5,000 `RatingInput`s that was about 60% of the
request (py-spy, `bench.batch_write`). For these types the work is not needed: graphql-core has
already coerced every scalar and enum to its Python value, so building the object is picking
the values by GraphQL name. `from_input` is Strawberry's hook for an input type that builds its
own value (`StrawberryObjectDefinition.from_input`); `builds_from_leaves` sets it, after
checking that every field is a leaf, so that a field added later with a nested input type fails
at import instead of arriving unconverted.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryOptional,
    get_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

T = TypeVar("T", bound=type)

_SCALARS = (
    str, int, float, bool, datetime.date, datetime.datetime, datetime.time, decimal.Decimal,
    uuid.UUID,
)  # fmt: skip


def _leaf(type_: object) -> tuple[bool, bool]:
    """(is a leaf, is a list of leaves) for a field type."""
    while isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    if isinstance(type_, StrawberryList):
        inner, _ = _leaf(type_.of_type)
        return inner, True
    if isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_):
        return True, False
    supertype = getattr(type_, "__supertype__", None)  # NewType, e.g. strawberry.ID
    if supertype is not None:
        return _leaf(supertype)
    return isinstance(type_, type) and issubclass(type_, _SCALARS), False


def builds_from_leaves(cls: T) -> T:
    """Give the strawberry input type `cls` a builder that skips the per-field conversion.

    Raises TypeError when a field of `cls` is not a scalar, an enum or a list of them.
    """
    definition = get_object_definition(cls, strict=True)  # TypeError if not a strawberry type
    fields: list[tuple[Any, str, bool]] = []
    for field in definition.fields:
        leaf, is_list = _leaf(field.type)
        if not leaf:
            raise TypeError(f"{cls.__name__}.{field.python_name} is not a scalar or an enum")
        fields.append((field, field.python_name, is_list))
    # GraphQL names come from the schema's name converter: worked out once per config.
    names_by_config: dict[int, list[tuple[str, str, bool]]] = {}

    def from_input(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
        names = names_by_config.get(id(context.config))
        if names is None:
            convert: Callable[[Any], str] = context.config.name_converter.from_field
            names = [(convert(field), python, is_list) for field, python, is_list in fields]
            names_by_config[id(context.config)] = names
        kwargs: dict[str, Any] = {}
        for graphql_name, python_name, is_list in names:
            if graphql_name in value:
                item = value[graphql_name]
                # A list is copied: graphql-core may hand the same default list to every
                # request that omits the field.
                kwargs[python_name] = list(item) if is_list and item is not None else item
        return type_(**kwargs)

    definition.from_input = from_input
    return cls

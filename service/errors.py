"""The one error tree of tiegraph. Every error a client can see is one of these.

    TiegraphError                 (code: str)
    ├── InvalidInput              BAD_USER_INPUT      a value breaks a rule; names the field
    │   └── InvalidBatch          BAD_USER_INPUT      one or more items of a batch are invalid
    ├── NotFound                  NOT_FOUND           a person named in a write does not exist
    ├── Unauthenticated           UNAUTHENTICATED     no valid bearer token
    ├── Forbidden                 FORBIDDEN           the viewer may not do this
    ├── QueryTooComplex           QUERY_TOO_COMPLEX   past the limits, or past the time budget
    └── StoreUnavailable          SERVICE_UNAVAILABLE the store did not answer; nothing was written

The API layer maps `code`, `field` and `invalid` to `extensions` in one place
(`service.api.errors`); nothing else needs to know about GraphQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class InvalidItem:
    """One bad item of a batch: where it is, which field, and why."""

    index: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


class TiegraphError(Exception):
    """Base of every error tiegraph reports to a client."""

    code: str = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extensions(self) -> dict[str, Any]:
        return {"code": self.code}


class InvalidInput(TiegraphError):
    """Raised when an argument or input field breaks a rule; `field` names it."""

    code = "BAD_USER_INPUT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message

    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field}


class InvalidBatch(InvalidInput):
    """Raised when items of a batch are invalid; lists every bad item, not just the first."""

    def __init__(self, field: str, invalid: list[InvalidItem]) -> None:
        first = invalid[0]
        more = f" (and {len(invalid) - 1} more)" if len(invalid) > 1 else ""
        TiegraphError.__init__(self, f"{field}[{first.index}].{first.field}: {first.message}{more}")
        self.field = field
        self.invalid = invalid

    def extensions(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "invalid": [item.as_dict() for item in self.invalid],
        }


class NotFound(TiegraphError):
    """Raised when a write names a person that does not exist."""

    code = "NOT_FOUND"

    def __init__(self, field: str, person_id: str, index: int | None = None) -> None:
        where = field if index is None else f"input[{index}].{field}"
        super().__init__(f"{where}: no person with id {person_id!r}")
        self.field = field
        self.person_id = person_id
        self.index = index

    def extensions(self) -> dict[str, Any]:
        ext: dict[str, Any] = {"code": self.code, "field": self.field, "id": self.person_id}
        if self.index is not None:
            ext["index"] = self.index
        return ext


class Unauthenticated(TiegraphError):
    """Raised when a request has no valid bearer token (missing, malformed, expired, bad key)."""

    code = "UNAUTHENTICATED"


class Forbidden(TiegraphError):
    """Raised when the viewer is authenticated but may not do this."""

    code = "FORBIDDEN"


class QueryTooComplex(TiegraphError):
    """Raised when a query is deeper, wider or longer than the limits allow, or when it ran
    past the time budget and was cancelled (`reason` is then `TIME_BUDGET`)."""

    code = "QUERY_TOO_COMPLEX"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason

    def extensions(self) -> dict[str, Any]:
        if self.reason is None:
            return {"code": self.code}
        return {"code": self.code, "reason": self.reason}


TIME_BUDGET = "time budget"


def over_time_budget(seconds: float) -> QueryTooComplex:
    """The error of a query cancelled after `seconds`: nothing was written."""
    return QueryTooComplex(
        f"the query ran past the time budget of {seconds:g} s and was cancelled; "
        "ask for fewer hops, a lower maxStrength or a nearer target",
        reason=TIME_BUDGET,
    )


class StoreUnavailable(TiegraphError):
    """Raised when the store did not answer; a write that raises this has changed nothing."""

    code = "SERVICE_UNAVAILABLE"


class StoreOutcomeUnknown(StoreUnavailable):
    """The store stopped answering after a commit was sent, and did not come back in time to
    tell whether it was applied: the write may have been stored. Every mutation is
    idempotent, so the client may safely send it again."""


class StoreUnusable(StoreUnavailable):
    """The store can never work as configured (a data directory that cannot be created or
    written, one in use by another process, a schema newer than this code, a URI or
    credentials Neo4j refuses): retrying will not help, so `tiegraph serve` exits."""


def _codes(error: type[TiegraphError]) -> frozenset[str]:
    below = frozenset().union(*(_codes(sub) for sub in error.__subclasses__()))
    return below | {error.code} if error is not TiegraphError else below


# Every `extensions.code` a client can receive besides INTERNAL_SERVER_ERROR (the masked
# unexpected error, `TiegraphError.code`): read off the tree above, so it is written once.
CODES: frozenset[str] = _codes(TiegraphError)

"""Errors the client raises: one class per `extensions.code` of the API, plus the transport.

TiegraphError                      code, message, extensions, errors, request_id
├── BadUserInput                   BAD_USER_INPUT (field, invalid)
├── NotFound                       NOT_FOUND
├── Unauthenticated                UNAUTHENTICATED
├── Forbidden                      FORBIDDEN
├── QueryTooComplex                QUERY_TOO_COMPLEX (reason)
├── ServiceUnavailable             SERVICE_UNAVAILABLE: nothing was written; retried
├── InternalServerError            INTERNAL_SERVER_ERROR (and any unknown code)
└── TransportError                 no GraphQL answer: connection failed, timeout, a proxy's
                                   5xx page (`cause` is the httpx error, if any)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar


class TiegraphError(Exception):
    """An error the service answered (or, for `TransportError`, no answer at all)."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(
        self,
        message: str,
        extensions: dict[str, Any] | None = None,
        errors: Sequence[dict[str, Any]] = (),
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.extensions: dict[str, Any] = extensions or {"code": self.code}
        self.errors = list(errors)  # every error of the response, as the service sent them
        self.request_id = request_id

    def __str__(self) -> str:
        where = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.extensions.get('code', self.code)}: {self.message}{where}"


class BadUserInput(TiegraphError):
    code = "BAD_USER_INPUT"

    @property
    def field(self) -> str | None:
        """The argument or input field that broke a rule."""
        found = self.extensions.get("field")
        return found if isinstance(found, str) else None

    @property
    def invalid(self) -> list[dict[str, Any]]:
        """For a batch: `{index, field, message}` of every bad item."""
        found = self.extensions.get("invalid")
        return list(found) if isinstance(found, list) else []


class NotFound(TiegraphError):
    code = "NOT_FOUND"


class Unauthenticated(TiegraphError):
    code = "UNAUTHENTICATED"


class Forbidden(TiegraphError):
    code = "FORBIDDEN"


class QueryTooComplex(TiegraphError):
    code = "QUERY_TOO_COMPLEX"

    @property
    def reason(self) -> str | None:
        found = self.extensions.get("reason")
        return found if isinstance(found, str) else None


class ServiceUnavailable(TiegraphError):
    """The store did not answer; the service guarantees nothing was written."""

    code = "SERVICE_UNAVAILABLE"


class InternalServerError(TiegraphError):
    code = "INTERNAL_SERVER_ERROR"


class TransportError(TiegraphError):
    """No GraphQL answer: the connection failed or timed out, or something other than the
    service (a proxy) answered."""

    code = "TRANSPORT_ERROR"

    def __init__(
        self, message: str, cause: BaseException | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.cause = cause
        self.status = status


_BY_CODE: dict[str, type[TiegraphError]] = {
    cls.code: cls
    for cls in (
        BadUserInput,
        NotFound,
        Unauthenticated,
        Forbidden,
        QueryTooComplex,
        ServiceUnavailable,
        InternalServerError,
    )
}


def from_response(errors: Sequence[dict[str, Any]], request_id: str | None) -> TiegraphError:
    """The error to raise for a response's `errors`: typed by the first one's code."""
    first = errors[0]
    extensions = first.get("extensions") or {}
    code = extensions.get("code")
    cls = _BY_CODE.get(code, InternalServerError) if isinstance(code, str) else InternalServerError
    return cls(str(first.get("message", "")), dict(extensions), errors, request_id)

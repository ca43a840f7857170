"""Connection requests and the owner's triage policy: domain types and the validation of inputs.

A person (`from_id`) asks the owner (`to_id`) to connect. A request is PENDING until the owner
answers it once (ACCEPTED or DECLINED). The triage of a pending request is not stored: it is
computed when read (`service.triage`), from the request, the requester, the owner's
`TriagePolicy` and the graph as it is then.

`RequestDraft` is what a store writes (`write_requests` in both stores): a new request, or the
new message and `sentAt` of the pending one from the same person to the same owner.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from service.domain import _has_control, validate_id
from service.errors import InvalidInput, NotFound

MESSAGE_MAX_LENGTH: Final = 2000
POLICY_LIST_MAX: Final = 100
POLICY_ENTRY_MAX_LENGTH: Final = 200
SIGNATURE_MAX_LENGTH: Final = 200
# sharedConnectionsAtLeast: 1 (any shared connection counts) to LinkedIn's own cap on a
# network, 30,000 connections; 0 would make every stranger with a generic note a REPLY.
SHARED_AT_LEAST_MIN: Final = 1
SHARED_AT_LEAST_MAX: Final = 30000
DEFAULT_REQUESTS_FIRST: Final = 20

DEFAULT_RECRUITER_KEYWORDS: Final = ("recruit", "talent acquisition", "headhunter", "sourcer")
DEFAULT_SHARED_CONNECTIONS_AT_LEAST: Final = 24
# LinkedIn's standard invitation texts (API.md); compared after `service.triage.normalise`.
LINKEDIN_GENERIC_MESSAGES: Final = (
    "I'd like to add you to my professional network on LinkedIn",
    "I'd like to connect with you on LinkedIn",
    "I'd like to join your LinkedIn network",
)


class RequestStatus(enum.Enum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


@dataclass(frozen=True, slots=True)
class ConnectionRequest:
    """A stored request: `from_id` asked `to_id` (the owner) to connect."""

    id: str
    from_id: str
    to_id: str
    message: str | None
    sent_at: datetime
    status: RequestStatus
    responded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RequestDraft:
    """A validated request to write. When `from_id` already has a PENDING request to `to_id`,
    the store updates that one (message, sent_at) and `id` is not used."""

    id: str
    from_id: str
    to_id: str
    message: str | None
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class RequestsAfter:
    """Keyset cursor of `connectionRequests`: the last (sentAt, id) already returned."""

    sent_at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class TriagePolicy:
    """The owner's rules. `signature` None: the owner's name signs the drafts."""

    recruiter_keywords: tuple[str, ...] = DEFAULT_RECRUITER_KEYWORDS
    shared_connections_at_least: int = DEFAULT_SHARED_CONNECTIONS_AT_LEAST
    home_areas: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    generic_messages: tuple[str, ...] = ()
    signature: str | None = None

    def as_json(self) -> dict[str, object]:
        """The stored form (both stores keep this JSON)."""
        return {
            "recruiterKeywords": list(self.recruiter_keywords),
            "sharedConnectionsAtLeast": self.shared_connections_at_least,
            "homeAreas": list(self.home_areas),
            "interests": list(self.interests),
            "genericMessages": list(self.generic_messages),
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TriagePolicy:
        def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = data.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else default

        at_least = data.get("sharedConnectionsAtLeast")
        signature = data.get("signature")
        return cls(
            recruiter_keywords=strings("recruiterKeywords", DEFAULT_RECRUITER_KEYWORDS),
            shared_connections_at_least=(
                at_least if isinstance(at_least, int) else DEFAULT_SHARED_CONNECTIONS_AT_LEAST
            ),
            home_areas=strings("homeAreas", ()),
            interests=strings("interests", ()),
            generic_messages=strings("genericMessages", ()),
            signature=signature if isinstance(signature, str) else None,
        )


class _Keep(enum.Enum):
    KEEP = "KEEP"


KEEP_POLICY: Final = _Keep.KEEP


@dataclass(frozen=True, slots=True)
class PolicyFields:
    """A `TriagePolicyInput` as received: KEEP = not sent (kept); None = sent as null (reset to
    the default)."""

    recruiter_keywords: Sequence[str] | None | _Keep = KEEP_POLICY
    shared_connections_at_least: int | None | _Keep = KEEP_POLICY
    home_areas: Sequence[str] | None | _Keep = KEEP_POLICY
    interests: Sequence[str] | None | _Keep = KEEP_POLICY
    generic_messages: Sequence[str] | None | _Keep = KEEP_POLICY
    signature: str | None | _Keep = KEEP_POLICY


class RequestNotFound(NotFound):
    """Raised when a write names a connection request that does not exist."""

    def __init__(self, request_id: str) -> None:
        super().__init__("id", request_id)
        self.message = f"id: no connection request with id {request_id!r}"
        self.args = (self.message,)


# --- validation ---------------------------------------------------------------------------


def new_request_id() -> str:
    return f"r-{uuid.uuid4().hex}"


def validate_message(message: str | None) -> str | None:
    """Trimmed; empty means no message; at most 2,000 characters.

    >>> validate_message("  Hello  ")
    'Hello'
    >>> validate_message("   ") is None
    True
    """
    if message is None:
        return None
    trimmed = message.strip()
    if len(trimmed) > MESSAGE_MAX_LENGTH:
        raise InvalidInput("message", f"must be at most {MESSAGE_MAX_LENGTH} characters")
    if _has_control(trimmed.replace("\n", "").replace("\t", "").replace("\r", "")):
        raise InvalidInput("message", "must not contain control characters")
    return trimmed or None


def utc(value: datetime) -> datetime:
    """A time with an offset, in UTC; a time without one is read as UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC)


def validate_request(
    from_id: str, to_id: str, message: str | None, sent_at: datetime | None, now: datetime
) -> RequestDraft:
    validate_id(from_id, "from")
    validate_id(to_id, "to")
    if from_id == to_id:
        raise InvalidInput("to", "a person cannot ask themselves to connect (from = to)")
    return RequestDraft(
        id=new_request_id(),
        from_id=from_id,
        to_id=to_id,
        message=validate_message(message),
        sent_at=utc(sent_at or now),
    )


def _policy_list(values: Sequence[str], field: str) -> tuple[str, ...]:
    if len(values) > POLICY_LIST_MAX:
        raise InvalidInput(field, f"at most {POLICY_LIST_MAX} entries, got {len(values)}")
    kept: list[str] = []
    for raw in values:
        entry = raw.strip() if isinstance(raw, str) else ""
        if not entry or len(entry) > POLICY_ENTRY_MAX_LENGTH:
            raise InvalidInput(field, f"each entry must be 1-{POLICY_ENTRY_MAX_LENGTH} characters")
        if _has_control(entry):
            raise InvalidInput(field, "entries must not contain control characters")
        if entry not in kept:
            kept.append(entry)
    return tuple(kept)


def apply_policy(current: TriagePolicy, fields: PolicyFields) -> TriagePolicy:
    """`current` with the fields that were sent; a field sent as null takes its default.

    >>> p = apply_policy(TriagePolicy(), PolicyFields(home_areas=[" Toronto ", "Toronto"]))
    >>> p.home_areas, p.recruiter_keywords == DEFAULT_RECRUITER_KEYWORDS
    (('Toronto',), True)
    """
    default = TriagePolicy()

    def pick_list(value: Sequence[str] | None | _Keep, old: tuple[str, ...], field: str,
                  fallback: tuple[str, ...]) -> tuple[str, ...]:  # fmt: skip
        if value is KEEP_POLICY:
            return old
        if value is None:
            return fallback
        assert not isinstance(value, _Keep)
        return _policy_list(value, field)

    at_least = fields.shared_connections_at_least
    if at_least is KEEP_POLICY:
        shared = current.shared_connections_at_least
    elif at_least is None:
        shared = default.shared_connections_at_least
    else:
        assert not isinstance(at_least, _Keep)
        if isinstance(at_least, bool) or not (
            SHARED_AT_LEAST_MIN <= at_least <= SHARED_AT_LEAST_MAX
        ):
            raise InvalidInput(
                "sharedConnectionsAtLeast",
                f"must be an integer from {SHARED_AT_LEAST_MIN} to {SHARED_AT_LEAST_MAX}, "
                f"got {at_least!r}",
            )
        shared = at_least
    signature = current.signature
    if fields.signature is not KEEP_POLICY:
        assert not isinstance(fields.signature, _Keep)
        signature = None if fields.signature is None else fields.signature.strip() or None
        if signature is not None and len(signature) > SIGNATURE_MAX_LENGTH:
            raise InvalidInput("signature", f"must be at most {SIGNATURE_MAX_LENGTH} characters")
        if signature is not None and _has_control(signature.replace("\n", "")):
            raise InvalidInput("signature", "must not contain control characters")
    return TriagePolicy(
        recruiter_keywords=pick_list(
            fields.recruiter_keywords,
            current.recruiter_keywords,
            "recruiterKeywords",
            default.recruiter_keywords,
        ),
        shared_connections_at_least=shared,
        home_areas=pick_list(fields.home_areas, current.home_areas, "homeAreas", ()),
        interests=pick_list(fields.interests, current.interests, "interests", ()),
        generic_messages=pick_list(
            fields.generic_messages, current.generic_messages, "genericMessages", ()
        ),
        signature=signature,
    )

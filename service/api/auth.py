"""Bearer JWT -> Viewer.

Tokens are HS256, signed with ``TIEGRAPH_JWT_SECRET`` (or ``TIEGRAPH_JWT_PREVIOUS_SECRET``
during a rotation), and carry ``sub`` (the viewer's person id), ``role`` (``user`` or
``admin``) and ``exp``; ``iss`` and ``aud`` are checked when the settings name them. A token
whose ``sub`` names no stored person is valid: a new user creates itself with `upsertPerson`.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import jwt
from jwt.types import Options

from service.domain import Role, Viewer, validate_id
from service.errors import InvalidInput, Unauthenticated
from service.settings import Settings
from tiegraph.tokens import make_token

ALGORITHM = "HS256"
# Tolerated clock difference between whoever minted a token and this server.
LEEWAY = timedelta(seconds=30)
_BEARER = re.compile(r"Bearer +(\S+)", re.IGNORECASE)
_TTL = re.compile(r"(\d+)([smhd])")
_TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> timedelta:
    """``30m``, ``1h``, ``7d``, ``90s`` or a plain number of seconds.

    >>> parse_ttl("90m")
    datetime.timedelta(seconds=5400)
    """
    stripped = text.strip().lower()
    if stripped.isdigit():
        seconds = int(stripped)
    else:
        match = _TTL.fullmatch(stripped)
        if match is None:
            raise ValueError(f"{text!r} is not a duration like 30m, 1h or 7d")
        seconds = int(match[1]) * _TTL_UNITS[match[2]]
    if seconds <= 0:
        raise ValueError("the duration must be positive")
    return timedelta(seconds=seconds)


def mint_token(
    settings: Settings, sub: str, role: Role, ttl: timedelta, now: datetime | None = None
) -> str:
    """A token for `sub` signed with the current secret (the claims are the client
    package's: `tiegraph.tokens.make_token`)."""
    secrets = settings.jwt_secrets()
    if not secrets:
        raise ValueError("no JWT secret configured: set TIEGRAPH_JWT_SECRET")
    validate_id(sub, "sub")
    return make_token(
        secrets[0],
        sub,
        role.value,
        ttl,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        now=now,
    )


def _decode(token: str, settings: Settings) -> dict[str, Any]:
    options: Options = {
        "require": ["exp", "sub"],
        "verify_aud": settings.jwt_audience is not None,
    }
    error: jwt.InvalidTokenError = jwt.InvalidSignatureError("no secret configured")
    for secret in settings.jwt_secrets():
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                options=options,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                leeway=LEEWAY,
            )
            return claims
        except jwt.InvalidSignatureError as e:
            error = e  # maybe signed with the other secret
        except jwt.ExpiredSignatureError as e:
            raise Unauthenticated("the token has expired") from e
        except jwt.InvalidTokenError as e:
            raise Unauthenticated(f"invalid token: {e}") from e
    raise Unauthenticated("invalid token: the signature does not match") from error


def _verify(token: str, settings: Settings) -> tuple[Viewer, float]:
    """The viewer a token names and its expiry (seconds since the epoch)."""
    claims = _decode(token, settings)
    sub = claims["sub"]
    try:
        person_id = validate_id(sub, "sub")
    except InvalidInput as e:
        raise Unauthenticated(f"invalid token: {e.message}") from e
    try:
        role = Role(claims.get("role"))
    except ValueError as e:
        raise Unauthenticated("invalid token: the role claim must be 'user' or 'admin'") from e
    return Viewer(person_id=person_id, role=role), float(claims["exp"])


def viewer_from_token(token: str, settings: Settings) -> Viewer:
    viewer, _ = _verify(token, settings)
    return viewer


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("authentication required: send Authorization: Bearer <JWT>")
    match = _BEARER.fullmatch(authorization.strip())
    if match is None:
        raise Unauthenticated("the Authorization header must be 'Bearer <JWT>'")
    return match[1]


def authenticate(authorization: str | None, settings: Settings) -> Viewer:
    """The viewer of a request, from its Authorization header.

    With ``--dev``: a valid token still names its viewer; no token, or one that does not
    verify, gives the dev viewer (an admin without identity).
    Raises `Unauthenticated` outside dev mode when the header is missing or invalid.
    """
    return Authenticator(settings, maxsize=0)(authorization)


class Authenticator:
    """`authenticate`, remembering the tokens it verified.

    A client sends the same token with every request, and verifying it (base64, JSON, HMAC,
    claims) is a good part of a small request's cost. A verified token maps to its viewer
    until its ``exp`` (without the leeway: past ``exp`` it is verified afresh, which applies
    the leeway exactly as before), in an LRU of at most `maxsize` tokens. Tokens that fail are
    not kept: they fail again the same way. The settings, hence the secrets, are fixed for the
    life of an `Authenticator`.
    """

    def __init__(
        self, settings: Settings, maxsize: int = 4096, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.maxsize = maxsize
        self._clock = clock
        self._verified: OrderedDict[str, tuple[Viewer, float]] = OrderedDict()

    def _viewer(self, token: str) -> Viewer:
        known = self._verified.get(token)
        if known is not None:
            viewer, expires = known
            if self._clock() < expires:
                self._verified.move_to_end(token)
                return viewer
            del self._verified[token]
        viewer, expires = _verify(token, self.settings)
        if self.maxsize > 0:
            self._verified[token] = (viewer, expires)
            if len(self._verified) > self.maxsize:
                self._verified.popitem(last=False)
        return viewer

    def __call__(self, authorization: str | None) -> Viewer:
        """The viewer of a request, as `authenticate` says."""
        try:
            return self._viewer(_bearer(authorization))
        except Unauthenticated:
            if self.settings.dev:
                return Viewer.dev()
            raise

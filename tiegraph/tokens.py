"""Bearer tokens for the service, made from its shared secret as `tiegraph token` makes them:
HS256 over ``sub`` (the viewer's person id), ``role`` (``user`` or ``admin``), ``iat``,
``exp``, and ``iss`` / ``aud`` when the service checks them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from tiegraph.types import Role


def make_token(
    secret: str,
    sub: str,
    role: Role | str = Role.USER,
    ttl: timedelta = timedelta(hours=1),
    *,
    issuer: str | None = None,
    audience: str | None = None,
    now: datetime | None = None,
) -> str:
    """A token for the viewer `sub`, valid for `ttl`, signed with `secret`
    (the service's TIEGRAPH_JWT_SECRET)."""
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": sub,
        "role": Role(role).value,
        "iat": issued,
        "exp": issued + ttl,
    }
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenMinter:
    """A token source for a long-lived client: mints a token and reuses it until `renew` of
    its lifetime has passed, so the service (which caches verified tokens) sees one token
    per period, not one per request. Pass it as the client's `token`."""

    def __init__(
        self,
        secret: str,
        sub: str,
        role: Role | str = Role.USER,
        ttl: timedelta = timedelta(hours=1),
        *,
        issuer: str | None = None,
        audience: str | None = None,
        renew: float = 0.8,
        clock: Any = time.time,
    ) -> None:
        self._args = (secret, sub, role, ttl)
        self._issuer, self._audience = issuer, audience
        self._renew_after = ttl.total_seconds() * renew
        self._clock = clock
        self._token: str | None = None
        self._minted_at = 0.0

    def __call__(self) -> str:
        now = self._clock()
        if self._token is None or now - self._minted_at >= self._renew_after:
            secret, sub, role, ttl = self._args
            self._token = make_token(
                secret,
                sub,
                role,
                ttl,
                issuer=self._issuer,
                audience=self._audience,
                now=datetime.fromtimestamp(now, UTC),
            )
            self._minted_at = now
        return self._token

"""The Python client of the tiegraph service, for embedding apps.

    from tiegraph import TiegraphClient, make_token

See `tiegraph.client` (the clients and their retries), `tiegraph.types` (what they return),
`tiegraph.errors` (what they raise) and `tiegraph.tokens` (bearer tokens from the secret).
"""

from tiegraph.client import AsyncTiegraphClient, TiegraphClient
from tiegraph.errors import (
    BadUserInput,
    Forbidden,
    InternalServerError,
    NotFound,
    QueryTooComplex,
    ServiceUnavailable,
    TiegraphError,
    TransportError,
    Unauthenticated,
)
from tiegraph.tokens import TokenMinter, make_token
from tiegraph.types import (
    Introducer,
    PathStep,
    Person,
    PersonInput,
    PersonPage,
    RateResult,
    Rating,
    RatingInput,
    RatingPage,
    Role,
    Visibility,
    WarmPath,
)

__all__ = [
    "AsyncTiegraphClient",
    "BadUserInput",
    "Forbidden",
    "InternalServerError",
    "Introducer",
    "NotFound",
    "PathStep",
    "Person",
    "PersonInput",
    "PersonPage",
    "QueryTooComplex",
    "RateResult",
    "Rating",
    "RatingInput",
    "RatingPage",
    "Role",
    "ServiceUnavailable",
    "TiegraphClient",
    "TiegraphError",
    "TokenMinter",
    "TransportError",
    "Unauthenticated",
    "Visibility",
    "WarmPath",
    "make_token",
]

"""The one typed configuration of tiegraph: every value has an environment variable
``TIEGRAPH_<NAME>`` (``TIEGRAPH_PORT``, ``TIEGRAPH_JWT_SECRET``, ...); command-line flags of
``tiegraph serve`` override them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from service.scoring import ScoringTable

MIB = 1024 * 1024
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash

logger = logging.getLogger("tiegraph")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIEGRAPH_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    store: Literal["embedded", "neo4j"] = "embedded"
    data_dir: Path = Path(".tiegraph")
    dev: bool = False
    log_level: LogLevel = "INFO"

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    # How long start-up waits for the store (Neo4j starting next to us) before serving
    # anyway with /readyz at 503; the store is retried on later requests.
    store_startup_timeout: float = Field(default=30.0, ge=0)
    # After a failed open, requests retry it at most this often (seconds).
    store_retry_interval: float = Field(default=1.0, ge=0)

    jwt_secret: SecretStr | None = None
    # Accepted as well as jwt_secret, so that tokens minted before a rotation keep working.
    jwt_previous_secret: SecretStr | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None

    # Seconds a query may run in the store; past it the store cancels it and the client gets
    # QUERY_TOO_COMPLEX with extensions.reason "time budget" (API.md v2).
    query_budget: float = Field(default=5.0, gt=0)

    introspection: bool = True
    scoring: str = "0.9,0.7,0.45,0.2,0.05"

    # A batch of 5,000 items with every field at its longest is about 20 MB of JSON; the body
    # limit must let it through so that the batch limit, not the size, answers past it.
    max_body_bytes: int = Field(default=32 * MIB, ge=1024)
    max_depth: int = Field(default=10, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    # A literal (variable-free) batch of 5,000 ratings takes 15-45 tokens an item; parsing it
    # costs seconds of CPU, so clients should send batches as variables. Only authenticated
    # requests are parsed at all.
    max_tokens: int = Field(default=250_000, ge=100)
    # GraphQL operations run in this many worker threads, off the event loop (issue 11);
    # more wait for a free one.
    graphql_workers: int = Field(default=32, ge=1)
    # How long a Neo4j write that failed transiently (a deadlock, Neo4j restarting) is
    # retried by the driver before the client gets SERVICE_UNAVAILABLE (seconds).
    neo4j_write_retry: float = Field(default=30.0, ge=0)
    # Warm-path searches of 3-4 hops that run on Neo4j at once; more wait for a turn (at
    # most the query budget). Past the cores both sides have, more only slow each other down.
    neo4j_searches: int = Field(default=2, ge=1)

    @field_validator("scoring")
    @classmethod
    def _check_scoring(cls, value: str) -> str:
        ScoringTable.parse(value)
        return value

    @field_validator("jwt_secret", "jwt_previous_secret")
    @classmethod
    def _empty_secret_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @model_validator(mode="after")
    def _secret_unless_dev(self) -> Self:
        """No service without a way to check tokens: a JWT secret is required unless dev."""
        secrets = self.jwt_secrets()
        if not self.dev and not secrets:
            raise ValueError(
                "no JWT secret configured: set TIEGRAPH_JWT_SECRET (for example to the output "
                "of `openssl rand -hex 32`), or run `tiegraph serve --dev` for local "
                "development without authentication"
            )
        if any(len(secret.encode()) < MIN_SECRET_BYTES for secret in secrets):
            logger.warning("a JWT secret is shorter than %d bytes: easy to guess", MIN_SECRET_BYTES)
        return self

    @property
    def scoring_table(self) -> ScoringTable:
        return ScoringTable.parse(self.scoring)

    def jwt_secrets(self) -> list[str]:
        """The secrets a token may be signed with, the current one first."""
        return [
            secret.get_secret_value()
            for secret in (self.jwt_secret, self.jwt_previous_secret)
            if secret is not None
        ]

    # --- running it like production (issue 11): logs, metrics, tracing, CORS, gzip ----------
    # "json": one JSON object a line (every request: id, operation, duration, error codes);
    # "text": the same records as plain lines, for a terminal.
    log_format: Literal["json", "text"] = "json"
    # Serve Prometheus metrics at GET /metrics (no authentication: bind or filter it).
    metrics: bool = True
    # "otel": add strawberry's OpenTelemetry extension to the schema; spans go to the global
    # tracer provider (configure it with the OpenTelemetry SDK, `pip install tiegraph[otel]`).
    tracing: Literal["off", "otel"] = "off"
    # Origins a browser may call the API from (comma-separated; "*" for any); none by default.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Responses of at least this many bytes are gzip-compressed for clients that accept it;
    # 0 turns compression off.
    gzip_min_bytes: int = Field(default=1024, ge=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

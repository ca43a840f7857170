"""The `tiegraph` command: serve, token, export-schema.

Every `serve` flag falls back to its environment variable ``TIEGRAPH_<FLAG>`` (through
`service.settings.Settings`), then to the default.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from service.domain import Role
from service.settings import Settings

app = typer.Typer(
    name="tiegraph",
    help="Relationship-strength graph service: warm introductions over GraphQL.",
    no_args_is_help=True,
    add_completion=False,
)
logger = logging.getLogger("tiegraph")

DEV_WARNING = (
    "DEV MODE: authentication is OFF and every rating is visible to every request. "
    "Never expose this server to a network you do not trust."
)


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the flags that were given on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as e:
        typer.echo(f"tiegraph: invalid configuration:\n{e}", err=True)
        raise typer.Exit(2) from e


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (env TIEGRAPH_HOST, default 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (env TIEGRAPH_PORT, default 8000).")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(help="embedded or neo4j (env TIEGRAPH_STORE, default embedded)."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where the embedded store keeps its data (env TIEGRAPH_DATA_DIR, "
            "default ./.tiegraph)."
        ),
    ] = None,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="No authentication, every rating visible; for local development only "
            "(env TIEGRAPH_DEV).",
        ),
    ] = False,
) -> None:
    """Run the GraphQL service."""
    import uvicorn

    from service.app import create_app

    settings = _settings(host=host, port=port, store=store, data_dir=data_dir, dev=dev or None)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    application = create_app(settings)
    if settings.dev:
        logger.warning(DEV_WARNING)
    uvicorn.run(
        application, host=settings.host, port=settings.port, log_level=settings.log_level.lower()
    )


@app.command()
def token(
    sub: Annotated[str, typer.Option(help="The viewer's person id.")],
    role: Annotated[Role, typer.Option(help="user or admin.")] = Role.USER,
    ttl: Annotated[str, typer.Option(help="Lifetime: 30m, 1h, 7d, ...")] = "1h",
) -> None:
    """Print a bearer token signed with TIEGRAPH_JWT_SECRET."""
    from service.api.auth import mint_token, parse_ttl
    from service.errors import InvalidInput

    settings = _settings()
    try:
        minted = mint_token(settings, sub=sub, role=role, ttl=parse_ttl(ttl))
    except (ValueError, InvalidInput) as e:
        typer.echo(f"tiegraph: {e}", err=True)
        raise typer.Exit(2) from e
    typer.echo(minted)


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` is this output."""
    from service.api.schema import sdl

    sys.stdout.write(sdl())


def main() -> None:
    app()

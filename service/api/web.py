"""The face of the service for people: the web app at `/` and GraphiQL at `/graphql`, both from
files shipped in the package (`service/web/`, GraphiQL vendored by scripts/vendor-graphiql), so
that neither needs a network connection beyond the service itself.

The web app is static (HTML, CSS, JavaScript modules); it talks to `/graphql` like any client.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# Where the web app's files are served; GraphiQL's page loads its scripts from here too.
WEB_PATH = "/web"
# The pages load nothing from anywhere but this origin (GraphiQL needs inline styles and
# data: fonts; the web app needs neither, but one policy is simpler to reason about).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


@cache
def _graphiql_template() -> str:
    return (WEB_DIR / "graphiql.html").read_text(encoding="utf-8")


def graphiql_page(request: Request) -> HTMLResponse:
    """GraphiQL's page, loading GraphiQL and React from this service (under the app's
    root path, so that it works behind a proxy that mounts the service under a prefix)."""
    prefix = str(request.scope.get("root_path", "")).rstrip("/") + WEB_PATH
    html = _graphiql_template().replace("{{WEB}}", prefix)
    return HTMLResponse(html, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


def mount_web(app: FastAPI) -> None:
    """`GET /` answers the web app's page; `/web/...` its files and the vendored GraphiQL."""

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(
            WEB_DIR / "index.html",
            headers={
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "Cache-Control": "no-cache",
            },
        )

    app.mount(WEB_PATH, StaticFiles(directory=WEB_DIR), name="web")

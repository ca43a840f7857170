"""GraphiQL at /graphql comes from the service's own files (service/web/vendor), so it renders
and runs queries with no network beyond 127.0.0.1; the check that says so can fail."""

from __future__ import annotations

import httpx
import pytest

from tests.web.browser import ROOT, Page, mint
from tests.web.conftest import SECRET

WEB = ROOT / "service" / "web"


def run_default_query(page: Page) -> str:
    """Open GraphiQL, press its run button, and return the response pane's text."""
    page.open("/graphql")
    page.wait("document.querySelector('.graphiql-execute-button') !== null")
    page.wait("document.querySelector('.graphiql-query-editor .CodeMirror') !== null")
    page.css(".graphiql-execute-button").click()
    text: str = page.wait(
        "(() => { const r = document.querySelector('.graphiql-response .CodeMirror');"
        " const t = r ? r.CodeMirror.getValue() : ''; return t.includes('{') ? t : ''; })()"
    )
    return text


def test_graphiql_renders_and_runs_a_query_offline(dev_page: Page) -> None:
    page = dev_page
    text = run_default_query(page)
    assert '"people"' in text and "Ana Ortiz" in text, text
    urls = page.assert_clean()
    assert any(u.endswith("/web/vendor/graphiql.min.js") for u in urls), urls
    assert any(u.endswith("/web/vendor/react.production.min.js") for u in urls), urls
    # The schema was fetched (introspection), so the docs and completion work.
    assert page.driver.execute_script("return document.title") == "tiegraph GraphiQL"
    page.screenshot("graphiql")


def test_graphiql_sends_the_web_apps_token(token_page: Page) -> None:
    page = token_page
    text = run_default_query(page)
    assert "UNAUTHENTICATED" in text, text
    page.open("/")
    page.wait_ready("home")
    page.driver.execute_script(
        "sessionStorage.setItem('tiegraph.token', arguments[0]);", mint(SECRET, "ana")
    )
    text = run_default_query(page)
    assert "UNAUTHENTICATED" not in text and "Ana Ortiz" in text, text
    page.assert_clean()


def test_the_offline_check_catches_a_cdn_request(dev_page: Page) -> None:
    """The check the other tests rely on fails for a page that reaches out, like
    strawberry's own GraphiQL page, which loads from a CDN."""
    page = dev_page
    page.open("/")
    page.wait_ready("home")
    page.driver.execute_script(
        "const s = document.createElement('script');"
        " s.src = 'https://unpkg.com/react@18.2.0/umd/react.production.min.js';"
        " document.head.append(s);"
    )
    page.wait("performance.getEntriesByType('resource').some((e) => e.name.includes('unpkg'))")
    with pytest.raises(AssertionError, match=r"requests left 127.0.0.1: \[.https://unpkg.com/"):
        page.assert_clean()


def test_graphiql_page_names_no_other_host(dev_page: Page) -> None:
    response = httpx.get(f"{dev_page.server.base}/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.text
    assert "/web/vendor/graphiql.min.js" in html
    assert "https://" not in html and "http://" not in html
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_every_web_file_is_package_data() -> None:
    """What pyproject ships is what the service serves: no file of service/web left out."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["service"]
    service = ROOT / "service"
    shipped = {p for pattern in patterns for p in service.glob(pattern) if p.is_file()}
    files = {p for p in WEB.rglob("*") if p.is_file()}
    assert files and files == shipped, sorted(str(p.relative_to(WEB)) for p in files ^ shipped)

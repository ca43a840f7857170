"""Fixtures for the browser tests: one headless Chromium for the session, and the service
(`tiegraph serve`, embedded store in a tmp dir) per module, in --dev or with a JWT secret."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.web.browser import Page, Server, chromium, serving

SECRET = "web-test-secret-that-is-long-enough-0123456789"

PEOPLE = [
    ("ana", "Ana Ortiz", "Engineer", "Acme"),
    ("ben", "Ben Okafor", "Designer", "Acme"),
    ("cal", "Cal Nguyen", "Product manager", "Initech"),
    ("dee", "Dee Park", "Founder", "Dee Labs"),
    ("eve", "Eve Adams", "Investor", "Globex Ventures"),
    ("fay", "Fay Chen", "Teacher", None),
    ("gus", "Gus Weber", "Talent acquisition partner", "Hooli"),
    ("sam", "Sam Reyes", "CTO at Globex", "Globex"),
    ("zoe", "Zoe Blake", "Writer", None),
]
# Several ways from ana to sam: two introducers (one through the reverse rating), paths of
# 2, 3 and 4 hops, so that maxStrength, avoid and the ordering all change what is drawn.
RATINGS = [
    ("ana", "ben", 1, ["Friends"]),
    ("ben", "sam", 2, ["Former colleagues"]),
    ("ana", "cal", 2, ["Former colleagues"]),
    ("sam", "cal", 3, ["Vendors"]),
    ("ana", "dee", 1, ["Friends"]),
    ("dee", "eve", 1, ["Friends"]),
    ("eve", "sam", 2, ["Investors"]),
    ("ana", "fay", 3, ["Met once at a conference"]),
    ("fay", "gus", 2, []),
    ("gus", "eve", 1, ["Friends"]),
    ("ana", "gus", 4, ["Recruiters"]),
    ("cal", "eve", 5, ["Never met"]),
    ("ana", "zoe", 5, ["Never met"]),
]


def seed(server: Server) -> None:
    people = [{"id": i, "name": n, "headline": h, "company": c} for i, n, h, c in PEOPLE]
    ratings = [
        {"from": f, "to": t, "strength": s, "groups": g, "visibility": "PUBLIC"}
        for f, t, s, g in RATINGS
    ]
    server.data(
        "mutation($p: [PersonInput!]!, $r: [RatingInput!]!) {"
        " upsertPeople(input: $p) { id } rateConnections(input: $r) { count } }",
        {"p": people, "r": ratings},
    )


@pytest.fixture(scope="session")
def driver() -> Iterator[WebDriver]:
    browser = chromium()
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("dev") / "data", dev=True) as server:
        seed(server)
        yield server


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from tests.web.browser import mint

    with serving(tmp_path_factory.mktemp("auth") / "data", dev=False, secret=SECRET) as server:
        server.token = mint(SECRET, "root", "admin")
        seed(server)
        yield server


def _fresh(driver: WebDriver, server: Server, width: int = 1280, height: int = 900) -> Page:
    driver.set_window_size(width, height)
    page = Page(driver, server)
    page.open("/healthz")
    driver.execute_script("window.sessionStorage.clear();")
    page.drain()
    return page


@pytest.fixture
def dev_page(driver: WebDriver, dev_server: Server) -> Page:
    """The browser on the --dev service, with an empty session."""
    return _fresh(driver, dev_server)


@pytest.fixture
def token_page(driver: WebDriver, token_server: Server) -> Page:
    """The browser on the service with authentication, with an empty session."""
    return _fresh(driver, token_server)

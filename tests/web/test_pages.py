"""The web app at / in a real headless Chromium against the real service (uvicorn, embedded
store): each page renders, sends nothing beyond 127.0.0.1, logs no console error, and shows
what the API answers; what the page writes is in the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.web.browser import Page, serving
from tests.web.conftest import seed

STEP = "from { id } to { id } strength ratedBy { id } groups"


def choose_me(page: Page, me: str) -> None:
    page.open("/")
    page.wait_ready("home")
    page.driver.execute_script("window.sessionStorage.setItem('tiegraph.me', arguments[0]);", me)


def fill(page: Page, selector: str, text: str) -> None:
    element = page.css(selector)
    element.clear()
    element.send_keys(text)


def submit(page: Page, form: str, name: str) -> None:
    """Submit `form` with its submit button and wait for the page `name` to render again."""
    before = page.ready_marker()
    page.css(f"{form} button[type=submit]").click()
    page.wait_ready(name, previous=before)


def test_home_page_is_usable_with_the_keyboard(dev_page: Page) -> None:
    page = dev_page
    page.open("/")
    page.wait_ready("home")
    # A page's heading takes the focus when it renders, so that a screen reader starts there.
    assert page.driver.execute_script("return document.activeElement.tagName") == "H1"
    # Focus order: skip link, brand, the seven nav links, then the form's fields and buttons.
    page.driver.execute_script("document.querySelector('.skip').focus();")
    order = []
    for _ in range(13):
        order.append(
            page.driver.execute_script(
                "const e = document.activeElement;"
                " return e.id || e.getAttribute('href') || e.textContent.trim();"
            )
        )
        page.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert order == [
        "#main",
        "#/",
        "#/people",
        "#/introduce",
        "#/rate",
        "#/review",
        "#/inbox",
        "#/report",
        "graphql",
        "token",
        "me",
        "session-save",
        "session-forget",
    ]
    # Type "me", Tab to the button and press Enter: the page says who I am. (Enter in the field
    # would first pick the suggestion, when the list of suggestions has opened.)
    page.css("#me").send_keys("ana", Keys.TAB)
    button = page.driver.switch_to.active_element
    assert button.get_attribute("id") == "session-save"
    button.send_keys(Keys.ENTER)
    page.wait("document.querySelector('.success') !== null")
    assert "You are Ana Ortiz (ana)" in page.css(".success").text
    assert page.driver.execute_script("return sessionStorage.getItem('tiegraph.me')") == "ana"
    assert "me: ana" in page.css("#who").text
    assert_labelled(page)
    page.assert_clean()
    page.screenshot("home")


def test_people_search_and_a_persons_ratings_by_strength_and_group(dev_page: Page) -> None:
    page = dev_page
    server = page.server
    page.open("/#/people")
    page.wait_ready("people")
    fill(page, "#search", "a")
    submit(page, "#people-form", "people")
    expected = server.data('{ people(search: "a", first: 20) { items { id } } }')
    shown = [a.get_attribute("data-person") for a in page.all("#people-results a[data-person]")]
    assert shown == [p["id"] for p in expected["people"]["items"]]
    assert len(shown) >= 5

    before = page.ready_marker()
    page.css("#people-results a[data-person='ana']").click()
    page.wait_ready("person", previous=before)
    assert page.css("h1").text == "Ana Ortiz"
    ratings = server.data(
        '{ person(id: "ana") { ratings(first: 100) { items { to { id } strength } } } }'
    )
    by_strength: dict[int, list[str]] = {}
    for r in ratings["person"]["ratings"]["items"]:
        by_strength.setdefault(r["strength"], []).append(r["to"]["id"])
    assert len(by_strength) == 5
    for strength, ids in by_strength.items():
        section = page.css(f"section[data-strength='{strength}']")
        assert [
            li.get_attribute("data-to") for li in section.find_elements(By.CSS_SELECTOR, "li")
        ] == ids
    page.assert_clean()
    page.screenshot("person")

    # Filter by a group: the page asks the API with `group` and shows what it answers.
    Select(page.css("#group")).select_by_value("Friends")
    submit(page, "#rating-filter", "person")
    friends = server.data(
        '{ person(id: "ana") { ratings(group: "Friends") { items { to { id } } } } }'
    )
    shown = [li.get_attribute("data-to") for li in page.all("section[data-strength] li")]
    assert shown == [r["to"]["id"] for r in friends["person"]["ratings"]["items"]]
    assert set(shown) == {"ben", "dee"}
    page.assert_clean()


def introductions(page: Page, **args: Any) -> dict[str, Any]:
    query = (
        "query($target: ID!, $maxHops: Int, $maxStrength: Int, $avoid: [ID!]) {"
        f' introducers(from: "ana", target: $target, maxStrength: $maxStrength) {{ person {{ id }}'
        f" toIntroducer {{ {STEP} }} toTarget {{ {STEP} }} score }}"
        ' warmPaths(from: "ana", target: $target, maxHops: $maxHops, maxStrength: $maxStrength,'
        f" avoid: $avoid, first: 5) {{ people {{ id }} steps {{ {STEP} }} hops score }} }}"
    )
    return page.server.data(query, args)


def drawn(page: Page) -> list[dict[str, Any]]:
    """The warm paths as the page shows them: people in order, and each edge's strength."""
    script = """
      return [...document.querySelectorAll('#warm-paths > li')].map((li) => ({
        listed: li.dataset.people.split(','),
        nodes: [...li.querySelectorAll('svg g.node')].map((g) => g.dataset.person),
        edges: [...li.querySelectorAll('svg g.edge')].map((g) => [
          g.dataset.from, g.dataset.to, Number(g.dataset.strength),
          g.querySelector('text.strength').textContent]),
      }));
    """
    result: list[dict[str, Any]] = page.driver.execute_script(script)
    return result


def assert_page_matches(page: Page, api: dict[str, Any]) -> None:
    paths = drawn(page)
    assert len(paths) == len(api["warmPaths"])
    for shown, expected in zip(paths, api["warmPaths"], strict=True):
        people = [p["id"] for p in expected["people"]]
        assert shown["listed"] == people
        assert shown["nodes"] == people
        assert shown["edges"] == [
            [s["from"]["id"], s["to"]["id"], s["strength"], str(s["strength"])]
            for s in expected["steps"]
        ]
    rows = page.all("#introducers tbody tr")
    assert [r.get_attribute("data-person") for r in rows] == [
        i["person"]["id"] for i in api["introducers"]
    ]
    for row, expected in zip(rows, api["introducers"], strict=True):
        cells = row.find_elements(By.CSS_SELECTOR, "td[data-strength]")
        assert [
            (c.get_attribute("data-strength"), c.get_attribute("data-rated-by")) for c in cells
        ] == [
            (str(expected[k]["strength"]), expected[k]["ratedBy"]["id"])
            for k in ("toIntroducer", "toTarget")
        ]
        score = float(row.find_element(By.CSS_SELECTOR, "td.score").text)
        assert abs(score - expected["score"]) < 1e-4


def test_warm_paths_page_draws_the_apis_paths_in_order(dev_page: Page) -> None:
    page = dev_page
    choose_me(page, "ana")
    page.open("/#/introduce")
    page.wait_ready("introduce")
    fill(page, "#target", "sam")
    Select(page.css("#maxHops")).select_by_value("4")
    submit(page, "#introduce-form", "introduce")
    page.wait("document.querySelector('#introduce-results[data-loaded]') !== null")
    api = introductions(page, target="sam", maxHops=4, maxStrength=5, avoid=[])
    assert len(api["warmPaths"]) >= 4 and len(api["introducers"]) >= 2
    assert max(p["hops"] for p in api["warmPaths"]) == 4
    # One introducer is reached through the reverse rating: the page says whose rating it used.
    assert any(i["toTarget"]["ratedBy"]["id"] == "sam" for i in api["introducers"])
    assert_page_matches(page, api)
    page.assert_clean()
    page.screenshot("warm-paths")

    # maxStrength and avoid change the question: the page asks again and draws the new answer.
    Select(page.css("#maxStrength")).select_by_value("2")
    fill(page, "#avoid", "dee")
    submit(page, "#introduce-form", "introduce")
    page.wait("document.querySelector('#introduce-results[data-loaded]') !== null")
    narrowed = introductions(page, target="sam", maxHops=4, maxStrength=2, avoid=["dee"])
    assert narrowed["warmPaths"] != api["warmPaths"]
    assert all("dee" not in [p["id"] for p in w["people"]] for w in narrowed["warmPaths"])
    assert_page_matches(page, narrowed)
    assert "maxStrength=2" in page.driver.current_url and "avoid=dee" in page.driver.current_url
    page.assert_clean()


def test_warm_paths_by_keyboard_alone(dev_page: Page) -> None:
    page = dev_page
    choose_me(page, "ana")
    page.open("/#/introduce")
    page.wait_ready("introduce")
    # The heading has the focus; from there: target, hops, strength, paths, avoid, the button.
    keys = page.driver.switch_to.active_element
    assert keys.tag_name == "h1"
    keys.send_keys(Keys.TAB)
    page.driver.switch_to.active_element.send_keys("sam", Keys.TAB)
    page.driver.switch_to.active_element.send_keys("4", Keys.TAB)
    page.driver.switch_to.active_element.send_keys("3", Keys.TAB)
    for _ in range(2):
        page.driver.switch_to.active_element.send_keys(Keys.TAB)
    button = page.driver.switch_to.active_element
    assert button.text == "Find introductions"
    before = page.ready_marker()
    button.send_keys(Keys.ENTER)
    page.wait_ready("introduce", previous=before)
    page.wait("document.querySelector('#introduce-results[data-loaded]') !== null")
    assert_page_matches(page, introductions(page, target="sam", maxHops=4, maxStrength=3))
    page.assert_clean()


def assert_labelled(page: Page) -> None:
    """Every field has a label with words; every control is a real button, link or field."""
    unlabelled = page.driver.execute_script(
        "return [...document.querySelectorAll('main input, main textarea, main select')]"
        ".filter((e) => !(e.labels && [...e.labels].some((l) => l.textContent.trim())))"
        ".map((e) => e.outerHTML);"
    )
    assert unlabelled == []
    clickable = page.driver.execute_script(
        "return [...document.querySelectorAll("
        "'main div[tabindex], main span[tabindex], main [role=button], main [onclick]')]"
        ".map((e) => e.outerHTML);"
    )
    assert clickable == []


def assert_fits(page: Page) -> int:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    width: int = page.driver.execute_script("return document.documentElement.clientWidth")
    assert width <= 400, width
    overflow = page.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than a {width}px window"
    return width


def test_warm_paths_page_fits_a_phone(dev_page: Page) -> None:
    page = dev_page
    page.driver.set_window_size(375, 812)
    choose_me(page, "ana")
    page.open("/#/introduce?target=sam&maxHops=4")
    page.wait_ready("introduce")
    page.wait("document.querySelector('#introduce-results[data-loaded]') !== null")
    width = assert_fits(page)
    assert len(page.all("svg.path")) >= 4
    for svg in page.all("svg.path"):
        assert svg.size["width"] <= width
    page.assert_clean()
    page.screenshot("warm-paths-phone")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/", "home"),
        ("/#/people?search=a", "people"),
        ("/#/person?id=ana", "person"),
        ("/#/rate?to=sam", "rate"),
        ("/#/introduce?target=nobody", "introduce"),
    ],
)
def test_every_page_fits_a_phone(dev_page: Page, path: str, name: str) -> None:
    page = dev_page
    page.driver.set_window_size(375, 812)
    choose_me(page, "ana")
    page.open(path)
    page.wait_ready(name)
    assert page.css("main h1").text
    assert_fits(page)
    assert_labelled(page)
    page.assert_clean()
    page.screenshot(f"{name}-phone")


def test_a_rating_made_in_the_page_is_in_the_store(dev_page: Page) -> None:
    page = dev_page
    server = page.server
    assert server.data('{ rating(from: "zoe", to: "fay") { strength } }')["rating"] is None
    choose_me(page, "zoe")
    page.open("/#/rate?to=fay")
    page.wait_ready("rate")
    page.css("label[for='strength-2']").click()
    page.css("input[name='group'][value='Former colleagues']").send_keys(Keys.SPACE)
    fill(page, "#other-groups", "Book club, Neighbours")
    page.css("#vis-PRIVATE").click()
    fill(page, "#context", "Same street since 2020")
    page.css("#since").send_keys("03152020")
    page.css("#rate-submit").click()
    page.wait("document.querySelector('#rate-saved, #rate-status .error') !== null")
    assert page.all("#rate-saved"), page.css("#rate-status").text
    stored = server.data(
        '{ rating(from: "zoe", to: "fay") { strength groups visibility context since } }'
    )["rating"]
    assert stored == {
        "strength": 2,
        "groups": ["Former colleagues", "Book club", "Neighbours"],
        "visibility": "PRIVATE",
        "context": "Same street since 2020",
        "since": "2020-03-15",
    }
    page.assert_clean()
    page.screenshot("rate")

    # Opening the page again shows the stored rating, ready to be replaced.
    page.open("/#/rate?to=fay")
    page.wait_ready("rate")
    assert page.css("#strength-2").is_selected()
    assert page.css("#vis-PRIVATE").is_selected()
    assert "rated them before" in page.css("#rate-form").text
    page.assert_clean()


def test_api_errors_are_shown_in_words(dev_page: Page) -> None:
    page = dev_page
    server = page.server
    choose_me(page, "ana")
    for to, code in (("nobody-at-all", "NOT_FOUND"), ("ana", "BAD_USER_INPUT")):
        page.open(f"/#/rate?to={to}")
        page.wait_ready("rate")
        page.css("#strength-3").click()
        page.css("#rate-submit").click()
        page.wait("document.querySelector('#rate-status .error') !== null")
        shown = page.css("#rate-status .error").text
        error = server.post(
            "mutation($i: RatingInput!) { rateConnection(input: $i) { strength } }",
            {"i": {"from": "ana", "to": to, "strength": 3, "groups": []}},
        )["errors"][0]
        assert error["extensions"]["code"] == code
        assert code in shown and error["message"] in shown, shown
        assert page.css("#rate-status .error").get_attribute("role") == "alert"
    # Nothing was written by the refused ratings.
    assert server.data('{ rating(from: "ana", to: "ana") { strength } }')["rating"] is None
    # A limit the API enforces: 5 hops is more than maxHops allows, in words with its field.
    page.open("/#/introduce?target=sam&maxHops=5")
    page.wait_ready("introduce")
    text = page.css("#introduce-results .error").text
    assert "BAD_USER_INPUT" in text and "maxHops" in text, text
    page.assert_clean()
    page.screenshot("error")


def test_pages_ask_who_i_am_first(dev_page: Page) -> None:
    page = dev_page
    for name in ("introduce", "rate", "review", "inbox", "report"):
        page.open(f"/#/{name}")
        page.wait_ready(name)
        notice = page.css("main .notice")
        assert "first say who you are" in notice.text
        assert notice.find_element(By.CSS_SELECTOR, "a").get_attribute("href").endswith("#/")
    page.assert_clean()


def test_with_a_token_the_page_acts_as_the_tokens_person(token_page: Page) -> None:
    from tests.web.browser import mint
    from tests.web.conftest import SECRET

    page = token_page
    # Without a token the service refuses, and the page says so.
    choose_me(page, "ana")
    page.open("/#/introduce?target=sam")
    page.wait_ready("introduce")
    assert "UNAUTHENTICATED" in page.css("#introduce-results .error").text
    # The suggestions under a person field say so too, rather than staying silent.
    page.css("#target").send_keys(Keys.END, "x")
    page.wait("document.querySelector('.suggest-error .error') !== null")
    assert "UNAUTHENTICATED" in page.css(".suggest-error .error").text
    page.assert_clean()

    # Paste ana's token (from `tiegraph token`): "me" defaults to its subject.
    page.driver.execute_script("window.sessionStorage.clear();")
    page.open("/")
    page.wait_ready("home")
    token = mint(SECRET, "ana")
    page.css("#token").send_keys(token)
    page.css("#session-save").click()
    page.wait("document.querySelector('.success') !== null")
    assert "You are Ana Ortiz (ana) (user)" in page.css(".success").text
    storage = page.driver.execute_script(
        "return [sessionStorage.getItem('tiegraph.token'), JSON.stringify(localStorage)]"
    )
    assert storage[0] == token and token not in storage[1]

    page.open("/#/introduce?target=sam&maxHops=4")
    page.wait_ready("introduce")
    page.wait("document.querySelector('#introduce-results[data-loaded]') !== null")
    page.server.token = token
    try:
        api = introductions(page, target="sam", maxHops=4, maxStrength=5, avoid=[])
    finally:
        page.server.token = None
    assert api["warmPaths"]
    assert_page_matches(page, api)
    # The token's person may not ask from someone else: FORBIDDEN, in words.
    page.driver.execute_script("sessionStorage.setItem('tiegraph.me', 'ben')")
    page.open("/#/introduce?target=sam&x=1")
    page.wait_ready("introduce")
    assert "FORBIDDEN" in page.css("#introduce-results .error").text
    page.assert_clean()
    assert json.loads(storage[1]) == {}


def test_a_rating_made_in_the_page_survives_a_restart(driver: Any, tmp_path: Path) -> None:
    """Acknowledged in the page means written: the service restarted on the same data directory
    answers it."""
    data_dir = tmp_path / "data"
    with serving(data_dir, dev=True) as server:
        seed(server)
        page = Page(driver, server)
        driver.set_window_size(1280, 900)
        choose_me(page, "fay")
        page.open("/#/rate?to=zoe")
        page.wait_ready("rate")
        page.css("#strength-1").click()
        page.css("#rate-submit").click()
        page.wait("document.querySelector('#rate-saved, #rate-status .error') !== null")
        assert page.all("#rate-saved"), page.css("#rate-status").text
        page.assert_clean()
    with serving(data_dir, dev=True) as again:
        rating = again.data('{ rating(from: "fay", to: "zoe") { strength groups visibility } }')
    assert rating["rating"] == {"strength": 1, "groups": [], "visibility": "CONNECTIONS"}

"""The pages over API.md's v2 additions, in a real headless Chromium against the real service:
ratings to review (`toReview`, issue 8), the request inbox (`connectionRequests`,
`respondToRequest`, triage; issue 9) and the network report (`networkReport`, issue 9).

They need those features in the service: on a branch without them the API answers
"Cannot query field ..." and these tests fail (they are not skipped)."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.browser import Page
from tests.web.test_pages import assert_fits, assert_labelled, choose_me

CONNECTIONS_CSV = """First Name,Last Name,URL,Email Address,Company,Position,Connected On
Hana,Ito,https://www.linkedin.com/in/hana-ito/,,Globex,Engineer,15 Aug 2021
Ivan,Petrov,https://www.linkedin.com/in/ivan-petrov/,,Initech,Designer,02 Mar 2023
Jo,Kim,https://www.linkedin.com/in/jo-kim/,,,Student,10 Jan 2020
"""

REQUEST = "mutation($i: ConnectionRequestInput!) { receiveConnectionRequest(input: $i) { id } }"


def review_queue(page: Page) -> list[dict[str, Any]]:
    data = page.server.data(
        '{ toReview(owner: "ana", first: 20) { items { to { id } strength reviewed } } }'
    )
    items: list[dict[str, Any]] = data["toReview"]["items"]
    return items


def test_review_page_confirms_imported_ratings(dev_page: Page) -> None:
    page = dev_page
    server = page.server
    report = server.data(
        "mutation($i: LinkedInImportInput!) { importLinkedIn(input: $i) { ratingsCreated } }",
        {"i": {"owner": "ana", "connectionsCsv": CONNECTIONS_CSV}},
    )
    assert report["importLinkedIn"]["ratingsCreated"] == 3
    queue = review_queue(page)
    assert len(queue) == 3 and not any(r["reviewed"] for r in queue)

    choose_me(page, "ana")
    page.open("/#/review")
    page.wait_ready("review")
    shown = [li.get_attribute("data-to") for li in page.all("#review-list li[data-to]")]
    assert shown == [r["to"]["id"] for r in queue]
    page.assert_clean()
    page.screenshot("review")

    first, second, third = shown
    item = page.css(f'#review-list li[data-to="{first}"]')
    Select(item.find_element(By.CSS_SELECTOR, "select")).select_by_value("2")
    item.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    page.wait(f"document.querySelector('#review-list li[data-to=\"{first}\"][data-reviewed]')")
    item = page.css(f'#review-list li[data-to="{second}"]')
    item.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    page.wait(f"document.querySelector('#review-list li[data-to=\"{second}\"][data-reviewed]')")

    stored = {
        to: server.data(
            'query($to: ID!) { rating(from: "ana", to: $to) { strength groups reviewed } }',
            {"to": to},
        )["rating"]
        for to in shown
    }
    assert stored[first] == {"strength": 2, "groups": ["LinkedIn"], "reviewed": True}
    assert stored[second] == {"strength": 4, "groups": ["LinkedIn"], "reviewed": True}
    assert stored[third]["reviewed"] is False
    assert [r["to"]["id"] for r in review_queue(page)] == [third]
    page.assert_clean()


def file_requests(page: Page) -> None:
    """Four requests to ana, one for each of the seed's rules."""
    requests = [
        ({"id": "ben", "name": "Ben Okafor"}, "Hi Ana, lunch soon?"),
        (
            {"id": "rita", "name": "Rita Moss", "headline": "Senior Technical Recruiter"},
            "I'd like to add you to my professional network on LinkedIn",
        ),
        (
            {"id": "paul", "name": "Paul Diaz", "headline": "Engineer"},
            "Loved your talk on graph search at PyCon, would like to stay in touch.",
        ),
        (
            {"id": "gina", "name": "Gina Russo", "headline": "Consultant"},
            "I'd like to connect with you on LinkedIn.",
        ),
    ]
    for i, (person, message) in enumerate(requests):
        page.server.data(
            REQUEST,
            {
                "i": {
                    "from": person,
                    "to": "ana",
                    "message": message,
                    "sentAt": f"2026-11-2{i}T10:00:00+00:00",
                }
            },
        )


def inbox(page: Page, status: str = "PENDING") -> list[dict[str, Any]]:
    data = page.server.data(
        'query($s: RequestStatus) { connectionRequests(owner: "ana", status: $s) {'
        " items { id from { id } status triage { action rule reasons draft } } } }",
        {"s": status},
    )
    items: list[dict[str, Any]] = data["connectionRequests"]["items"]
    return items


def test_inbox_shows_each_requests_triage_and_answers_it(dev_page: Page) -> None:
    page = dev_page
    server = page.server
    file_requests(page)
    expected = inbox(page)
    assert {r["triage"]["rule"] for r in expected} == {
        "KNOWN",
        "RECRUITER",
        "PERSONAL_NOTE",
        "GENERIC",
    }

    choose_me(page, "ana")
    page.open("/#/inbox")
    page.wait_ready("inbox")
    cards = page.all("#requests li[data-request]")
    assert [c.get_attribute("data-request") for c in cards] == [r["id"] for r in expected]
    for card, request in zip(cards, expected, strict=True):
        assert card.get_attribute("data-action") == request["triage"]["action"]
        assert card.get_attribute("data-rule") == request["triage"]["rule"]
        reasons = [li.text for li in card.find_elements(By.CSS_SELECTOR, "ul.reasons li")]
        assert reasons == request["triage"]["reasons"]
        drafts = card.find_elements(By.CSS_SELECTOR, ".draft")
        if request["triage"]["draft"] is None:
            assert drafts == []
        else:
            assert drafts[0].text == request["triage"]["draft"].strip()
    page.assert_clean()
    page.screenshot("inbox")

    by_from = {r["from"]["id"]: r for r in expected}
    # Accepting without a strength when ana never rated Paul: the API says why, in words.
    paul = page.css(f'li[data-request="{by_from["paul"]["id"]}"]')
    Select(paul.find_element(By.CSS_SELECTOR, "select[name=strength]")).select_by_value("")
    paul.find_element(By.CSS_SELECTOR, "button[data-accept]").click()
    page.wait(f"document.querySelector('li[data-request=\"{by_from['paul']['id']}\"] .error')")
    assert "BAD_USER_INPUT" in paul.find_element(By.CSS_SELECTOR, ".error").text
    assert server.data('{ rating(from: "ana", to: "paul") { strength } }')["rating"] is None

    # Accept the recruiter at strength 4 (groups prefilled "Recruiters"); decline the generic.
    rita = page.css(f'li[data-request="{by_from["rita"]["id"]}"]')
    Select(rita.find_element(By.CSS_SELECTOR, "select[name=strength]")).select_by_value("4")
    rita.find_element(By.CSS_SELECTOR, "button[data-accept]").click()
    page.wait(
        f"document.querySelector('li[data-request=\"{by_from['rita']['id']}\"][data-status]')"
    )
    gina = page.css(f'li[data-request="{by_from["gina"]["id"]}"]')
    gina.find_element(By.CSS_SELECTOR, "button[data-decline]").click()
    page.wait(
        f"document.querySelector('li[data-request=\"{by_from['gina']['id']}\"][data-status]')"
    )
    page.assert_clean()

    rating = server.data('{ rating(from: "ana", to: "rita") { strength groups reviewed } }')
    # A rating made by accepting is the owner's own: reviewed.
    assert rating["rating"] == {"strength": 4, "groups": ["Recruiters"], "reviewed": True}
    assert server.data('{ rating(from: "ana", to: "gina") { strength } }')["rating"] is None
    assert [r["from"]["id"] for r in inbox(page, "ACCEPTED")] == ["rita"]
    assert [r["from"]["id"] for r in inbox(page, "DECLINED")] == ["gina"]
    assert {r["from"]["id"] for r in inbox(page)} == {"ben", "paul"}

    page.open("/#/inbox?status=ACCEPTED")
    page.wait_ready("inbox")
    assert [c.get_attribute("data-from") for c in page.all("#requests li[data-request]")] == [
        "rita"
    ]
    page.assert_clean()


def test_report_page_shows_the_network_report(dev_page: Page) -> None:
    page = dev_page
    server = page.server
    # Ben rated Ana back far weaker than she rated him: a mismatch.
    server.data(
        'mutation { rateConnection(input: {from: "ben", to: "ana", strength: 4}) { strength } }'
    )
    api = server.data(
        '{ networkReport(owner: "ana") { connections unreviewed neverMet reciprocated warmReach'
        " stale byStrength { strength count } byGroup { group count }"
        " mismatches(first: 20) { person { id } yours theirs } } }"
    )["networkReport"]
    assert api["connections"] >= 6 and api["mismatches"]

    choose_me(page, "ana")
    page.open("/#/report")
    page.wait_ready("report")
    page.wait("document.querySelector('#report[data-loaded]') !== null")
    for key in ("connections", "unreviewed", "neverMet", "reciprocated", "warmReach", "stale"):
        value = page.css(f'[data-stat="{key}"] b').text
        assert value == str(api[key]), key
    bars = page.all("#report .bars")
    strengths = [row.text.split("\n")[-1] for row in bars[0].find_elements(By.CSS_SELECTOR, ".bar")]
    assert strengths == [str(s["count"]) for s in api["byStrength"]]
    if api["byGroup"]:
        groups = [row.text for row in bars[1].find_elements(By.CSS_SELECTOR, ".bar")]
        assert groups == [f"{g['group']}\n{g['count']}" for g in api["byGroup"]]
    rows = page.all("#mismatches tbody tr")
    assert [r.get_attribute("data-person") for r in rows] == [
        m["person"]["id"] for m in api["mismatches"]
    ]
    page.assert_clean()
    page.screenshot("report")


@pytest.mark.parametrize("name", ["review", "inbox", "report"])
def test_v2_pages_fit_a_phone(dev_page: Page, name: str) -> None:
    page = dev_page
    page.driver.set_window_size(375, 812)
    choose_me(page, "ana")
    page.open(f"/#/{name}")
    page.wait_ready(name)
    assert not page.all("main .error"), page.css("main .error").text
    assert_fits(page)
    assert_labelled(page)
    page.assert_clean()
    page.screenshot(f"{name}-phone")

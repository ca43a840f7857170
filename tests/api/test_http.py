"""Every query and mutation once, through HTTP, plus the non-GraphQL routes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.app import create_app
from tests.support.api import Api, running, settings_for


async def test_healthz(dev_api: Api) -> None:
    response = await dev_api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_the_store_answers(dev_api: Api) -> None:
    response = await dev_api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_graphiql_in_a_browser(dev_api: Api) -> None:
    response = await dev_api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_query_over_get(seeded_api: Api) -> None:
    response = await seeded_api.client.get(
        "/graphql", params={"query": '{ person(id: "bob") { name } }'}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"person": {"name": "Bob"}}}


async def test_mutation_over_get_is_refused_as_json(dev_api: Api) -> None:
    response = await dev_api.client.get(
        "/graphql", params={"query": 'mutation { deletePerson(id: "x") }'}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_malformed_json_body_is_a_graphql_shaped_error(dev_api: Api) -> None:
    response = await dev_api.client.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_request_id_is_generated_and_echoed(dev_api: Api) -> None:
    generated = await dev_api.client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["X-Request-ID"])
    given = await dev_api.client.get("/healthz", headers={"X-Request-ID": "req-42"})
    assert given.headers["X-Request-ID"] == "req-42"
    insane = await dev_api.client.get("/healthz", headers={"X-Request-ID": "a b\tc" * 50})
    assert re.fullmatch(r"[0-9a-f]{32}", insane.headers["X-Request-ID"])


async def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", dev=True, max_body_bytes=2048)
    async with running(settings) as api:
        response = await api.post("{ people { items { id } } }" + " " * 4096)
        assert response.status_code == 413
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert response.headers["X-Request-ID"]
        small = await api.post("{ people { items { id } } }")
        assert small.status_code == 200


async def test_upsert_person_and_read_it_back(dev_api: Api) -> None:
    created = await dev_api.data(
        'mutation { upsertPerson(input: {id: "zoe", name: "Zoe", headline: "Chef", '
        'company: "Bistro", location: "Lyon", profileUrl: "https://example.com/zoe"}) '
        "{ id name headline company location profileUrl } }"
    )
    assert created["upsertPerson"] == {
        "id": "zoe",
        "name": "Zoe",
        "headline": "Chef",
        "company": "Bistro",
        "location": "Lyon",
        "profileUrl": "https://example.com/zoe",
    }
    read = await dev_api.data('{ person(id: "zoe") { name headline } }')
    assert read == {"person": {"name": "Zoe", "headline": "Chef"}}


async def test_upsert_person_keeps_fields_not_sent_and_clears_explicit_null(
    dev_api: Api,
) -> None:
    await dev_api.data(
        'mutation { upsertPerson(input: {id: "zoe", name: "Zoe", headline: "Chef", '
        'company: "Bistro"}) { id } }'
    )
    updated = await dev_api.data(
        'mutation { upsertPerson(input: {id: "zoe", name: "Zoë", company: null}) '
        "{ name headline company } }"
    )
    assert updated["upsertPerson"] == {"name": "Zoë", "headline": "Chef", "company": None}


async def test_upsert_person_without_id_generates_one(dev_api: Api) -> None:
    created = await dev_api.data('mutation { upsertPerson(input: {name: "Anon"}) { id } }')
    assert created["upsertPerson"]["id"]


async def test_upsert_people_with_variables(dev_api: Api) -> None:
    data = await dev_api.data(
        "mutation($people: [PersonInput!]!) { upsertPeople(input: $people) { id name } }",
        {"people": [{"id": "p1", "name": "One"}, {"id": "p2", "name": "Two"}]},
    )
    assert data["upsertPeople"] == [{"id": "p1", "name": "One"}, {"id": "p2", "name": "Two"}]


async def test_rate_connection_returns_the_rating(seeded_api: Api) -> None:
    data = await seeded_api.data(
        'mutation { rateConnection(input: {from: "dave", to: "alice", strength: 3, '
        'groups: [" Vendors ", "Vendors"], context: "met at a fair", visibility: PRIVATE, '
        'since: "2020-01-31", lastInteraction: "2026-11-01"}) { from { id } to { name } '
        "strength groups context visibility since lastInteraction createdAt updatedAt } }"
    )
    rating = data["rateConnection"]
    assert rating["from"] == {"id": "dave"}
    assert rating["to"] == {"name": "Alice"}
    assert rating["strength"] == 3
    assert rating["groups"] == ["Vendors"]
    assert rating["context"] == "met at a fair"
    assert rating["visibility"] == "PRIVATE"
    assert rating["since"] == "2020-01-31"
    assert rating["lastInteraction"] == "2026-11-01"
    assert rating["createdAt"] == rating["updatedAt"]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)$", rating["createdAt"])


async def test_rate_connections_and_reciprocal(seeded_api: Api) -> None:
    data = await seeded_api.data(
        "mutation { rateConnections(input: ["
        '{from: "bob", to: "alice", strength: 2}, {from: "dave", to: "carol", strength: 5}'
        "]) { count ratings { from { id } to { id } strength reciprocal { strength } } } }"
    )
    result = data["rateConnections"]
    assert result["count"] == 2
    assert result["ratings"] == [
        {
            "from": {"id": "bob"},
            "to": {"id": "alice"},
            "strength": 2,
            "reciprocal": {"strength": 1},
        },
        {
            "from": {"id": "dave"},
            "to": {"id": "carol"},
            "strength": 5,
            "reciprocal": {"strength": 2},
        },
    ]


async def test_rating_query(seeded_api: Api) -> None:
    data = await seeded_api.data(
        '{ rating(from: "alice", to: "bob") { strength groups visibility } '
        'missing: rating(from: "bob", to: "alice") { strength } }'
    )
    assert data == {
        "rating": {"strength": 1, "groups": ["Friends"], "visibility": "CONNECTIONS"},
        "missing": None,
    }


async def test_people_search_and_pages(seeded_api: Api) -> None:
    first = await seeded_api.data("{ people(first: 2) { items { id } nextCursor } }")
    assert [p["id"] for p in first["people"]["items"]] == ["alice", "bob"]
    cursor = first["people"]["nextCursor"]
    assert cursor
    rest = await seeded_api.data(
        "query($after: String) { people(first: 2, after: $after) { items { id } nextCursor } }",
        {"after": cursor},
    )
    assert rest["people"] == {"items": [{"id": "carol"}, {"id": "dave"}], "nextCursor": None}
    search = await seeded_api.data('{ people(search: "AR") { items { id } } }')
    assert search["people"]["items"] == [{"id": "carol"}]


async def test_person_ratings_page(seeded_api: Api) -> None:
    data = await seeded_api.data(
        '{ person(id: "alice") { ratings(first: 1) { items { to { id } strength } nextCursor } '
        "strong: ratings(maxStrength: 2) { items { to { id } } } "
        'friends: ratings(group: "Friends") { items { to { id } } } } }'
    )
    person = data["person"]
    assert person["ratings"]["items"] == [{"to": {"id": "bob"}, "strength": 1}]
    assert person["ratings"]["nextCursor"]
    assert person["strong"]["items"] == [{"to": {"id": "bob"}}]
    assert person["friends"]["items"] == [{"to": {"id": "bob"}}]


async def test_warm_paths(seeded_api: Api) -> None:
    data = await seeded_api.data(
        '{ warmPaths(from: "alice", target: "dave") { hops score people { id } '
        "steps { from { id } to { id } ratedBy { id } strength groups } } }"
    )
    best = data["warmPaths"][0]
    assert [p["id"] for p in best["people"]] == ["alice", "bob", "carol", "dave"]
    assert best["hops"] == 3
    assert best["score"] == pytest.approx(0.9 * 0.7 * 0.7)
    assert best["steps"][0] == {
        "from": {"id": "alice"},
        "to": {"id": "bob"},
        "ratedBy": {"id": "alice"},
        "strength": 1,
        "groups": ["Friends"],
    }
    avoided = await seeded_api.data(
        '{ warmPaths(from: "alice", target: "dave", avoid: ["bob"]) { people { id } } }'
    )
    assert avoided["warmPaths"] == [{"people": [{"id": "alice"}, {"id": "carol"}, {"id": "dave"}]}]


async def test_warm_paths_use_the_reverse_rating(seeded_api: Api) -> None:
    data = await seeded_api.data(
        '{ warmPaths(from: "dave", target: "carol", maxHops: 1) { steps { ratedBy { id } } } }'
    )
    assert data["warmPaths"] == [{"steps": [{"ratedBy": {"id": "carol"}}]}]


async def test_introducers(seeded_api: Api) -> None:
    data = await seeded_api.data(
        '{ introducers(from: "alice", target: "carol") { person { id } score '
        "toIntroducer { from { id } to { id } strength } toTarget { to { id } strength } } }"
    )
    assert data["introducers"] == [
        {
            "person": {"id": "bob"},
            "score": pytest.approx(0.9 * 0.7),
            "toIntroducer": {"from": {"id": "alice"}, "to": {"id": "bob"}, "strength": 1},
            "toTarget": {"to": {"id": "carol"}, "strength": 2},
        }
    ]


async def test_mutual_connections(seeded_api: Api) -> None:
    data = await seeded_api.data('{ mutualConnections(a: "alice", b: "dave") { id } }')
    assert data["mutualConnections"] == [{"id": "carol"}]


async def test_remove_rating_and_delete_person(seeded_api: Api) -> None:
    data = await seeded_api.data(
        'mutation { removed: removeRating(from: "alice", to: "bob") '
        'again: removeRating(from: "alice", to: "bob") '
        'deleted: deletePerson(id: "dave") gone: deletePerson(id: "dave") }'
    )
    assert data == {"removed": True, "again": False, "deleted": True, "gone": False}
    after = await seeded_api.data(
        '{ rating(from: "alice", to: "bob") { strength } person(id: "dave") { id } }'
    )
    assert after == {"rating": None, "person": None}


async def test_a_write_survives_a_restart(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", dev=True)
    async with running(settings) as api:
        await api.data('mutation { upsertPerson(input: {id: "kept", name: "Kept"}) { id } }')
    async with running(settings) as api:
        data = await api.data('{ person(id: "kept") { name } }')
    assert data == {"person": {"name": "Kept"}}


def test_create_app_touches_nothing_until_started(tmp_path: Path) -> None:
    create_app(settings_for(tmp_path / "never", dev=True))
    assert not (tmp_path / "never").exists()

"""GraphQL over HTTP as its specification says: media types and status codes, operationName
with several operations, CORS and gzip; through the real app."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest

from service.api.graphql_http import GRAPHQL_RESPONSE
from tests.support.api import Api, running, settings_for

GR_ACCEPT = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"
DEAD_NEO4J = "bolt://127.0.0.1:1"

TWO_WRITES = """
mutation First { upsertPerson(input: {id: "first", name: "First"}) { id } }
mutation Second { upsertPerson(input: {id: "second", name: "Second"}) { id } }
"""


async def post(
    api: Api, body: dict[str, object], accept: str | None = GR_ACCEPT, **headers: str
) -> httpx.Response:
    if accept is not None:
        headers["Accept"] = accept
    return await api.client.post("/graphql", json=body, headers=headers)


# --- media type and status ---------------------------------------------------------------
async def test_graphql_response_json_for_a_result(seeded_api: Api) -> None:
    response = await post(seeded_api, {"query": '{ person(id: "bob") { name } }'})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"person": {"name": "Bob"}}}


async def test_a_request_error_is_400_without_data(dev_api: Api) -> None:
    response = await post(dev_api, {"query": "{ nope }"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "nope"}


async def test_a_syntax_error_and_a_malformed_body_are_400(dev_api: Api) -> None:
    syntax = await post(dev_api, {"query": "{ people { "})
    assert syntax.status_code == 400
    assert "data" not in syntax.json()
    malformed = await dev_api.client.post(
        "/graphql",
        content=b"{not json",
        headers={"Content-Type": "application/json", "Accept": GR_ACCEPT},
    )
    assert malformed.status_code == 400
    assert malformed.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert malformed.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_field_error_is_200_with_data(seeded_api: Api) -> None:
    """Rating yourself fails in the resolver, during execution: a result, so 200."""
    response = await post(
        seeded_api,
        {
            "query": 'mutation { rateConnection(input: {from: "bob", to: "bob", strength: 1}) '
            "{ strength } }"
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["rateConnection"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unauthenticated_is_401(auth_api: Api) -> None:
    response = await post(auth_api, {"query": "{ people { items { id } } }"})
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # The same request as plain JSON keeps the GraphQL-over-JSON habit: 200, data null.
    legacy = await post(auth_api, {"query": "{ people { items { id } } }"}, accept=None)
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"
    assert legacy.json()["data"] is None


async def test_store_unavailable_is_503(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "unused", dev=True, store="neo4j", neo4j_uri=DEAD_NEO4J)
    async with running(settings) as api:
        response = await post(api, {"query": "{ people { items { id } } }"})
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


@pytest.mark.parametrize(
    "accept",
    [None, "application/json", "*/*", f"application/json, {GRAPHQL_RESPONSE};q=0.5"],
)
async def test_json_unless_asked_for(dev_api: Api, accept: str | None) -> None:
    response = await post(dev_api, {"query": "{ nope }"}, accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"] is None


async def test_a_mutation_over_get_is_405(dev_api: Api) -> None:
    response = await dev_api.client.get(
        "/graphql",
        params={"query": 'mutation { deletePerson(id: "x") }'},
        headers={"Accept": GR_ACCEPT},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    query = await dev_api.client.get(
        "/graphql", params={"query": "{ people { items { id } } }"}, headers={"Accept": GR_ACCEPT}
    )
    assert query.status_code == 200
    assert query.json() == {"data": {"people": {"items": []}}}


async def test_graphiql_still_for_browsers(dev_api: Api) -> None:
    response = await dev_api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


# --- operationName -------------------------------------------------------------------------
async def test_several_operations_need_an_operation_name(dev_api: Api) -> None:
    error = await dev_api.error(TWO_WRITES)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "operationName"}
    assert "First, Second" in error["message"]
    people = await dev_api.data("{ people { items { id } } }")
    assert people["people"]["items"] == []  # neither operation ran


async def test_the_named_operation_runs_alone(dev_api: Api) -> None:
    response = await dev_api.client.post(
        "/graphql", json={"query": TWO_WRITES, "operationName": "Second"}
    )
    assert response.json() == {"data": {"upsertPerson": {"id": "second"}}}
    people = await dev_api.data("{ people { items { id } } }")
    assert people["people"]["items"] == [{"id": "second"}]
    # The text's cached validation does not remember the refusal, nor forget it.
    again = await dev_api.error(TWO_WRITES)
    assert again["extensions"]["field"] == "operationName"
    first = await dev_api.client.post(
        "/graphql", json={"query": TWO_WRITES, "operationName": "First"}
    )
    assert first.json() == {"data": {"upsertPerson": {"id": "first"}}}


async def test_several_operations_without_a_name_is_a_request_error(dev_api: Api) -> None:
    response = await post(dev_api, {"query": TWO_WRITES})
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_one_named_operation_needs_no_name(seeded_api: Api) -> None:
    data = await seeded_api.data('query Only { person(id: "bob") { id } }')
    assert data == {"person": {"id": "bob"}}


# --- CORS ----------------------------------------------------------------------------------
ORIGIN = "https://app.example"


async def test_no_cors_by_default(dev_api: Api) -> None:
    response = await dev_api.client.post(
        "/graphql", json={"query": "{ people { items { id } } }"}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_cors_for_the_configured_origins(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path / "data", dev=True, cors_origins=f"{ORIGIN}, https://b.example"
    )
    async with running(settings) as api:
        preflight = await api.client.options(
            "/graphql",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed
        response = await api.client.post(
            "/graphql", json={"query": "{ people { items { id } } }"}, headers={"Origin": ORIGIN}
        )
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
        other = await api.client.post(
            "/graphql",
            json={"query": "{ people { items { id } } }"},
            headers={"Origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in other.headers
        refused = await api.client.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code == 400


# --- gzip ----------------------------------------------------------------------------------
MANY_PEOPLE = "mutation($input: [PersonInput!]!) { upsertPeople(input: $input) { id } }"
LIST_PEOPLE = "{ people(first: 100) { items { id name headline } } }"


async def _people(api: Api, count: int) -> None:
    people = [{"id": f"p{i:03}", "name": f"Person {i}", "headline": "x" * 40} for i in range(count)]
    await api.data(MANY_PEOPLE, {"input": people})


async def test_large_responses_are_gzipped(dev_api: Api) -> None:
    await _people(dev_api, 100)
    response = await dev_api.client.post(
        "/graphql", json={"query": LIST_PEOPLE}, headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["X-Request-ID"]
    async with dev_api.client.stream(
        "POST", "/graphql", json={"query": LIST_PEOPLE}, headers={"Accept-Encoding": "gzip"}
    ) as streamed:
        raw = b"".join([chunk async for chunk in streamed.aiter_raw()])
    decoded = gzip.decompress(raw)
    assert len(raw) < len(decoded) / 3
    assert len(json.loads(decoded)["data"]["people"]["items"]) == 100
    small = await dev_api.client.post(
        "/graphql",
        json={"query": '{ person(id: "p001") { id } }'},
        headers={"Accept-Encoding": "gzip"},
    )
    assert "content-encoding" not in small.headers
    plain = await dev_api.client.post(
        "/graphql", json={"query": LIST_PEOPLE}, headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers


async def test_gzip_can_be_turned_off(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data", dev=True, gzip_min_bytes=0)) as api:
        await _people(api, 100)
        response = await api.client.post(
            "/graphql", json={"query": LIST_PEOPLE}, headers={"Accept-Encoding": "gzip"}
        )
        assert "content-encoding" not in response.headers
        assert len(response.json()["data"]["people"]["items"]) == 100

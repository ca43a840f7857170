"""`service.api.document_cache`: a query text seen before skips parsing and validation, and
answers exactly as the first time, limits included."""

from __future__ import annotations

from graphql import parse

from service.api.document_cache import MAX_CACHED_TEXT, DocumentLru
from tests.support.api import Api

DEEP = '{ person(id: "a") { ratings { items { from { ratings { items { from { ratings { items { from { ratings { items { from { id } } } } } } } } } } } } }'  # noqa: E501
ALIASES = "{ " + " ".join(f'a{i}: person(id: "x") {{ id }}' for i in range(31)) + " }"


async def test_a_repeated_document_gets_the_same_answer_each_time(seeded_api: Api) -> None:
    query = '{ person(id: "alice") { id name } }'
    first = await seeded_api(query)
    for _ in range(3):
        assert (
            await seeded_api(query)
            == first
            == {"data": {"person": {"id": "alice", "name": "Alice"}}}
        )


async def test_limits_answer_the_same_when_the_document_is_cached(dev_api: Api) -> None:
    for query in (DEEP, ALIASES, "{ person { id } }", "{ nope }"):
        answers = [await dev_api(query) for _ in range(3)]
        assert answers[0]["errors"], answers[0]
        assert answers[1:] == answers[:1] * 2, query


def test_the_lru_keeps_small_texts_and_drops_the_least_recently_used() -> None:
    cache = DocumentLru(maxsize=2)
    document = parse("{ a }")
    cache.put("{ a }", document)
    cache.put("{ b }", parse("{ b }"))
    assert cache.get("{ a }") is not None  # now the most recently used
    cache.put("{ c }", parse("{ c }"))
    assert cache.get("{ b }") is None and cache.get("{ a }") is not None and len(cache) == 2
    huge = "{ a }" + " " * MAX_CACHED_TEXT
    cache.put(huge, document)
    assert cache.get(huge) is None

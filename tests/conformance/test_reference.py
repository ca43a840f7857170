"""The brute-force reference itself, on cases worked out by hand from API.md."""

from __future__ import annotations

import pytest

from service.domain import Visibility

from . import reference as ref

PUBLIC, CONNECTIONS, PRIVATE = Visibility.PUBLIC, Visibility.CONNECTIONS, Visibility.PRIVATE
ADMIN = ref.RefViewer("admin", admin=True)


def _graph(*ratings: tuple[str, str, int, Visibility]) -> ref.RefGraph:
    found = [ref.RefRating(u, v, s, vis) for u, v, s, vis in ratings]
    return ref.RefGraph({p for r in found for p in (r.rater, r.rated)}, found)


def test_reference_traversal_rule_and_visibility() -> None:
    graph = _graph(("t", "u", 1, PUBLIC), ("u", "v", 1, PRIVATE), ("v", "u", 4, PUBLIC))
    (seen,) = ref.warm_paths(
        graph, ref.RefViewer("t", False), "t", "v", max_hops=3, first=5, max_strength=5, avoid=()
    )
    assert [(s.strength, s.rated_by) for s in seen.steps] == [(1, "t"), (4, "v")]
    assert seen.score == pytest.approx(0.18)
    (admin_path,) = ref.warm_paths(
        graph, ADMIN, "t", "v", max_hops=3, first=5, max_strength=5, avoid=()
    )
    assert [(s.strength, s.rated_by) for s in admin_path.steps] == [(1, "t"), (1, "u")]
    assert ref.mutual_connections(graph, ref.RefViewer("x", False), "t", "v") == ["u"]
    hidden = _graph(("a", "m", 1, PUBLIC), ("m", "b", 1, CONNECTIONS))
    assert ref.mutual_connections(hidden, ref.RefViewer("x", False), "a", "b") == []
    assert ref.mutual_connections(hidden, ref.RefViewer("b", False), "a", "b") == ["m"]


def test_reference_ranking() -> None:
    graph = _graph(
        ("s", "t", 5, PUBLIC),
        ("s", "B", 2, PUBLIC),
        ("B", "t", 3, PUBLIC),
        ("s", "a", 3, PUBLIC),
        ("a", "t", 2, PUBLIC),
    )
    found = ref.warm_paths(graph, ADMIN, "s", "t", max_hops=2, first=5, max_strength=5, avoid=())
    assert [p.people for p in found] == [("s", "B", "t"), ("s", "a", "t"), ("s", "t")]
    equal = {1: 0.9, 2: 1.0, 3: 0.5, 4: 0.2, 5: 0.5}  # every path scores 0.5
    found = ref.warm_paths(
        graph, ADMIN, "s", "t", max_hops=2, first=2, max_strength=5, avoid=(), table=equal
    )
    assert [p.people for p in found] == [("s", "t"), ("s", "B", "t")]

"""Small helpers of the conformance suite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from service import introductions
from service.domain import Path, Role, Viewer
from service.scoring import ScoringTable
from service.store.base import Store

DEFAULT = ScoringTable.default()


def user(person_id: str) -> Viewer:
    return Viewer(person_id, Role.USER)


async def paths(
    store: Store,
    viewer: Viewer,
    source: str | None,
    target: str,
    *,
    max_hops: int = 3,
    first: int = 5,
    max_strength: int = 5,
    avoid: Sequence[str] = (),
    table: ScoringTable = DEFAULT,
) -> list[Path]:
    return await introductions.warm_paths(
        store,
        viewer,
        table,
        from_id=source,
        target=target,
        max_hops=max_hops,
        first=first,
        max_strength=max_strength,
        avoid=avoid,
    )


def people_of(found: Sequence[Path]) -> list[tuple[str, ...]]:
    return [p.people for p in found]


def steps_of(path: Path) -> list[tuple[str, str, int, str]]:
    """(from, to, strength, ratedBy) of every step."""
    return [(s.from_id, s.to_id, s.strength, s.rated_by) for s in path.steps]


# `graph(store, edges, people=())` from tests/conftest.py.
GraphLoader = Callable[..., Awaitable[None]]

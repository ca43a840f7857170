"""Warm-introduction use-cases: introducers, warm paths, mutual connections.

Each takes the store and the viewer, checks its inputs and the viewer's rights first, lets the
store find candidates (visibility applied inside the store's query) and ranks them with the
one shared definition in `service.scoring`.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.access import require_self_or_admin, resolve_from
from service.domain import (
    DEFAULT_INTRODUCERS_FIRST,
    DEFAULT_MAX_HOPS,
    DEFAULT_MAX_STRENGTH,
    DEFAULT_WARM_PATHS_FIRST,
    Introducer,
    Path,
    Person,
    Viewer,
    validate_id,
    validate_path_query,
)
from service.scoring import ScoringTable, introducers_from_paths, rank_paths
from service.store.base import Store


async def warm_paths(
    store: Store,
    viewer: Viewer,
    table: ScoringTable,
    *,
    from_id: str | None,
    target: str,
    max_hops: int = DEFAULT_MAX_HOPS,
    first: int = DEFAULT_WARM_PATHS_FIRST,
    max_strength: int = DEFAULT_MAX_STRENGTH,
    avoid: Sequence[str] = (),
) -> list[Path]:
    """Best simple paths from `from_id` (default: the viewer) to `target`, best first."""
    source = resolve_from(viewer, from_id)
    query = validate_path_query(
        source=source,
        target=target,
        max_hops=max_hops,
        first=first,
        max_strength=max_strength,
        avoid=avoid,
    )
    require_self_or_admin(viewer, source, "ask for paths")
    candidates = await store.find_paths(query, viewer, table)
    return rank_paths(candidates, table, query.first)


async def introducers(
    store: Store,
    viewer: Viewer,
    table: ScoringTable,
    *,
    from_id: str | None,
    target: str,
    first: int = DEFAULT_INTRODUCERS_FIRST,
    max_strength: int = DEFAULT_MAX_STRENGTH,
) -> list[Introducer]:
    """People one step from both `from_id` and `target`, best introduction first."""
    source = resolve_from(viewer, from_id)
    query = validate_path_query(
        source=source,
        target=target,
        max_hops=2,
        min_hops=2,
        first=first,
        max_strength=max_strength,
    )
    require_self_or_admin(viewer, source, "ask for introducers")
    candidates = await store.find_paths(query, viewer, table)
    return introducers_from_paths(rank_paths(candidates, table, query.first))


async def mutual_connections(store: Store, viewer: Viewer, a: str, b: str) -> list[Person]:
    """People with a visible step to both `a` and `b`, ordered by id (code point order)."""
    validate_id(a, "a")
    validate_id(b, "b")
    people = await store.mutual_connections(a, b, viewer)
    return sorted(people, key=lambda person: person.id)

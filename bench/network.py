"""A generated (or OTC) network read back from its JSON Lines: the undirected tie graph,
hop distances, the benchmark's query strata and a brute-force answer for small pieces of it.

Distances are over the undirected tie graph (u and v are adjacent when either rated the other),
which is what every path query walks for an admin viewer with `maxStrength` 5.
"""

from __future__ import annotations

import json
import math
import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_HOPS = 4
STRATA = ("distance 2", "distance 3", "distance 4", "from hub", "to hub", "unreachable")
WARM_UP = "warm-up"
# One answer, as comparable data: (people along the path, score) best first. For
# `introducers` the people are (from, introducer, target).
Answer = tuple[tuple[tuple[str, ...], float], ...]


@dataclass(frozen=True, slots=True)
class Pair:
    source: str
    target: str
    stratum: str
    # Hops between them over the tie graph; None when more than MAX_HOPS (or not computed).
    distance: int | None


@dataclass(frozen=True, slots=True)
class TieRating:
    strength: int
    visibility: str
    groups: tuple[str, ...]


class Network:
    """People as indices 0..n-1 (file order) with their undirected neighbours."""

    def __init__(
        self,
        ids: list[str],
        neighbours: list[array[int]],
        rating_count: int,
        ratings: dict[tuple[str, str], TieRating] | None,
    ) -> None:
        self.ids = ids
        self.index = {pid: i for i, pid in enumerate(ids)}
        self.neighbours = neighbours
        self.rating_count = rating_count
        # Every rating with what the reference needs; only kept for small networks.
        self.ratings = ratings

    def __len__(self) -> int:
        return len(self.ids)

    def degree(self, person: str) -> int:
        return len(self.neighbours[self.index[person]])

    def distances(self, source: str, limit: int = MAX_HOPS) -> dict[int, int]:
        """Hops from `source` to everyone within `limit` (breadth-first, by index)."""
        start = self.index[source]
        seen = {start: 0}
        frontier = [start]
        for hops in range(1, limit + 1):
            following: list[int] = []
            for u in frontier:
                for v in self.neighbours[u]:
                    if v not in seen:
                        seen[v] = hops
                        following.append(v)
            if not following:
                break
            frontier = following
        return seen

    def component(self, source: str) -> set[int]:
        """Everyone connected to `source`, at any distance."""
        return set(self.distances(source, limit=len(self.ids)))


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_network(path: Path, *, keep_ratings: bool = False) -> Network:
    """Read the file once; neighbours are unique, sorted indices."""
    ids: list[str] = []
    index: dict[str, int] = {}
    lists: list[list[int]] = []
    ratings: dict[tuple[str, str], TieRating] | None = {} if keep_ratings else None
    count = 0
    for record in iter_records(path):
        if record["kind"] == "person":
            index[record["id"]] = len(ids)
            ids.append(record["id"])
            lists.append([])
            continue
        a, b = index[record["from"]], index[record["to"]]
        lists[a].append(b)
        lists[b].append(a)
        count += 1
        if ratings is not None:
            ratings[(record["from"], record["to"])] = TieRating(
                record["strength"],
                record.get("visibility", "CONNECTIONS"),
                tuple(record.get("groups", ())),
            )
    neighbours = [array("i", sorted(set(x))) for x in lists]
    return Network(ids, neighbours, count, ratings)


def read_meta(path: Path) -> dict[str, Any]:
    """The generator's sidecar, or an empty one when there is none."""
    meta_file = path.with_name(path.name + ".meta.json")
    if meta_file.exists():
        meta: dict[str, Any] = json.loads(meta_file.read_text())
        return meta
    return {"hubs": [], "closed_groups": []}


# --- strata -----------------------------------------------------------------------------------


def pick_pairs(
    net: Network,
    meta: dict[str, Any],
    per_stratum: int,
    *,
    seed: int = 7,
    warm_up: int = 0,
) -> dict[str, list[Pair]]:
    """`per_stratum` pairs of each of `STRATA` (fewer when the network has too few), plus
    `warm_up` pairs at distance 2-3 that are not measured.

    Hubs: the sidecar's, else the highest degrees. Unreachable: from a closed group (or any
    component but the largest) to someone in the largest.
    """
    rng = random.Random(seed)
    hubs = [h for h in meta.get("hubs", []) if h in net.index]
    if not hubs:
        hubs = sorted(net.ids, key=lambda p: (-net.degree(p), p))[:5]
    closed = {p for group in meta.get("closed_groups", []) for p in group}
    giant = net.component(max(hubs, key=net.degree))
    ordinary = [
        i
        for i in sorted(giant)
        if net.ids[i] not in closed and net.ids[i] not in hubs and net.neighbours[i]
    ]
    ordinary_set = set(ordinary)
    pairs: dict[str, list[Pair]] = {s: [] for s in (*STRATA, WARM_UP)}

    def by_distance(dist: dict[int, int]) -> dict[int, list[int]]:
        buckets: dict[int, list[int]] = {}
        for i, d in dist.items():
            if i in ordinary_set:
                buckets.setdefault(d, []).append(i)
        return buckets

    # Distances 2, 3, 4: one breadth-first search per source gives a target of each.
    wanted = {2: "distance 2", 3: "distance 3", 4: "distance 4"}
    for _ in range(per_stratum * 20 + warm_up):
        if all(len(pairs[s]) >= per_stratum for s in wanted.values()) and (
            len(pairs[WARM_UP]) >= warm_up
        ):
            break
        source = net.ids[rng.choice(ordinary)]
        buckets = by_distance(net.distances(source))
        for d, stratum in wanted.items():
            if len(pairs[stratum]) < per_stratum and buckets.get(d):
                target = net.ids[rng.choice(buckets[d])]
                pairs[stratum].append(Pair(source, target, stratum, d))
        if len(pairs[WARM_UP]) < warm_up:
            near = buckets.get(2, []) + buckets.get(3, [])
            if near:
                i = rng.choice(near)
                pairs[WARM_UP].append(Pair(source, net.ids[i], WARM_UP, None))

    # Hubs: each hub's search gives a target 2-4 hops away (1 hop when that is all there is).
    for k in range(per_stratum):
        hub = hubs[k % len(hubs)]
        dist = net.distances(hub)
        buckets = by_distance(dist)
        far = [i for d in (2, 3, 4) for i in buckets.get(d, [])] or buckets.get(1, [])
        if not far:
            continue
        out, back = rng.choice(far), rng.choice(far)
        pairs["from hub"].append(Pair(hub, net.ids[out], "from hub", dist[out]))
        pairs["to hub"].append(Pair(net.ids[back], hub, "to hub", dist[back]))

    outside = sorted(closed) or [p for i, p in enumerate(net.ids) if i not in giant]
    if outside and ordinary:
        for _ in range(per_stratum):
            source = rng.choice(outside)
            target = net.ids[rng.choice(ordinary)]
            pairs["unreachable"].append(Pair(source, target, "unreachable", None))
    return pairs


# --- brute force (tests/conformance/reference.py) on the part of the graph that matters -------


def brute_force(
    net: Network,
    pair: Pair,
    kind: str,
    *,
    first: int = 10,
    cap: int = 300_000,
    viewer: str | None = None,
) -> Answer | None:
    """The reference's answer for `kind` ("introducers", "warmPaths 3", "warmPaths 4"), as the
    user `viewer` (visibility applies) or, when None, as an admin; None when the enumeration
    would try more than `cap` sequences.

    Only people on some path of h hops can matter for h-hop paths (hops from the source plus
    hops to the target at most h), so the reference gets that subgraph for each h; it then
    tries every sequence of those people, as written.
    """
    from tests.conformance import reference as ref

    if net.ratings is None:
        raise ValueError("read the network with keep_ratings=True for the brute force")
    max_hops = 2 if kind == "introducers" else int(kind.split()[-1])
    from_source = net.distances(pair.source, max_hops)
    to_target = net.distances(pair.target, max_hops)
    # Visibility only removes steps, so the subgraph below still holds every visible path;
    # it holds the source, so the ratings that let the viewer see CONNECTIONS ones are in it.
    seen_by = ref.RefViewer("admin", True) if viewer is None else ref.RefViewer(viewer, False)
    found: list[Any] = []
    for hops in range(2 if kind == "introducers" else 1, max_hops + 1):
        inner = [
            i
            for i, d in from_source.items()
            if i in to_target and d + to_target[i] <= hops and 0 < d < hops
        ]
        if math.perm(len(inner), hops - 1) > cap:
            return None
        people = {pair.source, pair.target, *(net.ids[i] for i in inner)}
        graph = ref.RefGraph(people, _ratings_among(net, people))
        found.extend(
            graph.all_paths(
                seen_by, pair.source, pair.target, hops, 5, (), ref.DEFAULT_TABLE, min_hops=hops
            )
        )
    return tuple((p.people, p.score) for p in ref.rank(found, first))


def _ratings_among(net: Network, people: set[str]) -> list[Any]:
    from service.domain import Visibility
    from tests.conformance import reference as ref

    assert net.ratings is not None
    out = []
    for person in people:
        for j in net.neighbours[net.index[person]]:
            other = net.ids[j]
            if other in people:
                rating = net.ratings.get((person, other))
                if rating is not None:
                    out.append(
                        ref.RefRating(
                            person,
                            other,
                            rating.strength,
                            Visibility(rating.visibility),
                            rating.groups,
                        )
                    )
    return out


# --- comparing answers ------------------------------------------------------------------------


def same_answer(a: Answer, b: Answer) -> bool:
    """Same people in the same order, scores within 1e-9 of the larger (API.md's tie rule)."""
    if len(a) != len(b):
        return False
    return all(
        pa == pb and abs(sa - sb) <= 1e-9 * max(abs(sa), abs(sb), 1e-300)
        for (pa, sa), (pb, sb) in zip(a, b, strict=True)
    )


def describe(answer: Answer | None, limit: int = 3) -> str:
    if answer is None:
        return "error"
    shown = ", ".join(f"{'>'.join(p)} {s:.6g}" for p, s in answer[:limit])
    more = f" (+{len(answer) - limit})" if len(answer) > limit else ""
    return f"[{shown}{more}]"


def flatten(pairs: dict[str, list[Pair]], strata: Sequence[str] = STRATA) -> list[Pair]:
    return [p for s in strata for p in pairs.get(s, [])]

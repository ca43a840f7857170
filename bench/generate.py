"""Realistic, seeded rating networks streamed to disk as JSON Lines for `tiegraph load`.

    python -m bench.generate --tier L --seed 1 --out /tmp/tier-L.jsonl
    python -m bench.generate --people 2000 --ratings-per-person 25 --seed 1 --out /tmp/n.jsonl

Tiers: S = the Bitcoin OTC data (mapped as its README says, `bench.otc`), M = 10,000 people /
~250,000 ratings, L = 100,000 / ~2.5M with hubs of ~30,000 ratings, XL = 1M / ~25M.

The file: one JSON object a line, every person before any rating::

    {"kind": "person", "id": "p000001", "name": "Ana Ortiz", "headline": ..., ...}
    {"kind": "rating", "from": "p000001", "to": "p000002", "strength": 3, "groups": [...],
     "visibility": "CONNECTIONS", "since": "2020-01-31"}

at most one rating per ordered pair, no self-ratings. Beside it, ``<out>.meta.json`` names the
hubs and the closed groups, so a benchmark can pick its strata without rereading the graph.

The shape of the network:

- **Communities**: people are cut into contiguous blocks of ~20-1000 (lognormal around 150);
  ~90% of a person's ties stay inside their block, the rest go to anyone outside it.
- **Dunbar layers**: each person ranks their community ties; the closest 3-5 are strength 1,
  the next 10-15 strength 2, ~30 strength 3 and the rest 4-5. Ties across communities are
  mostly 3-5.
- **Reciprocity**: 15% of ties are one-sided; the others are rated back with the same strength
  or one off (towards the other person's own layering).
- **Hubs** (0.05% of people, at least one): super-connectors who rate thousands to tens of
  thousands of people weakly (4-5) on top of their community ties.
- **Closed groups** of 6 people who rate only each other: pairs with no path at all.
- Visibility ~80% CONNECTIONS, ~15% PUBLIC, ~5% PRIVATE; groups from the product's labels.

Memory: one community's ties at a time, plus the hubs' partner sets; never the ratings. Ties
across communities are kept unique without a global set: a person's picks are a pure function
of (seed, person), so the lower-numbered side of a pair that picked each other can check.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import math
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT_VERSION = 1
CLOSED_GROUP_SIZE = 6
ONE_SIDED = 0.15
CROSS_FRACTION = 0.10
DUPLICATE_SLACK = 1.07
HUB_FRACTION = 0.0005
HUB_MAX_RATINGS = 30_000
# Ratings per undirected tie: 15% one-sided, 85% rated both ways.
RATINGS_PER_TIE = 2.0 - ONE_SIDED


@dataclass(frozen=True)
class Tier:
    people: int
    ratings_per_person: float


TIERS: dict[str, Tier] = {
    "M": Tier(10_000, 25.0),
    "L": Tier(100_000, 25.0),
    "XL": Tier(1_000_000, 25.0),
}

# --- what people and ratings look like ----------------------------------------------------

FIRST = (
    "Ana Ben Chloe Dmitri Elena Farid Grace Hiro Ines Jamal Kofi Lena Mateo Nadia Omar Priya "
    "Quinn Rosa Sam Tariq Uma Victor Wen Ximena Yusuf Zoe Aiko Bruno Carmen Diego Eva Femi "
    "Giulia Hana Ivan Julia Kenji Lucia Malik Noor Olga Pablo Rania Sofia Tomas Valentina "
    "Wei Yara Zain Amara Bilal Camille Dara Emeka Freya Gabriel Ingrid Joon Leila Mira"
).split()
LAST = (
    "Ortiz Okafor Reyes Nguyen Schmidt Haddad Kim Rossi Novak Mensah Silva Tanaka Costa "
    "Ivanova Patel Khan Garcia Dubois Larsen Moreau Yilmaz Adeyemi Kowalski Fischer Sato "
    "Mendes Bauer Hassan Lindqvist Park Romero Varga Chen Ali Jensen Nakamura Popescu Ruiz "
    "Santos Weber Abe Becker Castro Dahl Eze Ferrari Gomez Horvat Ito Jovanovic Kaur Lopez"
).split()
ROLES = (
    "Software Engineer",
    "Product Manager",
    "Designer",
    "Data Scientist",
    "Engineering Manager",
    "Founder",
    "CTO",
    "Sales Director",
    "Account Executive",
    "Technical Recruiter",
    "Talent Acquisition Partner",
    "Marketing Lead",
    "Consultant",
    "Investor",
    "Operations Manager",
    "Researcher",
)
COMPANY_PARTS = (
    "Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Tyrell Cyberdyne Soylent Wonka "
    "Oscorp Gringotts Monarch Aperture Massive Dynamic Pied Piper Nakatomi Blue Sun Virtucon"
).split()
COMPANY_SUFFIX = ("Labs", "Systems", "Group", "Analytics", "Health", "Capital", "Robotics", "AI")
LOCATIONS = (
    "Berlin",
    "Lisbon",
    "London",
    "Lagos",
    "Nairobi",
    "New York",
    "San Francisco",
    "Toronto",
    "Sao Paulo",
    "Mexico City",
    "Bangalore",
    "Singapore",
    "Tokyo",
    "Seoul",
    "Sydney",
    "Paris",
    "Madrid",
    "Stockholm",
    "Warsaw",
    "Istanbul",
)
CONTEXTS = (
    "We shipped the payments rewrite together",
    "Shared a flat at university",
    "Met at a meetup, kept in touch",
    "Introduced by a mutual friend",
    "Worked on the same client project",
)

# JSON fragments per strength: the labels a rater would put on such a tie.
_GROUP_CHOICES: dict[int, tuple[str, ...]] = {
    1: ('["Friends"]', '["Friends", "Former colleagues"]', '["Friends"]'),
    2: ('["Friends"]', '["Former colleagues"]', '["Former colleagues", "Friends"]'),
    3: ('["Former colleagues"]', '["Friends"]', '["Vendors"]', '["Former colleagues"]'),
    4: ('["Met once at a conference"]', '["Vendors"]', '["Recruiters"]', '["Former colleagues"]'),
    5: ('["Never met"]', '["Met once at a conference"]', '["Recruiters"]', '["Never met"]'),
}
_DATE_BASE = dt.date(2005, 1, 1).toordinal()
_DATES = tuple(dt.date.fromordinal(_DATE_BASE + d).isoformat() for d in range(0, 7600, 3))


def _visibility(bits: int) -> str:
    # ~80% CONNECTIONS, ~15% PUBLIC, ~5% PRIVATE (bits in 0..99).
    if bits < 80:
        return "CONNECTIONS"
    return "PUBLIC" if bits < 95 else "PRIVATE"


def rating_line(rng: random.Random, source: str, target: str, strength: int) -> str:
    """One rating as a JSON line; the optional fields are drawn from `rng`."""
    bits = rng.getrandbits(40)
    parts = [f'{{"kind": "rating", "from": "{source}", "to": "{target}", "strength": {strength}']
    choices = _GROUP_CHOICES[strength]
    g = bits & 0xFF
    if g < 230:  # ~10% of ratings carry no label
        parts.append(f', "groups": {choices[g % len(choices)]}')
    parts.append(f', "visibility": "{_visibility((bits >> 8) % 100)}"')
    d = (bits >> 16) & 0xFFFF
    if d < 58_000:  # most ratings say since when
        since = d % (len(_DATES) - 30)
        parts.append(f', "since": "{_DATES[since]}"')
        if (bits >> 32) & 0x7 == 0:
            later = since + 1 + ((bits >> 35) % (len(_DATES) - since - 1))
            parts.append(f', "lastInteraction": "{_DATES[later]}"')
    if strength <= 2 and (bits >> 32) & 0x1F == 1:
        parts.append(f', "context": "{CONTEXTS[(bits >> 24) % len(CONTEXTS)]}"')
    parts.append("}\n")
    return "".join(parts)


# --- the plan: communities, closed groups, hubs ---------------------------------------------


@dataclass
class Plan:
    """Everything decided up front from the seed; small (per community, per hub)."""

    seed: int
    people: int
    ratings_per_person: float
    width: int
    starts: list[int]  # first person index of each community, ascending
    closed: set[int]  # indices of closed communities
    hubs: list[int]  # person indices
    hub_ties: list[int]  # undirected weak ties each hub makes (same order as hubs)
    mean_degree: float  # mean undirected degree of a person's ordinary ties
    companies: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)

    def pid(self, index: int) -> str:
        return f"p{index + 1:0{self.width}d}"

    def community_of(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index) - 1

    def members(self, community: int) -> range:
        end = self.starts[community + 1] if community + 1 < len(self.starts) else self.people
        return range(self.starts[community], end)


def _community_sizes(rng: random.Random, people: int, closed_groups: int) -> list[int]:
    """Sizes of the open communities (lognormal around 150, 20-1000) then the closed ones."""
    open_people = people - closed_groups * CLOSED_GROUP_SIZE
    typical = min(150.0, max(20.0, open_people / 10))
    sizes: list[int] = []
    left = open_people
    while left > 0:
        size = int(min(1000, max(20, rng.lognormvariate(math.log(typical), 0.6))))
        size = min(size, left)
        if left - size < 20:  # don't leave a crumb
            size = left
        sizes.append(size)
        left -= size
    return sizes


def make_plan(
    seed: int,
    people: int,
    ratings_per_person: float,
    *,
    hubs: int | None = None,
    hub_max_ratings: int | None = None,
    closed_groups: int | None = None,
) -> Plan:
    if people < 50:
        raise ValueError("a generated network needs at least 50 people")
    rng = random.Random(seed)
    if closed_groups is None:
        closed_groups = max(2, min(50, people // 20_000))
    if hubs is None:
        hubs = max(1, round(people * HUB_FRACTION))
    if hub_max_ratings is None:
        hub_max_ratings = min(HUB_MAX_RATINGS, people // 3)

    sizes = _community_sizes(rng, people, closed_groups)
    # Closed groups sit at random places among the communities, so their ids are not special.
    layout: list[tuple[int, bool]] = [(s, False) for s in sizes]
    for _ in range(closed_groups):
        layout.insert(rng.randrange(len(layout) + 1), (CLOSED_GROUP_SIZE, True))
    starts, closed, at = [], set(), 0
    for i, (size, is_closed) in enumerate(layout):
        starts.append(at)
        if is_closed:
            closed.add(i)
        at += size

    width = max(6, len(str(people)))
    plan = Plan(seed, people, ratings_per_person, width, starts, closed, [], [], 0.0)
    open_people = [i for i in range(people) if plan.community_of(i) not in closed]
    plan.hubs = sorted(rng.sample(open_people, hubs))
    # The largest hub has ~hub_max_ratings ratings (given and received); the others spread
    # log-uniformly down to a fifth of it.
    top = hub_max_ratings / RATINGS_PER_TIE
    plan.hub_ties = [
        int(top if k == 0 else top * math.exp(-rng.random() * math.log(5))) for k in range(hubs)
    ]
    rng.shuffle(plan.hub_ties)
    hub_ratings = sum(plan.hub_ties) * RATINGS_PER_TIE
    ordinary = max(people * ratings_per_person - hub_ratings, people * 2.0)
    plan.mean_degree = 2 * ordinary / RATINGS_PER_TIE / people
    plan.companies = [
        f"{rng.choice(COMPANY_PARTS)} {rng.choice(COMPANY_SUFFIX)}" for _ in range(len(starts))
    ]
    plan.locations = [rng.choice(LOCATIONS) for _ in range(len(starts))]
    return plan


# --- per-person draws: pure functions of (seed, person) -------------------------------------


def _person_rng(plan: Plan, index: int, salt: int) -> random.Random:
    return random.Random((plan.seed * 1_000_003 + index) * 8 + salt)


def degree_of(plan: Plan, index: int) -> int:
    """How many ordinary ties this person wants (heavy-tailed, mean `plan.mean_degree`)."""
    rng = _person_rng(plan, index, 1)
    sigma = 0.8
    mu = math.log(plan.mean_degree) - sigma * sigma / 2
    return max(2, round(rng.lognormvariate(mu, sigma)))


def cross_picks(plan: Plan, index: int) -> list[int]:
    """The people outside their own community this person reaches out to (sorted, unique)."""
    if plan.community_of(index) in plan.closed:
        return []
    rng = _person_rng(plan, index, 2)
    wanted = degree_of(plan, index) * CROSS_FRACTION / 2
    count = int(wanted) + (1 if rng.random() < wanted - int(wanted) else 0)
    own = plan.community_of(index)
    picks: set[int] = set()
    for _ in range(count * 3):
        if len(picks) >= count:
            break
        v = rng.randrange(plan.people)
        c = plan.community_of(v)
        if c != own and c not in plan.closed:
            picks.add(v)
    return sorted(picks)


def _layers(rng: random.Random) -> tuple[int, int, int]:
    """Cumulative rank limits of strengths 1, 2, 3 for one person."""
    n1 = rng.randint(3, 5)
    n2 = n1 + rng.randint(10, 15)
    return n1, n2, n2 + rng.randint(25, 35)


def _wanted(rank: int, limits: tuple[int, int, int], rng: random.Random) -> int:
    if rank < limits[0]:
        return 1
    if rank < limits[1]:
        return 2
    if rank < limits[2]:
        return 3
    return 4 if rng.random() < 0.6 else 5


def _answer(mine: int, theirs: int) -> int:
    """The reverse rating: the other's own wish, pulled to within one of `mine`."""
    return min(max(theirs, mine - 1), mine + 1)


# --- writing ----------------------------------------------------------------------------------


@dataclass
class Stats:
    people: int = 0
    ratings: int = 0
    by_strength: list[int] = field(default_factory=lambda: [0] * 6)


class _Writer:
    def __init__(self, out: IO[str], rng: random.Random) -> None:
        self.out = out
        self.rng = rng
        self.stats = Stats()
        self._buffer: list[str] = []

    def rating(self, source: str, target: str, strength: int) -> None:
        self._buffer.append(rating_line(self.rng, source, target, strength))
        self.stats.ratings += 1
        self.stats.by_strength[strength] += 1
        if len(self._buffer) >= 4096:
            self.flush()

    def tie(self, a: str, b: str, a_wants: int, b_wants: int, one_sided: bool) -> None:
        """One undirected tie; `a` is the side whose wish sets the first rating."""
        self.rating(a, b, a_wants)
        if not one_sided:
            self.rating(b, a, _answer(a_wants, b_wants))

    def flush(self) -> None:
        self.out.write("".join(self._buffer))
        self._buffer.clear()


def _people_lines(plan: Plan) -> Iterator[str]:
    rng = random.Random(plan.seed * 7 + 1)
    for index in range(plan.people):
        community = plan.community_of(index)
        company = plan.companies[community] if rng.random() < 0.7 else rng.choice(plan.companies)
        record: dict[str, Any] = {
            "kind": "person",
            "id": plan.pid(index),
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "headline": f"{rng.choice(ROLES)} at {company}",
            "company": company,
            "location": plan.locations[community],
        }
        yield json.dumps(record) + "\n"


def _community_ties(
    plan: Plan, community: int, rng: random.Random, w: _Writer, hub_partners: dict[int, set[int]]
) -> None:
    members = plan.members(community)
    if community in plan.closed:
        # Everyone rates everyone else: a group with no way out.
        for a in members:
            for b in members:
                if a != b:
                    w.rating(plan.pid(a), plan.pid(b), rng.randint(1, 3))
        return
    size = len(members)
    adjacency: dict[int, list[int]] = {m: [] for m in members}
    seen: set[tuple[int, int]] = set()
    for m in members:
        # A few picks repeat a tie already made; DUPLICATE_SLACK makes up for them.
        want = min(size - 1, round(degree_of(plan, m) * (1 - CROSS_FRACTION) / 2 * DUPLICATE_SLACK))
        for _ in range(want):
            o = members.start + rng.randrange(size)
            if o == m:
                continue
            key = (m, o) if m < o else (o, m)
            if key not in seen:
                seen.add(key)
                adjacency[m].append(o)
                adjacency[o].append(m)
    # Each person ranks their ties: the closest first.
    wish: dict[tuple[int, int], int] = {}
    for m in members:
        ties = adjacency[m]
        rng.shuffle(ties)
        limits = _layers(rng)
        for rank, o in enumerate(ties):
            wish[(m, o)] = _wanted(rank, limits, rng)
    hubs = hub_partners.keys()
    for a, b in sorted(seen):
        if rng.random() < 0.5:
            a, b = b, a
        w.tie(plan.pid(a), plan.pid(b), wish[(a, b)], wish[(b, a)], rng.random() < ONE_SIDED)
        if a in hubs:
            hub_partners[a].add(b)
        if b in hubs:
            hub_partners[b].add(a)


def _cross_ties(
    plan: Plan, index: int, rng: random.Random, w: _Writer, hub_partners: dict[int, set[int]]
) -> None:
    hubs = hub_partners.keys()
    for v in cross_picks(plan, index):
        if v < index and index in cross_picks(plan, v):
            continue  # both picked each other: the lower-numbered side wrote it
        mine = rng.choice((2, 3, 3, 4, 4, 4, 5))
        theirs = rng.choice((2, 3, 3, 4, 4, 4, 5))
        w.tie(plan.pid(index), plan.pid(v), mine, theirs, rng.random() < ONE_SIDED)
        if index in hubs:
            hub_partners[index].add(v)
        if v in hubs:
            hub_partners[v].add(index)


def _hub_ties(
    plan: Plan, rng: random.Random, w: _Writer, hub_partners: dict[int, set[int]]
) -> None:
    closed_members = {i for c in plan.closed for i in plan.members(c)}
    for hub, count in zip(plan.hubs, plan.hub_ties, strict=True):
        partners = hub_partners[hub]
        targets: list[int] = []
        while len(targets) < count:
            # A few spare draws cover the ones already tied to the hub.
            for v in rng.sample(range(plan.people), min(plan.people, count + count // 8 + 8)):
                if len(targets) >= count:
                    break
                if v == hub or v in partners or v in closed_members:
                    continue
                partners.add(v)
                targets.append(v)
            if len(partners) >= plan.people - len(closed_members) - 1:
                break
        h = plan.pid(hub)
        for v in targets:
            mine = 4 if rng.random() < 0.5 else 5
            w.tie(h, plan.pid(v), mine, rng.choice((3, 4, 5)), rng.random() < ONE_SIDED)
            if v in hub_partners:
                hub_partners[v].add(hub)


def write_generated(plan: Plan, out: IO[str]) -> Stats:
    """Stream the planned network to `out`; return what was written."""
    for line in _people_lines(plan):
        out.write(line)
    rng = random.Random(plan.seed * 7 + 2)
    w = _Writer(out, rng)
    w.stats.people = plan.people
    hub_partners: dict[int, set[int]] = {h: set() for h in plan.hubs}
    for community in range(len(plan.starts)):
        _community_ties(plan, community, rng, w, hub_partners)
        if community not in plan.closed:
            for index in plan.members(community):
                _cross_ties(plan, index, rng, w, hub_partners)
    _hub_ties(plan, rng, w, hub_partners)
    w.flush()
    return w.stats


def meta_for(plan: Plan, stats: Stats, tier: str | None) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "tier": tier,
        "seed": plan.seed,
        "people": stats.people,
        "ratings": stats.ratings,
        "ratings_by_strength": {str(s): stats.by_strength[s] for s in range(1, 6)},
        "communities": len(plan.starts) - len(plan.closed),
        "hubs": [plan.pid(h) for h in plan.hubs],
        # Undirected weak ties each hub was given on top of its community's (each one or two
        # ratings); the hub's total ratings are about twice this.
        "hub_ties": {plan.pid(h): n for h, n in zip(plan.hubs, plan.hub_ties, strict=True)},
        "closed_groups": [[plan.pid(i) for i in plan.members(c)] for c in sorted(plan.closed)],
    }


# --- tier S: the real OTC graph in the same format ----------------------------------------


def write_otc(out: IO[str], rng: random.Random) -> tuple[Stats, dict[str, Any]]:
    from bench.otc import read_ratings

    ratings: dict[tuple[str, str], int] = {}
    for r in read_ratings():
        ratings[(r.source, r.target)] = r.strength  # the file has one per pair; last wins
    ids = sorted({a for a, _ in ratings} | {b for _, b in ratings}, key=lambda s: int(s[4:]))
    for pid in ids:
        out.write(json.dumps({"kind": "person", "id": pid, "name": f"OTC trader {pid[4:]}"}))
        out.write("\n")
    w = _Writer(out, rng)
    w.stats.people = len(ids)
    degree: dict[str, int] = {}
    for (a, b), strength in ratings.items():
        w.rating(a, b, strength)
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    w.flush()
    hubs = sorted(degree, key=lambda p: (-degree[p], p))[:5]
    return w.stats, {"hubs": hubs, "hub_ties": {h: degree[h] for h in hubs}, "closed_groups": []}


# --- command line -----------------------------------------------------------------------------


def meta_path(out: Path) -> Path:
    return out.with_name(out.name + ".meta.json")


def generate(
    out: Path,
    *,
    tier: str | None = None,
    seed: int = 1,
    people: int | None = None,
    ratings_per_person: float | None = None,
    hubs: int | None = None,
    hub_max_ratings: int | None = None,
    closed_groups: int | None = None,
) -> dict[str, Any]:
    """Write the network and its sidecar; return the sidecar's content."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    with tmp.open("w", encoding="utf-8", buffering=1 << 20) as f:
        if tier == "S":
            stats, extra = write_otc(f, random.Random(seed))
            meta: dict[str, Any] = {
                "format": FORMAT_VERSION,
                "tier": "S",
                "seed": seed,
                "people": stats.people,
                "ratings": stats.ratings,
                "ratings_by_strength": {str(s): stats.by_strength[s] for s in range(1, 6)},
                **extra,
            }
        else:
            base = TIERS[tier] if tier else Tier(people or 0, ratings_per_person or 25.0)
            plan = make_plan(
                seed,
                people or base.people,
                ratings_per_person or base.ratings_per_person,
                hubs=hubs,
                hub_max_ratings=hub_max_ratings,
                closed_groups=closed_groups,
            )
            meta = meta_for(plan, write_generated(plan, f), tier)
    tmp.replace(out)
    meta_path(out).write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=["S", *TIERS])
    parser.add_argument("--people", type=int, help="custom size (instead of --tier)")
    parser.add_argument("--ratings-per-person", type=float, help="average ratings per person")
    parser.add_argument("--hubs", type=int, help="number of hubs (default 0.05%% of people)")
    parser.add_argument("--hub-max-ratings", type=int, help="ratings of the largest hub")
    parser.add_argument("--closed-groups", type=int, help="groups of 6 rating only each other")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if (args.tier is None) == (args.people is None):
        parser.error("give exactly one of --tier and --people")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    start = time.perf_counter()
    meta = generate(
        args.out,
        tier=args.tier,
        seed=args.seed,
        people=args.people,
        ratings_per_person=args.ratings_per_person,
        hubs=args.hubs,
        hub_max_ratings=args.hub_max_ratings,
        closed_groups=args.closed_groups,
    )
    print(
        f"{args.out}: {meta['people']:,} people, {meta['ratings']:,} ratings, "
        f"{len(meta['hubs'])} hubs, {len(meta['closed_groups'])} closed groups "
        f"in {time.perf_counter() - start:.1f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

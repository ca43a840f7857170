"""Every Cypher statement tiegraph runs, by name. Values are always ``$parameters``.

Data model::

    (:Person {id, name, headline, company, location, profileUrl, nameKey, nameSort, idSort})
    (:Person)-[:RATED {strength, groups, context, visibility, since, lastInteraction,
                      createdAt, updatedAt}]->(:Person)

``nameKey`` is `service.domain.name_key(name)` (search); ``nameSort``/``idSort`` are
`service.domain.sort_key` of name and id: Neo4j compares strings by UTF-16 code unit, the
contract orders by code point, and the sort keys make the two agree.

Visibility (`service.store.base.can_see`) is a predicate inside each statement, over
``$viewerId`` and ``$isAdmin`` and the viewer's node ``me`` (null when the viewer has none).

A path statement cannot take its length as a parameter, so the per-length statements are
generated here, once, from validated integers: `path_query(hops)`.
"""

from __future__ import annotations

from typing import Final

MAX_HOPS: Final = 4

# --- fragments (never runtime input: only the fixed variable names below go in) -----------

_ME = "OPTIONAL MATCH (me:Person {id: $viewerId})"

_PERSON = "{.id, .name, .headline, .company, .location, .profileUrl}"


def _rating(rel: str, rater: str, rated: str) -> str:
    return (
        f"{{fromId: {rater}.id, toId: {rated}.id, strength: {rel}.strength, "
        f"groups: coalesce({rel}.groups, []), context: {rel}.context, "
        f"visibility: {rel}.visibility, since: {rel}.since, "
        f"lastInteraction: {rel}.lastInteraction, createdAt: {rel}.createdAt, "
        f"updatedAt: {rel}.updatedAt}}"
    )


# The predicates below are CASE expressions rather than and/or trees on purpose: the planner
# normalises and/or trees (with their subqueries) into conjunctive form, which grows
# exponentially with these nested rules and took seconds per statement to plan.


def _visible(rel: str, rater: str) -> str:
    """`can_see` for the rating `rel` made by `rater`."""
    return (
        f"CASE WHEN $isAdmin OR {rel}.visibility = 'PUBLIC' OR {rater}.id = $viewerId THEN true"
        f" WHEN {rel}.visibility = 'CONNECTIONS' AND me IS NOT NULL"
        f" THEN EXISTS {{ ({rater})-[:RATED]->(me) }}"
        " ELSE false END"
    )


def _visible_between(rel: str, x: str, y: str) -> str:
    """`rel` links x and y in either direction and its rater lets the viewer see it."""
    return f"CASE WHEN startNode({rel}) = {x} THEN {_visible(rel, x)} ELSE {_visible(rel, y)} END"


def _step(rel: str, u: str, v: str) -> str:
    """`rel` is the rating the traversal rule picks for the step u -> v, within maxStrength.

    u's own rating wins when visible; v's rating of u counts only when u's does not exist or
    is hidden. maxStrength applies to the chosen rating: no fall back to the other one.
    """
    return (
        f"{rel}.strength <= $maxStrength AND CASE WHEN startNode({rel}) = {u}"
        f" THEN {_visible(rel, u)}"
        f" WHEN {_visible(rel, v)}"
        f" THEN NOT EXISTS {{ MATCH ({u})-[fwd:RATED]->({v}) WHERE {_visible('fwd', u)} }}"
        " ELSE false END"
    )


def _product(rels: list[str]) -> str:
    return " * ".join(f"$p[{rel}.strength - 1]" for rel in rels)


def _step_map(rel: str) -> str:
    return (
        f"{{strength: {rel}.strength, ratedBy: startNode({rel}).id, "
        f"groups: coalesce({rel}.groups, [])}}"
    )


# Keeps the paths that can still reach the best $first of this statement: a path whose score
# is below the $first-th best (less the tie tolerance) cannot be ranked in by the caller.
_TOP_CANDIDATES = """
ORDER BY score DESC
WITH collect({people: people, steps: steps, score: score}) AS found
WITH found,
     CASE WHEN size(found) >= $first THEN found[$first - 1].score * $slack ELSE 0.0 END AS floor
UNWIND found AS c
WITH c, floor WHERE c.score >= floor
RETURN c.people AS people, c.steps AS steps"""


def _hop(hops: int, i: int) -> str:
    """The MATCH of step i (1-based) of a `hops`-step path s, n1, ..., t."""
    nodes = ["s", *(f"n{k}" for k in range(1, hops)), "t"]
    u, v, rel = nodes[i - 1], nodes[i], f"r{i}"
    conditions = [
        _step(rel, u, v),
        f"{_product([f'r{k}' for k in range(1, i + 1)])} >= $need[{hops - i}]",
    ]
    if v != "t":
        conditions[:0] = [
            f"NOT {v}.id IN $avoid",
            " AND ".join(f"{v} <> {other}" for other in ["s", "t", *nodes[1:i]]),
        ]
    where = "\n  AND ".join(conditions)
    match = f"MATCH ({u})-[{rel}:RATED]-({v}{'' if v == 't' else ':Person'})\nWHERE {where}"
    if i == hops:
        return match
    carried = ", ".join(["s", "t", "me", *nodes[1 : i + 1], *(f"r{k}" for k in range(1, i + 1))])
    return f"{match}\nWITH {carried}"


def _path_query(hops: int) -> str:
    """The paths of exactly `hops` steps from $source to $target.

    One MATCH per step, outward from $source, the last one an expand-into $target: each
    clause plans in milliseconds (one pattern of all steps took seconds to plan, again after
    every statistics change), and the checks of a step run as soon as it is expanded.
    Score bounds prune while expanding: ``$need[j]`` is the least a partial product may be
    when j steps remain, given the best score already found; zeros when there is none yet.
    """
    if not 1 <= hops <= MAX_HOPS:
        raise ValueError(f"hops must be 1..{MAX_HOPS}, got {hops}")
    nodes = ["s", *(f"n{i}" for i in range(1, hops)), "t"]
    rels = [f"r{i}" for i in range(1, hops + 1)]
    steps = "\n".join(_hop(hops, i) for i in range(1, hops + 1))
    return f"""
MATCH (s:Person {{id: $source}}), (t:Person {{id: $target}})
WHERE s <> t
{_ME}
{steps}
WITH [{", ".join(f"{n}.id" for n in nodes)}] AS people,
     [{", ".join(_step_map(rel) for rel in rels)}] AS steps,
     {_product(rels)} AS score
{_TOP_CANDIDATES}"""


# --- paths --------------------------------------------------------------------------------

PATHS_BY_HOPS: Final[dict[int, str]] = {hops: _path_query(hops) for hops in range(1, MAX_HOPS + 1)}

# Introducers: the mutual neighbours m of s and t, each with its two chosen steps. Written out
# on its own (not taken from the generated statements) so it can be tuned for hubs alone.
INTRODUCER_PATHS: Final = f"""
MATCH (s:Person {{id: $source}}), (t:Person {{id: $target}})
WHERE s <> t
{_ME}
MATCH (s)-[r1:RATED]-(m:Person)
WHERE m <> t AND NOT m.id IN $avoid
  AND {_step("r1", "s", "m")}
  AND $p[r1.strength - 1] >= $need[1]
WITH s, t, me, m, r1
MATCH (m)-[r2:RATED]-(t)
WHERE {_step("r2", "m", "t")}
WITH [s.id, m.id, t.id] AS people,
     [{_step_map("r1")}, {_step_map("r2")}] AS steps,
     {_product(["r1", "r2"])} AS score
{_TOP_CANDIDATES}"""


def path_query(hops: int) -> str:
    """The statement for paths of exactly `hops` (1..4) steps."""
    if hops not in PATHS_BY_HOPS:
        raise ValueError(f"hops must be 1..{MAX_HOPS}, got {hops}")
    return PATHS_BY_HOPS[hops]


MUTUAL_CONNECTIONS: Final = f"""
MATCH (a:Person {{id: $a}}), (b:Person {{id: $b}})
{_ME}
MATCH (a)-[ra:RATED]-(m:Person)
WHERE a <> b AND m <> a AND m <> b AND {_visible_between("ra", "a", "m")}
WITH DISTINCT b, me, m
WHERE EXISTS {{ MATCH (m)-[rb:RATED]-(b) WHERE {_visible_between("rb", "m", "b")} }}
RETURN m {_PERSON} AS person"""

# --- people -------------------------------------------------------------------------------

PEOPLE_GET: Final = f"""
UNWIND $ids AS id
MATCH (p:Person {{id: id}})
RETURN p {_PERSON} AS person"""

PEOPLE_MISSING: Final = """
UNWIND $ids AS id
OPTIONAL MATCH (p:Person {id: id})
WITH id, p WHERE p IS NULL
RETURN collect(id) AS missing"""

# `row.props` holds only the fields the client sent: the others keep their stored value
# (a null in it removes the property, which is how a field is cleared).
PEOPLE_UPSERT: Final = f"""
UNWIND $rows AS row
MERGE (p:Person {{id: row.id}})
ON CREATE SET p.idSort = row.idSort
SET p += row.props
RETURN p {_PERSON} AS person"""

PERSON_DELETE: Final = """
OPTIONAL MATCH (p:Person {id: $id})
WITH p, p IS NOT NULL AS existed
DETACH DELETE p
RETURN existed"""

# `people` without a search term reads the (nameSort, idSort) index in order from the
# cursor on. The cursor's "or" is a separate WITH: inside the MATCH the planner would turn it
# into a union with a label scan and sort everyone.
PEOPLE_LIST: Final = f"""
MATCH (p:Person)
WHERE p.nameSort >= $afterName AND p.idSort IS NOT NULL
WITH p WHERE p.nameSort > $afterName OR p.idSort > $afterId
RETURN p {_PERSON} AS person
ORDER BY p.nameSort, p.idSort
LIMIT $limit"""

PEOPLE_SEARCH: Final = f"""
CALL () {{
  MATCH (p:Person) WHERE p.nameKey CONTAINS $namePart RETURN p
  UNION
  MATCH (p:Person) WHERE p.id STARTS WITH $idPrefix RETURN p
}}
WITH p
WHERE p.nameSort > $afterName OR (p.nameSort = $afterName AND p.idSort > $afterId)
RETURN p {_PERSON} AS person
ORDER BY p.nameSort, p.idSort
LIMIT $limit"""

# --- ratings ------------------------------------------------------------------------------

RATINGS_PUT: Final = f"""
UNWIND $rows AS row
MATCH (x:Person {{id: row.fromId}})
MATCH (y:Person {{id: row.toId}})
MERGE (x)-[r:RATED]->(y)
ON CREATE SET r.createdAt = $now
SET r.strength = row.strength,
    r.groups = row.groups,
    r.context = row.context,
    r.visibility = row.visibility,
    r.since = row.since,
    r.lastInteraction = row.lastInteraction,
    r.updatedAt = $now
RETURN {_rating("r", "x", "y")} AS rating"""

RATING_GET: Final = f"""
MATCH (x:Person {{id: $fromId}})-[r:RATED]->(y:Person {{id: $toId}})
{_ME}
WITH x, r, y, me WHERE {_visible("r", "x")}
RETURN {_rating("r", "x", "y")} AS rating"""

# The visible visibilities depend only on the rater, so they are worked out once and the
# ratings are filtered by a list membership, not a subquery per rating.
RATINGS_BY: Final = f"""
MATCH (x:Person {{id: $fromId}})
{_ME}
WITH x, CASE
  WHEN $isAdmin OR x.id = $viewerId THEN ['PUBLIC', 'CONNECTIONS', 'PRIVATE']
  WHEN me IS NOT NULL AND EXISTS {{ (x)-[:RATED]->(me) }} THEN ['PUBLIC', 'CONNECTIONS']
  ELSE ['PUBLIC']
END AS shown
MATCH (x)-[r:RATED]->(y:Person)
WHERE r.visibility IN shown
  AND ($maxStrength IS NULL OR r.strength <= $maxStrength)
  AND ($group IS NULL OR $group IN r.groups)
  AND ($afterStrength IS NULL OR r.strength > $afterStrength
       OR (r.strength = $afterStrength AND y.idSort > $afterId))
RETURN {_rating("r", "x", "y")} AS rating
ORDER BY r.strength, y.idSort
LIMIT $limit"""

RATING_REMOVE: Final = """
MATCH (:Person {id: $fromId})-[r:RATED]->(:Person {id: $toId})
DELETE r
RETURN count(*) AS removed"""

# --- health and migrations ----------------------------------------------------------------

PING: Final = "RETURN 1 AS ok"

MIGRATION_VERSION_UNIQUE: Final = """
CREATE CONSTRAINT migration_version_unique IF NOT EXISTS
FOR (m:`__Migration`) REQUIRE m.version IS UNIQUE"""

MIGRATIONS_APPLIED: Final = """
MATCH (m:`__Migration`)
RETURN m.version AS version, m.checksum AS checksum"""

MIGRATION_RECORD: Final = """
MERGE (m:`__Migration` {version: $version})
ON CREATE SET m.description = $description, m.checksum = $checksum, m.appliedAt = $appliedAt
RETURN m.checksum AS checksum"""

AWAIT_INDEXES: Final = "CALL db.awaitIndexes($timeout)"

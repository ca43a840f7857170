"""Every Cypher statement tiegraph runs, by name. Values are always ``$parameters``.

Data model::

    (:Person {id, name, headline, company, location, profileUrl, nameKey, nameSort, idSort})
    (:Person)-[:RATED_<strength> {strength, groups, context, visibility, since,
                                  lastInteraction, createdAt, updatedAt}]->(:Person)

A rating's relationship type carries its strength (``RATED_1`` .. ``RATED_5``, and the
``strength`` property says it again). A person with more than 50 relationships is stored
"dense": its relationships are grouped by type and direction, so a search that asks for
strong ties only (``RATED_1|RATED_2``) reads those and skips a hub's thousands of weak ones.
Filtering on a property would read every one of them.

``nameKey`` is `service.domain.name_key(name)` (search); ``nameSort``/``idSort`` are
`service.domain.sort_key` of name and id: Neo4j compares strings by UTF-16 code unit, the
contract orders by code point, and the sort keys make the two agree.

Visibility (`service.access.can_see`) is a predicate inside each statement, over
``$viewerId`` and ``$isAdmin`` and the viewer's node ``me`` (null when the viewer has none).

A relationship type cannot be a planned parameter, so the statements that expand ties up to a
strength are generated here, once, for each strength 1..5 (`steps_query`).
"""

from __future__ import annotations

from typing import Final

STRENGTHS: Final = (1, 2, 3, 4, 5)


def rating_type(strength: int) -> str:
    """The relationship type of a rating of `strength`.

    >>> rating_type(2)
    'RATED_2'
    """
    if strength not in STRENGTHS:
        raise ValueError(f"strength must be 1..5, got {strength}")
    return f"RATED_{strength}"


def ratings_up_to(strength: int) -> str:
    """The type alternation of every rating of `strength` or stronger.

    >>> ratings_up_to(2)
    'RATED_1|RATED_2'
    """
    return "|".join(rating_type(s) for s in range(1, strength + 1))


ANY_RATING: Final = ratings_up_to(5)

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
        f" THEN EXISTS {{ ({rater})-[:{ANY_RATING}]->(me) }}"
        " ELSE false END"
    )


def _visible_between(rel: str, x: str, y: str) -> str:
    """`rel` links x and y in either direction and its rater lets the viewer see it."""
    return f"CASE WHEN startNode({rel}) = {x} THEN {_visible(rel, x)} ELSE {_visible(rel, y)} END"


# --- paths: one layer of the meet-in-the-middle search -------------------------------------
#
# `service.store.neo4j_paths` drives the search from both ends and asks for one layer at a
# time: every step from the frontier people outward (FORWARD: the step frontier -> v) or
# inward (BACKWARD: the step v -> frontier), of strength up to a cap. The traversal rule: the
# step u -> v uses u's own rating of v when the viewer sees it; v's rating of u only when u
# has no visible rating of v at all (a visible rating too weak for the cap still blocks it).
# `$only` (optional) keeps the steps whose far end is one of those ids: the last layer, where
# the two halves meet, returns just the joining steps.


def _layer(strength: int, inward: bool) -> str:
    types = ratings_up_to(strength)
    # u's own rating of v is (u)-[r]->(v); for a step v -> w toward the frontier w it is
    # (v)-[r]->(w). `near` is the frontier person, `far` the one the step adds.
    own, other = (
        ("(far)-[r:{t}]->(near)", "(near)-[r:{t}]->(far)")
        if inward
        else (
            "(near)-[r:{t}]->(far)",
            "(far)-[r:{t}]->(near)",
        )
    )
    step_from, step_to = ("far", "near") if inward else ("near", "far")
    only = "($only IS NULL OR far.id IN $only)"
    return f"""
{_ME}
UNWIND $frontier AS frontierId
MATCH (near:Person {{id: frontierId}})
CALL (near, me) {{
  MATCH {own.format(t=types)}
  WHERE {only} AND {_visible("r", step_from)}
  RETURN far, r
  UNION ALL
  MATCH {other.format(t=types)}
  WHERE {only} AND {_visible("r", step_to)}
    AND NOT EXISTS {{ MATCH ({step_from})-[mine:{ANY_RATING}]->({step_to})
                     WHERE {_visible("mine", step_from)} }}
  RETURN far, r
}}
RETURN {step_from}.id AS fromId, {step_to}.id AS toId, r.strength AS strength,
       startNode(r).id AS ratedBy, coalesce(r.groups, []) AS groups"""


FORWARD_LAYER: Final[dict[int, str]] = {s: _layer(s, inward=False) for s in STRENGTHS}
BACKWARD_LAYER: Final[dict[int, str]] = {s: _layer(s, inward=True) for s in STRENGTHS}


def layer_query(strength: int, *, inward: bool) -> str:
    """The statement for one search layer with steps of strength 1..`strength`."""
    if strength not in STRENGTHS:
        raise ValueError(f"strength must be 1..5, got {strength}")
    return (BACKWARD_LAYER if inward else FORWARD_LAYER)[strength]


# Both ends of a path question exist, and how many ties each has: the search starts from the
# end with fewer. COUNT of a bare pattern reads the degree, not the relationships.
PATH_ENDS: Final = f"""
OPTIONAL MATCH (s:Person {{id: $source}})
OPTIONAL MATCH (t:Person {{id: $target}})
RETURN s IS NOT NULL AND t IS NOT NULL AS exist,
       CASE WHEN s IS NULL THEN 0 ELSE COUNT {{ (s)-[:{ANY_RATING}]-() }} END AS sourceDegree,
       CASE WHEN t IS NULL THEN 0 ELSE COUNT {{ (t)-[:{ANY_RATING}]-() }} END AS targetDegree"""

MUTUAL_CONNECTIONS: Final = f"""
MATCH (a:Person {{id: $a}}), (b:Person {{id: $b}})
{_ME}
MATCH (a)-[ra:{ANY_RATING}]-(m:Person)
WHERE a <> b AND m <> a AND m <> b AND {_visible_between("ra", "a", "m")}
WITH DISTINCT b, me, m
WHERE EXISTS {{ MATCH (m)-[rb:{ANY_RATING}]-(b) WHERE {_visible_between("rb", "m", "b")} }}
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

# A new strength is a new relationship type: the old relationship goes and its createdAt moves
# to the new one. Rows are unique by (fromId, toId) (the store keeps the last of duplicates):
# two rows of one pair in one statement could both miss each other's relationship.
RATINGS_PUT: Final = f"""
UNWIND $rows AS row
MATCH (x:Person {{id: row.fromId}})
MATCH (y:Person {{id: row.toId}})
OPTIONAL MATCH (x)-[old:{ANY_RATING}]->(y)
WHERE old.strength <> row.strength
WITH x, y, row, old, old.createdAt AS carried
DELETE old
WITH x, y, row, carried
MERGE (x)-[r:$(row.type)]->(y)
ON CREATE SET r.createdAt = coalesce(carried, $now)
SET r.strength = row.strength,
    r.groups = row.groups,
    r.context = row.context,
    r.visibility = row.visibility,
    r.since = row.since,
    r.lastInteraction = row.lastInteraction,
    r.updatedAt = $now
RETURN {_rating("r", "x", "y")} AS rating"""

RATING_GET: Final = f"""
MATCH (x:Person {{id: $fromId}})-[r:{ANY_RATING}]->(y:Person {{id: $toId}})
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
  WHEN me IS NOT NULL AND EXISTS {{ (x)-[:{ANY_RATING}]->(me) }} THEN ['PUBLIC', 'CONNECTIONS']
  ELSE ['PUBLIC']
END AS shown
MATCH (x)-[r:{ANY_RATING}]->(y:Person)
WHERE r.visibility IN shown
  AND ($maxStrength IS NULL OR r.strength <= $maxStrength)
  AND ($group IS NULL OR $group IN r.groups)
  AND ($afterStrength IS NULL OR r.strength > $afterStrength
       OR (r.strength = $afterStrength AND y.idSort > $afterId))
RETURN {_rating("r", "x", "y")} AS rating
ORDER BY r.strength, y.idSort
LIMIT $limit"""

RATING_REMOVE: Final = f"""
MATCH (:Person {{id: $fromId}})-[r:{ANY_RATING}]->(:Person {{id: $toId}})
DELETE r
RETURN count(*) AS removed"""

# --- bulk load ----------------------------------------------------------------------------

# A load's checkpoint is written in the transaction of its batch: a batch is either committed
# with its number or not at all, so a resumed load starts right after the last one.
LOAD_CHECKPOINT: Final = """
OPTIONAL MATCH (l:`__Load` {key: $key})
RETURN l.batch AS batch"""

LOAD_CHECKPOINT_SET: Final = """
MERGE (l:`__Load` {key: $key})
SET l.batch = $batch, l.updatedAt = $now"""

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

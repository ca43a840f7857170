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

A relationship type cannot be a planned parameter, so the statements that expand ties of some
strengths are generated here, once, for each range of strengths (`layer_query`).
"""

from __future__ import annotations

import re
from typing import Any, Final

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

# --- parameters in one map -----------------------------------------------------------------
#
# Neo4j 5 keys its plan cache on the size class of every top-level string and list parameter
# (for its estimates of `IN $list` and `STARTS WITH $text`): the same statement was planned
# again for each id length and frontier size class it met, 0.5-0.7 s each at tier L, inside the
# first questions of that kind. A map parameter carries no size hint, so the statements of a
# path question read every parameter from one map, `$q`, and are planned once.

BUNDLE: Final = "q"
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def bundled(statement: str) -> str:
    """`statement` with every parameter read from the one map parameter `$q`.

    >>> bundled("MATCH (p:Person {id: $id}) WHERE p.x IN $xs RETURN p")
    'MATCH (p:Person {id: $q.id}) WHERE p.x IN $q.xs RETURN p'
    """
    return _PARAMETER.sub(rf"${BUNDLE}.\1", statement)


class _Unprinted(dict[str, Any]):
    """A bundle's map, printed as its keys only.

    The driver formats every statement's parameters for its debug log whether or not that
    log is on (neo4j 6.4, `AsyncBolt5x5.run`). A join's map of thousands of scores, or a
    user's thousand raters, took longer to print than to send: the formatting was 8.6% of a
    warm-path search's CPU (py-spy, tier L). The cost of the shortcut: a debug log shows the
    bundle's parameter names, not their values.

    >>> _Unprinted({"ids": ["a", "b"], "first": 10})
    <parameters ids, first>
    """

    def __repr__(self) -> str:
        return f"<parameters {', '.join(self)}>"


def bundle(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a `bundled` statement."""
    return {BUNDLE: _Unprinted(params)}


# --- fragments (never runtime input: only the fixed variable names below go in) -----------

_ME = "OPTIONAL MATCH (me:Person {id: $viewerId})"


def _write_lock(entity: str, indent: str = "") -> str:
    """Clauses that take `entity`'s write lock until the transaction ends and store nothing.

    Cypher has no lock clause; writing a property takes the lock (Neo4j's operations manual,
    "Concurrent data access"), and it is removed at once. What a statement reads after
    this, no other transaction changes meanwhile.

    >>> print(_write_lock("p"))
    SET p.`_lock` = true
    REMOVE p.`_lock`
    """
    return f"SET {entity}.`_lock` = true\n{indent}REMOVE {entity}.`_lock`"


_PERSON = "{.id, .name, .headline, .company, .location, .profileUrl}"


def _rating(rel: str, rater: str, rated: str) -> str:
    return (
        f"{{fromId: {rater}.id, toId: {rated}.id, strength: {rel}.strength, "
        f"groups: coalesce({rel}.groups, []), context: {rel}.context, "
        f"visibility: {rel}.visibility, since: {rel}.since, "
        f"lastInteraction: {rel}.lastInteraction, createdAt: {rel}.createdAt, "
        f"updatedAt: {rel}.updatedAt, reviewed: coalesce({rel}.reviewed, true), "
        f"history: coalesce({rel}.history, [])}}"
    )


# The predicates below are CASE expressions rather than and/or trees on purpose: the planner
# normalises and/or trees (with their subqueries) into conjunctive form, which grows
# exponentially with these nested rules and took seconds per statement to plan.


def _rated_viewer(rater: str) -> str:
    """Whether `rater` rated the viewer `me`, as a subquery."""
    return f"EXISTS {{ ({rater})-[:{ANY_RATING}]->(me) }}"


def _visible(rel: str, rater: str, rated_viewer: str | None = None) -> str:
    """`can_see` for the rating `rel` made by `rater`; `rated_viewer` says whether `rater`
    rated the viewer (default: `_rated_viewer`)."""
    return (
        f"CASE WHEN $isAdmin OR {rel}.visibility = 'PUBLIC' OR {rater}.id = $viewerId THEN true"
        f" WHEN {rel}.visibility = 'CONNECTIONS' AND me IS NOT NULL"
        f" THEN {rated_viewer or _rated_viewer(rater)}"
        " ELSE false END"
    )


def _visible_between(rel: str, x: str, y: str) -> str:
    """`rel` links x and y in either direction and its rater lets the viewer see it."""
    return f"CASE WHEN startNode({rel}) = {x} THEN {_visible(rel, x)} ELSE {_visible(rel, y)} END"


# --- paths: one layer of the meet-in-the-middle search -------------------------------------
#
# `service.store.neo4j_paths` drives the search from both ends and asks for one layer at a
# time: every step from the frontier people outward (the step near -> far) or inward (the step
# far -> near), of strength `strongest`..`weakest`. The traversal rule: the step u -> v uses
# u's own rating of v when the viewer sees it; v's rating of u only when u has no visible
# rating of v at all (a visible rating too weak for the layer still blocks it). A layer may
# return both for one pair: the search keeps the own one (`neo4j_paths`).
#
# A layer is one record of lists: the driver spends far more on each record than on each value
# (1,380 steps: 110 ms as records, 10 ms as one list).
#
# People are named by elementId inside a search (`$frontier`, `$farBest`): a seek by elementId
# reads no index, and comparing elementIds reads no property. Whether the viewer sees the
# frontier person's own ratings is worked out once per person, not once per rating.


def _sees_near(rel: str) -> str:
    """The viewer sees `rel`, a rating made by the frontier person `near` (see `_near`)."""
    return (
        f"(nearAll OR {rel}.visibility = 'PUBLIC'"
        f" OR (nearKnows AND {rel}.visibility = 'CONNECTIONS'))"
    )


def _near(extra: str = "") -> str:
    """The frontier people, with what the viewer may see of their own ratings."""
    return f"""{_ME}
UNWIND $frontier AS nearKey
MATCH (near:Person) WHERE elementId(near) = nearKey
WITH near, nearKey, me{extra}, $isAdmin OR near.id = $viewerId AS nearAll,
     CASE WHEN me IS NULL THEN false
          ELSE {_search_rated_viewer("near", "nearKey")} END AS nearKnows"""


def _search_rated_viewer(rater: str, key: str) -> str:
    """`_rated_viewer` inside a path search, `key` being the rater's elementId. `$raters`, when
    the search passes it, maps the elementId of everyone who rated the viewer to true
    (`PATH_ENDS` reads them once per search): a lookup per rating instead of a subquery per
    rating, which cost a user's view of a hub's 10,000 ratings six times the db hits of an
    admin's (PROFILE at tier L)."""
    return (
        f"CASE WHEN $raters IS NULL THEN {_rated_viewer(rater)} ELSE $raters[{key}] IS NOT NULL END"
    )


def _sees_far(rel: str) -> str:
    """`_visible` for `rel`, a rating made by `far`, inside a path search."""
    return _visible(rel, "far", _search_rated_viewer("far", "elementId(far)"))


def _rated_by_first(rel: str, inward: bool) -> str:
    """The viewer sees `rel`, a rating made by the step's first person (far when inward)."""
    return _sees_far(rel) if inward else _sees_near(rel)


def _rated_by_second(rel: str, inward: bool) -> str:
    return _sees_near(rel) if inward else _sees_far(rel)


def _patterns(inward: bool, types: str, rel: str = "r") -> tuple[str, str]:
    """The step's own rating (made by its first person) and the reverse one, as patterns."""
    first, second = ("far", "near") if inward else ("near", "far")
    return f"({first})-[{rel}:{types}]->({second})", f"({second})-[{rel}:{types}]->({first})"


def _layer(strongest: int, weakest: int, inward: bool) -> str:
    types = "|".join(rating_type(s) for s in range(strongest, weakest + 1))
    own, other = _patterns(inward, types)
    # A reverse rating is returned unless the first person has a visible rating of the second
    # that is weaker than this layer (it would block the reverse one, and this layer cannot
    # see it). Own ratings of this layer's strengths or stronger ones block it too; the search
    # drops those reverse rows itself, which spares a check per row where it costs most: the
    # weakest layers of a hub.
    blocker = ""
    if weakest < 5:
        weaker = "|".join(rating_type(s) for s in range(weakest + 1, 6))
        mine = _patterns(inward, weaker, "mine")[0]
        blocker = f"\n    AND NOT EXISTS {{ MATCH {mine} WHERE {_rated_by_first('mine', inward)} }}"
    return f"""
{_near()}
CALL (near, me, nearAll, nearKnows) {{
  MATCH {own}
  WHERE {_rated_by_first("r", inward)}
  RETURN far, r, true AS own
  UNION ALL
  MATCH {other}
  WHERE {_rated_by_second("r", inward)}{blocker}
  RETURN far, r, false AS own
}}
RETURN collect([nearKey, elementId(far), far.id, r.strength, own]) AS steps"""


LAYERS: Final[dict[tuple[int, int, bool], str]] = {
    (strongest, weakest, inward): bundled(_layer(strongest, weakest, inward))
    for strongest in STRENGTHS
    for weakest in STRENGTHS
    if strongest <= weakest
    for inward in (False, True)
}


# --- paths: the last layer, where the two halves meet ---------------------------------------
#
# The steps of strength 1..`weakest` between the frontier people and the other half's ends
# (`$farBest`: each end's best score, by elementId), kept only when the best part at the near
# end (`$nearBest`) times the step times the best part at the far end reaches `$tau`. At 100,000
# people, fewer than one joining step in fifty passed that bound, and sending the others cost
# more than reading them. `leftOut` is the best bound among the visible steps dropped for it,
# which the search needs to know what the threshold left out (a reverse rating that an own one
# blocks may count too: a bound may be high, and checking every dropped step costs more).
# `dropped` is the bounds of the dropped steps down to `$floor`: each is the score of a path
# (near's best part, the step, far's best part) that a lower threshold will find unless the
# two parts cross, which tells the search how far down the next threshold has to go.
#
# The bound drops an own rating too, so a reverse one cannot count on the search to see the own
# one that blocks it: here a reverse rating is kept only when the first person has no visible
# rating of the second at all. That check runs only for the few steps that pass the bound.


def _join(weakest: int, inward: bool) -> str:
    types = "|".join(rating_type(s) for s in range(1, weakest + 1))
    mine = _patterns(inward, ANY_RATING, "mine")[0]
    # One undirected pattern, not a UNION of the two directions: the work per frontier person
    # dominates a join, and this does half of it (the same steps in 129-136 ms against
    # 165-172 ms, the largest joins of three from-hub questions at tier L). The rating's rater
    # is its start node: near's ratings are seen as near's, the others by `_visible`.
    own = "NOT nearRated" if inward else "nearRated"
    return f"""
{_near(", $nearBest[nearKey] AS nearBest")}
MATCH (near)-[r:{types}]-(far)
WHERE $farBest[elementId(far)] IS NOT NULL
WITH nearKey, near, far, r, me, nearAll, nearKnows, nearBest, startNode(r) = near AS nearRated
WHERE CASE WHEN nearRated THEN {_sees_near("r")} ELSE {_sees_far("r")} END
WITH nearKey, near, far, r, me, nearAll, nearKnows, {own} AS own,
     nearBest * $p[r.strength] * $farBest[elementId(far)] AS bound
WITH nearKey, far, r, own, bound,
     CASE WHEN bound < $tau THEN false
          WHEN own THEN true
          ELSE NOT EXISTS {{ MATCH {mine} WHERE {_rated_by_first("mine", inward)} }} END AS kept
RETURN collect(CASE WHEN kept THEN [nearKey, elementId(far), far.id, r.strength, own] END)
         AS steps,
       coalesce(max(CASE WHEN bound < $tau THEN bound END), 0.0) AS leftOut,
       collect(CASE WHEN bound < $tau AND bound >= $floor THEN bound END) AS dropped"""


JOINS: Final[dict[tuple[int, bool], str]] = {
    (weakest, inward): bundled(_join(weakest, inward))
    for weakest in STRENGTHS
    for inward in (False, True)
}


def join_query(weakest: int, *, inward: bool) -> str:
    """The statement for the last layer with steps of strength 1..`weakest`."""
    if (weakest, inward) not in JOINS:
        raise ValueError(f"need 1 <= weakest <= 5, got {weakest}")
    return JOINS[(weakest, inward)]


def layer_query(strongest: int, weakest: int, *, inward: bool) -> str:
    """The statement for one search layer with steps of strength `strongest`..`weakest`."""
    key = (strongest, weakest, inward)
    if key not in LAYERS:
        raise ValueError(f"need 1 <= strongest <= weakest <= 5, got {strongest}, {weakest}")
    return LAYERS[key]


# --- paths of at most two steps: one statement -------------------------------------------
#
# `introducers` (and `warmPaths` with maxHops 2) need no search: the middle people are the
# neighbours of the end with fewer ties (`small`). For each of them the statement works out
# both steps by the traversal rule: the first person's own visible rating, else the second
# person's visible rating of the first; a visible own rating blocks the reverse one even when
# it is too weak for `$maxStrength`. Each step is a directed, typed Expand(Into), which reads
# from whichever end has fewer such relationships, so a hub at the other end costs no more
# than an ordinary person (an untyped EXISTS pre-check cost 10x more db hits, PROFILE at
# tier L). The statement returns the best `$first` rows and every row within `$keep` of the
# `$first`-th score, so ranking them (`service.scoring`, ties included) gives the exact
# answer; `direct` is the one-step path, for maxHops 2. The people come whole, so that showing
# them needs no second transaction.


def _step(x: str, y: str, rel: str, indent: str = "") -> str:
    """A CALL that yields `rel` and `{rel}Own` for the step x -> y (null: no visible step)."""
    lines = [
        f"CALL ({x}, {y}, me) {{",
        f"  OPTIONAL MATCH ({x})-[own:{ANY_RATING}]->({y}) WHERE {_visible('own', x)}",
        f"  OPTIONAL MATCH ({y})-[back:{ANY_RATING}]->({x})"
        f" WHERE own IS NULL AND {_visible('back', y)}",
        f"  RETURN coalesce(own, back) AS {rel}, own IS NOT NULL AS {rel}Own",
        "}",
    ]
    return ("\n" + indent).join(lines)


TWO_HOP_PATHS: Final = bundled(
    f"""
{_ME}
MATCH (s:Person {{id: $source}}), (t:Person {{id: $target}})
WITH s, t, me, COUNT {{ (s)--() }} <= COUNT {{ (t)--() }} AS fromSource
{_step("s", "t", "direct")}
WITH s, t, me, direct, directOwn, CASE WHEN fromSource THEN s ELSE t END AS small
CALL (s, t, me, small) {{
  MATCH (small)-[:{ANY_RATING}]-(m:Person)
  WHERE m <> s AND m <> t AND NOT m.id IN $avoid
  WITH DISTINCT s, t, me, m
  {_step("s", "m", "first", "  ")}
  WITH s, t, me, m, first, firstOwn WHERE first.strength <= $maxStrength
  {_step("m", "t", "second", "  ")}
  WITH m, first, firstOwn, second, secondOwn WHERE second.strength <= $maxStrength
  WITH m, first, firstOwn, second, secondOwn,
       $p[first.strength] * $p[second.strength] AS score
  ORDER BY score DESC
  RETURN collect([m {_PERSON}, first.strength, firstOwn, coalesce(first.groups, []),
                  second.strength, secondOwn, coalesce(second.groups, []), score]) AS rows
}}
RETURN s {_PERSON} AS source, t {_PERSON} AS target,
       CASE WHEN direct.strength <= $maxStrength
            THEN [direct.strength, directOwn, coalesce(direct.groups, [])] END AS direct,
       CASE WHEN size(rows) <= $first THEN rows
            ELSE [row IN rows WHERE row[7] >= rows[$first - 1][7] * $keep] END AS middles"""
)

# Both ends of a path question, their elementIds, and how many ties each has: the search
# starts from the end with fewer. COUNT of a bare pattern reads the degree, not the ties.
# Degrees only steer the search (which side grows, who is read whole), so they count every
# relationship, pending requests included: without a type the count is twice as fast.
# `raters`: for a viewer who is not an admin, the elementIds of up to `$ratersCap` + 1 people
# who rated them, for the search's `$raters` (null for an admin, empty for a viewer who is
# not a person).
PATH_ENDS: Final = bundled(
    f"""
OPTIONAL MATCH (s:Person {{id: $source}})
OPTIONAL MATCH (t:Person {{id: $target}})
{_ME}
RETURN elementId(s) AS sourceKey, elementId(t) AS targetKey,
       CASE WHEN s IS NULL THEN 0 ELSE COUNT {{ (s)--() }} END AS sourceDegree,
       CASE WHEN t IS NULL THEN 0 ELSE COUNT {{ (t)--() }} END AS targetDegree,
       CASE WHEN $isAdmin THEN null
            WHEN me IS NULL THEN []
            ELSE COLLECT {{
              MATCH (rater:Person)-[:{ANY_RATING}]->(me)
              RETURN elementId(rater) LIMIT $ratersCap + 1
            }} END AS raters"""
)

# How many relationships touch each of these people (as in PATH_ENDS): the search grows the
# side whose frontier has fewer. A dense node answers from its relationship groups.
DEGREES: Final = bundled(
    """
UNWIND $keys AS key
MATCH (p:Person) WHERE elementId(p) = key
RETURN collect([key, COUNT { (p)--() }]) AS degrees"""
)

# The groups of the ratings the steps of the returned paths used: a layer does not carry
# them, since almost every step it reads is dropped.
STEP_GROUPS: Final = bundled(
    f"""
UNWIND $pairs AS pair
MATCH (x:Person {{id: pair[0]}})-[r:{ANY_RATING}]->(y:Person {{id: pair[1]}})
RETURN x.id AS raterId, y.id AS ratedId, coalesce(r.groups, []) AS groups"""
)

MUTUAL_CONNECTIONS: Final = f"""
MATCH (a:Person {{id: $a}}), (b:Person {{id: $b}})
{_ME}
MATCH (a)-[ra:{ANY_RATING}]-(m:Person)
WHERE m <> a AND m <> b AND {_visible_between("ra", "a", "m")}
WITH DISTINCT b, me, m
WHERE EXISTS {{ MATCH (m)-[rb:{ANY_RATING}]-(b) WHERE {_visible_between("rb", "m", "b")} }}
RETURN m {_PERSON} AS person"""

# --- people -------------------------------------------------------------------------------

PEOPLE_GET: Final = bundled(
    f"""
UNWIND $ids AS id
MATCH (p:Person {{id: id}})
RETURN p {_PERSON} AS person"""
)

PEOPLE_MISSING: Final = """
UNWIND $ids AS id
OPTIONAL MATCH (p:Person {id: id})
WITH id, p WHERE p IS NULL
RETURN collect(id) AS missing"""

# The same answer, with a write lock taken on each person found, in the order of `$ids`
# (sorted by every caller), held until the transaction ends. A rating write reads the pair's
# old rating before it writes: without the lock first, two processes writing one pair at
# once both read "none" and each MERGE its own type, leaving two ratings of one pair (72 of
# 300 pairs raced by two stores). `IMPORT_RATED` locks an import's raters the same way.
# Taking every lock first, in one order, also means two rating writes never deadlock with
# each other. The lock is a subquery on the found node: a FOREACH made the planner put an
# Eager between the seeks and the writes, and two writers of one pair then deadlocked.
PEOPLE_LOCKED_MISSING: Final = f"""
UNWIND $ids AS id
OPTIONAL MATCH (p:Person {{id: id}})
CALL (p) {{
  WITH p WHERE p IS NOT NULL
  {_write_lock("p", "  ")}
}}
WITH id, p WHERE p IS NULL
RETURN collect(id) AS missing"""

# `row.props` holds only the fields the client sent: the others keep their stored value
# (a null in it removes the property, which is how a field is cleared).
PEOPLE_UPSERT: Final = f"""
UNWIND $rows AS row
MERGE (p:Person {{id: row.id}})
ON CREATE SET p.idSort = row.idSort
SET p += row.props
RETURN collect(p {_PERSON}) AS people"""

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

# A new strength is a new relationship type, so replacing a rating is two statements in one
# transaction: RATINGS_RETYPE returns every existing rating of the pairs (what a replace keeps:
# createdAt, and the version that goes into history) and removes the relationships whose type
# is no longer right; RATINGS_WRITE writes the new one with what the store carried over.
# (One statement doing both needs Eager barriers between its reads and writes and ran four
# times slower.) The subquery makes the planner seek both people and expand between them:
# left to itself it sought one and read all of its ties, 35 per row on average. Rows are
# unique by (fromId, toId): the store keeps the last of duplicates.
RATINGS_RETYPE: Final = f"""
UNWIND $rows AS row
MATCH (x:Person {{id: row.fromId}})
MATCH (y:Person {{id: row.toId}})
CALL (x, y, row) {{
  MATCH (x)-[old:{ANY_RATING}]->(y)
  WITH old, old {{.createdAt, .updatedAt, .strength, .groups, .visibility, .history}} AS prior
  FOREACH (_ IN CASE WHEN old.strength <> row.strength THEN [1] ELSE [] END | DELETE old)
  RETURN prior
}}
RETURN collect([x.id, y.id, prior]) AS existing"""

# The relationship type of a MERGE is spelled out, one branch per strength: with a dynamic
# type (`MERGE (x)-[r:$(row.type)]->(y)`) Neo4j 5.26 spent about 8 ms per row, 40 s on a batch
# of 5,000 ratings that this form writes in under a second. One statement keeps the rows'
# order, so concurrent batches still take their locks in the same order.
_MERGE_BY_STRENGTH = "\n  UNION ALL\n  ".join(
    f"WITH x, y, row WHERE row.strength = {s} MERGE (x)-[r:{rating_type(s)}]->(y) RETURN r"
    for s in STRENGTHS
)
# Only a count comes back: the store knows what it wrote (the people are locked before
# RATINGS_RETYPE reads), and returning every rating as a map took half of the statement.
RATINGS_WRITE: Final = f"""
UNWIND $rows AS row
MATCH (x:Person {{id: row.fromId}})
MATCH (y:Person {{id: row.toId}})
CALL (x, y, row) {{
  {_MERGE_BY_STRENGTH}
}}
SET r.createdAt = coalesce(r.createdAt, row.createdAt, $now),
    r.strength = row.strength,
    r.groups = row.groups,
    r.context = row.context,
    r.visibility = row.visibility,
    r.since = row.since,
    r.lastInteraction = row.lastInteraction,
    r.updatedAt = $now,
    r.reviewed = row.reviewed,
    r.history = row.history
RETURN count(r) AS written"""

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

# --- LinkedIn import, review, export (issue 8) ---------------------------------------------

# An import's people: PEOPLE_UPSERT without the people back (30,000 of them would be held in
# the transaction's memory), run on slices of the rows.
PEOPLE_IMPORT: Final = """
UNWIND $rows AS row
MERGE (p:Person {id: row.id})
ON CREATE SET p.idSort = row.idSort
SET p += row.props
RETURN count(p) AS written"""

# `toReview`: most recent since first (none last), then by id in code point order.
TO_REVIEW: Final = f"""
MATCH (x:Person {{id: $owner}})-[r:{ANY_RATING}]->(y:Person)
WHERE r.reviewed = false
  AND ($afterId IS NULL OR CASE
    WHEN $afterSince IS NULL THEN r.since IS NULL AND y.idSort > $afterId
    ELSE r.since IS NULL OR r.since < $afterSince
         OR (r.since = $afterSince AND y.idSort > $afterId)
  END)
RETURN {_rating("r", "x", "y")} AS rating
ORDER BY r.since IS NULL, r.since DESC, y.idSort
LIMIT $limit"""

# A restore (`tiegraph import tiegraph`) writes whole ratings as exported: any rating of the
# pair goes, the restored one comes with every property as given.
RATINGS_RESTORE: Final = f"""
UNWIND $rows AS row
MATCH (x:Person {{id: row.fromId}})
MATCH (y:Person {{id: row.toId}})
CALL (x, y) {{
  MATCH (x)-[old:{ANY_RATING}]->(y)
  DELETE old
}}
CREATE (x)-[r:$(row.type)]->(y)
SET r = row.props
RETURN count(r) AS written"""

# An export reads in pages of one record each (a list): the driver's cost is per record.
# Pages follow id from `$after` on, read in order from the id constraint's index (Neo4j orders
# strings by UTF-16 code units: ids with characters above U+FFFF may come in another order than
# the embedded store's export; a restore does not depend on the order).
EXPORT_PEOPLE: Final = f"""
MATCH (p:Person) WHERE p.id > $after
WITH p ORDER BY p.id LIMIT $limit
RETURN collect(p {_PERSON}) AS people, max(p.id) AS last"""

# The ratings of the next `$limit` raters (by id), ordered by rater then rated.
EXPORT_RATINGS: Final = f"""
MATCH (x:Person) WHERE x.id > $after
WITH x ORDER BY x.id LIMIT $limit
WITH collect(x) AS raters, max(x.id) AS last
UNWIND raters AS x
MATCH (x)-[r:{ANY_RATING}]->(y:Person)
WITH last, x, r, y ORDER BY x.id, y.id
RETURN last, collect({_rating("r", "x", "y")}) AS ratings"""
# --- connection requests (issue 9) --------------------------------------------------------
#
#   (:Person)-[:REQUESTED {id, message, sentAt, status, respondedAt}]->(:Person)
#
# from the requester to the owner (V007: unique id, index on status and sentAt). The owner's
# triage policy is the JSON text `triagePolicy` on the owner's Person node.

_REQUEST = (
    "{id: r.id, fromId: f.id, toId: o.id, message: r.message, sentAt: r.sentAt, "
    "status: r.status, respondedAt: r.respondedAt}"
)

# The write an import can share: `$rows` of {id, fromId, toId, message, sentAt}, unique by
# (fromId, toId) (`service.store.neo4j.request_rows`), both people already in the graph. A
# pending request from the same person to the same owner gets the row's message and sentAt;
# otherwise a new PENDING one is created with the row's id. Taking the requester's write
# lock first: two concurrent requests of one person take turns, and the
# second sees the first's pending request instead of creating another.
REQUESTS_WRITE: Final = f"""
UNWIND $rows AS row
MATCH (f:Person {{id: row.fromId}})
MATCH (o:Person {{id: row.toId}})
{_write_lock("f")}
WITH f, o, row
OPTIONAL MATCH (f)-[pending:REQUESTED {{status: 'PENDING'}}]->(o)
CALL (f, o, row, pending) {{
  WITH f, o, row, pending WHERE pending IS NULL
  CREATE (f)-[r:REQUESTED {{id: row.id, status: 'PENDING'}}]->(o)
  RETURN r
  UNION ALL
  WITH pending WHERE pending IS NOT NULL
  RETURN pending AS r
}}
SET r.message = row.message, r.sentAt = row.sentAt
RETURN collect({{created: pending IS NULL, request: {_REQUEST}}}) AS written"""

REQUEST_GET: Final = f"""
MATCH (f:Person)-[r:REQUESTED {{id: $id}}]->(o:Person)
RETURN {_REQUEST} AS request"""

# Answer a request once. Taking the relationship's write lock first, so the status read
# after it is the latest committed one: two concurrent answers cannot both see
# PENDING.
REQUEST_ANSWER: Final = f"""
MATCH (f:Person)-[r:REQUESTED {{id: $id}}]->(o:Person)
{_write_lock("r")}
WITH f, r, o, r.status AS before
SET r.status = CASE WHEN before = 'PENDING' THEN $status ELSE before END,
    r.respondedAt = CASE WHEN before = 'PENDING' THEN $now ELSE r.respondedAt END
RETURN before, {_REQUEST} AS request"""

REQUESTS_LIST: Final = f"""
MATCH (o:Person {{id: $ownerId}})<-[r:REQUESTED]-(f:Person)
WHERE r.status = $status
  AND ($afterSentAt IS NULL OR r.sentAt < $afterSentAt
       OR (r.sentAt = $afterSentAt AND r.id > $afterId))
RETURN {_REQUEST} AS request
ORDER BY r.sentAt DESC, r.id
LIMIT $limit"""

REQUESTS_ALL: Final = f"""
MATCH (f:Person)-[r:REQUESTED]->(o:Person)
RETURN {_REQUEST} AS request
ORDER BY r.id"""

POLICY_GET: Final = """
MATCH (p:Person {id: $ownerId})
RETURN p.triagePolicy AS policy"""

POLICY_PUT: Final = """
MATCH (p:Person {id: $ownerId})
SET p.triagePolicy = $policy
RETURN count(p) AS found"""

POLICIES_ALL: Final = """
MATCH (p:Person) WHERE p.triagePolicy IS NOT NULL
RETURN p.id AS ownerId, p.triagePolicy AS policy
ORDER BY p.idSort"""

# --- the value of a network (issue 9) -----------------------------------------------------

# When the viewer is the rated person, a CONNECTIONS rating of them is visible by definition
# (its rater rated the viewer): the owner's own report skips a subquery per rating.
RATINGS_OF: Final = f"""
MATCH (x:Person)-[r:{ANY_RATING}]->(y:Person {{id: $toId}})
{_ME}
WITH x, r, y, me
WHERE CASE WHEN r.visibility = 'CONNECTIONS' AND y.id = $viewerId THEN true
      ELSE {_visible("r", "x")} END
RETURN {_rating("r", "x", "y")} AS rating"""


def _sees(rel: str, everything: str, knows: str) -> str:
    """`can_see` of `rel` once whether the viewer sees all of its rater's ratings
    (`everything`) and whether the rater rated the viewer (`knows`) are known."""
    return (
        f"({everything} OR {rel}.visibility = 'PUBLIC'"
        f" OR ({knows} AND {rel}.visibility = 'CONNECTIONS'))"
    )


def _knows(person: str) -> str:
    return f"me IS NOT NULL AND EXISTS {{ ({person})-[:{ANY_RATING}]->(me) }}"


# Warm reach: the steps owner -> x of every neighbour x (the traversal rule: o's own visible
# rating of x, else x's visible rating of o), then from each x reached with strength 1-2 the
# steps x -> t to people t without a step to the owner; counts the t reached with 1-2.
WARM_REACH: Final = f"""
MATCH (o:Person {{id: $ownerId}})
{_ME}
WITH o, me, $isAdmin OR o.id = $viewerId AS oAll, {_knows("o")} AS oKnows
CALL (o) {{
  MATCH (o)-[r:{ANY_RATING}]-(x:Person) WHERE x <> o
  RETURN x, collect(r) AS rs
}}
WITH o, me, x, rs, oAll, oKnows,
     $isAdmin OR x.id = $viewerId AS xAll, {_knows("x")} AS xKnows
WITH o, me, x, xAll, xKnows,
     [r IN rs WHERE startNode(r) = o AND {_sees("r", "oAll", "oKnows")} | r.strength] AS own,
     [r IN rs WHERE startNode(r) = x AND {_sees("r", "xAll", "xKnows")} | r.strength] AS other
WHERE size(own) > 0 OR size(other) > 0
WITH o, me, collect(x) AS near,
     collect(CASE WHEN coalesce(own[0], other[0]) <= 2 THEN [x, xAll, xKnows] END) AS hubs
UNWIND hubs AS hub
WITH o, me, near, hub[0] AS x, hub[1] AS xAll, hub[2] AS xKnows
MATCH (x)-[r2:{ANY_RATING}]-(t:Person)
WHERE t <> o AND t <> x AND NOT t IN near
WITH me, x, xAll, xKnows, t, collect(r2) AS rs
WITH t, x, xAll, xKnows, rs, $isAdmin OR t.id = $viewerId AS tAll, {_knows("t")} AS tKnows
WITH t,
     [r IN rs WHERE startNode(r) = x AND {_sees("r", "xAll", "xKnows")} | r.strength] AS own,
     [r IN rs WHERE startNode(r) = t AND {_sees("r", "tAll", "tKnows")} | r.strength] AS other
WITH t, coalesce(own[0], other[0]) AS strength
WHERE strength <= 2
RETURN count(DISTINCT t) AS reach"""

# A restore writes whole requests as exported: those of the same ids go first (a statement of
# their own: the uniqueness of the id is checked as each new relationship gets it).
REQUESTS_DELETE: Final = """
UNWIND $ids AS id
MATCH ()-[old:REQUESTED {id: id}]->()
DELETE old
RETURN count(*) AS deleted"""

REQUESTS_RESTORE: Final = """
UNWIND $rows AS row
MATCH (f:Person {id: row.fromId})
MATCH (o:Person {id: row.toId})
CREATE (f)-[r:REQUESTED]->(o)
SET r = row.props
RETURN count(r) AS written"""

# An import files an invitation again only when the owner has not answered that very one
# (same requester, same sentAt): importing the same file twice changes nothing.
REQUESTS_ANSWERED: Final = """
UNWIND $rows AS row
MATCH (f:Person {id: row.fromId})-[r:REQUESTED]->(o:Person {id: row.toId})
WHERE r.status <> 'PENDING' AND r.sentAt = row.sentAt
RETURN collect([f.id, o.id, r.sentAt]) AS answered"""

# --- a fast LinkedIn import (issue 8: 30,000 connections in one transaction) ----------------
#
# The import reads first what is there, then only creates: no MERGE or EXISTS per row, so no
# Eager barrier and no per-row check against what the statement itself writes (see
# `service.store.neo4j._import_network`).

# The raters of an import, locked (nobody else adds or changes a rating of theirs until this
# transaction ends) and then their rated
# people: one expand per rater instead of an EXISTS per row.
IMPORT_RATED: Final = f"""
UNWIND $ids AS id
MATCH (x:Person {{id: id}})
{_write_lock("x")}
WITH x
OPTIONAL MATCH (x)-[:{ANY_RATING}]->(y:Person)
RETURN x.id AS id, collect(y.id) AS rated"""

# The stored people of an import in one record (the driver's cost is per record).
IMPORT_PEOPLE_GET: Final = f"""
UNWIND $ids AS id
MATCH (p:Person {{id: id}})
RETURN collect(p {_PERSON}) AS people"""

# People the import found absent. MERGE (not CREATE) so that one created meanwhile by another
# writer is kept as it is rather than failing the import on the unique id; its properties are
# set only on creation, one by one (`SET p += map` made the planner add an Eager barrier).
IMPORT_PEOPLE_CREATE: Final = """
UNWIND $rows AS row
MERGE (p:Person {id: row.id})
ON CREATE SET p.idSort = row.idSort,
    p.name = row.name,
    p.nameKey = row.nameKey,
    p.nameSort = row.nameSort,
    p.headline = row.headline,
    p.company = row.company,
    p.location = row.location,
    p.profileUrl = row.profileUrl
RETURN count(p) AS written"""

# Ratings the import found absent (the rater is locked by IMPORT_RATED, so none appeared
# since). Returns how many were written: fewer means a person was deleted meanwhile.
IMPORT_RATINGS_CREATE: Final = """
UNWIND $rows AS row
MATCH (x:Person {id: row.fromId})
MATCH (y:Person {id: row.toId})
CREATE (x)-[r:$(row.type)]->(y)
SET r.createdAt = $now,
    r.updatedAt = $now,
    r.strength = row.strength,
    r.groups = row.groups,
    r.context = row.context,
    r.visibility = row.visibility,
    r.since = row.since,
    r.lastInteraction = row.lastInteraction,
    r.reviewed = row.reviewed
RETURN count(r) AS created"""

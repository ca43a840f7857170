"""`toReview`: an owner's imported ratings that still wait for the owner's real rating.

Rating the person again (`rateConnection` / `rateConnections` by the rater) confirms one:
every ordinary write stores `reviewed: true`.
"""

from __future__ import annotations

from service import cursors
from service.access import require_self_or_admin, resolve_from
from service.domain import Page, Rating, Viewer, validate_first
from service.store.base import ReviewAfter, Store

DEFAULT_TO_REVIEW_FIRST = 20


async def to_review(
    store: Store,
    viewer: Viewer,
    owner: str | None,
    first: int = DEFAULT_TO_REVIEW_FIRST,
    after: str | None = None,
) -> Page[Rating]:
    """The owner's unreviewed ratings, most recent `since` first (none last), then by id."""
    owner_id = resolve_from(viewer, owner, "owner")
    require_self_or_admin(viewer, owner_id, "read ratings to review")
    validate_first(first)
    found = await store.unreviewed_by(
        owner_id, limit=first + 1, after=cursors.parse_review_cursor(after)
    )
    items = tuple(found[:first])
    last = items[-1] if items else None
    more = len(found) > first and last is not None
    next_cursor = (
        cursors.review_cursor(ReviewAfter(last.since, last.to_id)) if more and last else None
    )
    return Page(items=items, next_cursor=next_cursor)

"""Who may do what: the viewer rules of API.md, in one place.

- `from` may be left out where there is a viewer with an identity; it then means the viewer.
- A `user` writes only its own ratings and asks `introducers`/`warmPaths` only from itself.
- People: a `user` may create people (the contacts it rates) and update or delete itself only.
- An `admin` (and `--dev`) may do all of it for anyone.
"""

from __future__ import annotations

from service.domain import Viewer, validate_id
from service.errors import Forbidden, InvalidInput


def resolve_from(viewer: Viewer, from_id: str | None, field: str = "from") -> str:
    """The explicit `from`, or the viewer's own id when it was left out."""
    if from_id is not None:
        return validate_id(from_id, field)
    if viewer.person_id is None:
        raise InvalidInput(field, "is required when the request has no viewer identity")
    return viewer.person_id


def require_self_or_admin(viewer: Viewer, person_id: str, action: str) -> None:
    if viewer.is_admin or viewer.person_id == person_id:
        return
    raise Forbidden(
        f"a user may only {action} as themselves ({viewer.person_id!r}), not {person_id!r}"
    )


def require_may_update_person(viewer: Viewer, person_id: str, exists: bool) -> None:
    """Users add new contacts freely; an existing person is updated only by itself."""
    if viewer.is_admin or not exists or viewer.person_id == person_id:
        return
    raise Forbidden(f"a user may only update their own person, not {person_id!r}")

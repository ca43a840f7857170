"""Who may do what: the viewer rules of API.md, in one place.

- `from` may be left out where there is a viewer with an identity; it then means the viewer.
- A `user` writes only its own ratings and asks `introducers`/`warmPaths` only from itself.
- People: a `user` may create people (the contacts it rates) and update or delete itself only.
- An `admin` (and `--dev`) may do all of it for anyone.
- A rating is seen by admins, by its rater, by everyone when PUBLIC, and by the rater's
  connections (people the rater has rated) when CONNECTIONS (`can_see`).
"""

from __future__ import annotations

from service.domain import Viewer, Visibility, validate_id
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


def can_see(
    viewer: Viewer, rater_id: str, visibility: Visibility, *, rater_rated_viewer: bool
) -> bool:
    """The visibility rule of API.md for one rating made by `rater_id`.

    `rater_rated_viewer`: whether the rater has rated the viewer (any rating, any visibility),
    which makes the viewer one of the rater's connections.
    """
    if viewer.is_admin or visibility is Visibility.PUBLIC:
        return True
    if viewer.person_id is not None and viewer.person_id == rater_id:
        return True
    return visibility is Visibility.CONNECTIONS and rater_rated_viewer

"""Who may do what: `from` left out, user viewers writing or asking for others, admins."""

from __future__ import annotations

import pytest

from service import contacts, introductions
from service.domain import PersonFields, RatingFields, Role, Viewer, Visibility
from service.errors import Forbidden, InvalidBatch, InvalidInput
from service.store.base import Store

from .helpers import DEFAULT, GraphLoader, paths, people_of, user


async def test_from_defaults_to_the_user_viewer(store: Store, graph: GraphLoader) -> None:
    await graph(store, [], people=["me", "you"])
    rated = await contacts.rate_connection(store, user("me"), RatingFields(to_id="you", strength=2))
    assert (rated.from_id, rated.to_id) == ("me", "you")
    batch = await contacts.rate_connections(
        store, user("you"), [RatingFields(to_id="me", strength=3)]
    )
    assert (batch[0].from_id, batch[0].to_id) == ("you", "me")
    assert people_of(await paths(store, user("me"), None, "you")) == [("me", "you")]
    intro = await introductions.introducers(store, user("me"), DEFAULT, from_id=None, target="you")
    assert intro == []
    assert await contacts.remove_rating(store, user("me"), None, "you") is True
    assert await contacts.rating(store, user("me"), "me", "you") is None


async def test_from_is_required_without_a_viewer_identity(
    store: Store, dev: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [("me", "you", 1)])
    with pytest.raises(InvalidInput) as err:
        await contacts.rate_connection(store, dev, RatingFields(to_id="you", strength=2))
    assert err.value.field == "from"
    with pytest.raises(InvalidBatch) as batch_err:
        await contacts.rate_connections(store, dev, [RatingFields(to_id="you", strength=2)])
    assert [(i.index, i.field) for i in batch_err.value.invalid] == [(0, "from")]
    with pytest.raises(InvalidInput) as err:
        await contacts.remove_rating(store, dev, None, "you")
    assert err.value.field == "from"
    with pytest.raises(InvalidInput) as err:
        await paths(store, dev, None, "you")
    assert err.value.field == "from"
    with pytest.raises(InvalidInput) as err:
        await introductions.introducers(store, dev, DEFAULT, from_id=None, target="you")
    assert err.value.field == "from"
    stored = await contacts.rating(store, dev, "me", "you")
    assert stored is not None and stored.strength == 1


async def test_dev_viewer_may_do_everything_with_an_explicit_from(
    store: Store, dev: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=["me", "you"])
    await contacts.rate_connection(store, dev, RatingFields(from_id="me", to_id="you", strength=2))
    assert people_of(await paths(store, dev, "you", "me")) == [("you", "me")]
    assert await contacts.delete_person(store, dev, "you") is True


async def test_a_user_may_not_write_ratings_for_someone_else(
    store: Store, graph: GraphLoader
) -> None:
    await graph(store, [("other", "me", 3)])
    with pytest.raises(Forbidden) as err:
        await contacts.rate_connection(
            store, user("me"), RatingFields(from_id="other", to_id="me", strength=1)
        )
    assert err.value.code == "FORBIDDEN"
    with pytest.raises(Forbidden):
        await contacts.rate_connections(
            store,
            user("me"),
            [
                RatingFields(to_id="other", strength=1),
                RatingFields(from_id="other", to_id="me", strength=1),
            ],
        )
    with pytest.raises(Forbidden):
        await contacts.remove_rating(store, user("me"), "other", "me")
    admin_view = Viewer("admin-2", Role.ADMIN)
    kept = await contacts.rating(store, admin_view, "other", "me")
    assert kept is not None and kept.strength == 3
    assert await contacts.rating(store, admin_view, "me", "other") is None


async def test_a_user_may_write_ratings_as_themselves_explicitly(
    store: Store, graph: GraphLoader
) -> None:
    await graph(store, [], people=["me", "you"])
    rated = await contacts.rate_connection(
        store, user("me"), RatingFields(from_id="me", to_id="you", strength=1)
    )
    assert rated.from_id == "me"


async def test_a_user_may_only_ask_paths_from_themselves(store: Store, graph: GraphLoader) -> None:
    public = Visibility.PUBLIC
    await graph(store, [("a", "m", 1, public), ("m", "b", 1, public)])
    with pytest.raises(Forbidden):
        await paths(store, user("me"), "a", "b")
    with pytest.raises(Forbidden):
        await introductions.introducers(store, user("me"), DEFAULT, from_id="a", target="b")
    assert people_of(await paths(store, user("a"), "a", "b")) == [("a", "m", "b")]


async def test_admin_may_write_and_ask_for_anyone(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=["a", "m", "b"])
    await contacts.rate_connection(store, admin, RatingFields(from_id="a", to_id="m", strength=1))
    await contacts.rate_connection(store, admin, RatingFields(from_id="m", to_id="b", strength=1))
    assert people_of(await paths(store, admin, "a", "b")) == [("a", "m", "b")]
    intro = await introductions.introducers(store, admin, DEFAULT, from_id="a", target="b")
    assert [i.person_id for i in intro] == ["m"]
    assert await contacts.remove_rating(store, admin, "m", "b") is True


async def test_admin_without_from_means_the_admin_person(
    store: Store, admin: Viewer, graph: GraphLoader
) -> None:
    await graph(store, [], people=[admin.person_id or "", "you"])
    rated = await contacts.rate_connection(store, admin, RatingFields(to_id="you", strength=1))
    assert rated.from_id == admin.person_id


async def test_people_rules_for_users(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(store, [], people=["me", "other"])
    # A user adds new contacts freely and updates themselves...
    created = await contacts.upsert_person(store, user("me"), PersonFields(id="new", name="New"))
    assert created.id == "new"
    mine = await contacts.upsert_person(store, user("me"), PersonFields(id="me", name="Me!"))
    assert mine.name == "Me!"
    # ...but not an existing person who is someone else.
    with pytest.raises(Forbidden):
        await contacts.upsert_person(store, user("me"), PersonFields(id="other", name="Hacked"))
    with pytest.raises(Forbidden):
        await contacts.upsert_people(
            store,
            user("me"),
            [PersonFields(id="fresh", name="F"), PersonFields(id="other", name="Hacked")],
        )
    with pytest.raises(Forbidden):
        await contacts.delete_person(store, user("me"), "other")
    other = await contacts.person(store, "other")
    assert other is not None and other.name == "Name of other"
    assert await contacts.person(store, "fresh") is None
    assert await contacts.delete_person(store, user("me"), "me") is True
    assert await contacts.delete_person(store, admin, "other") is True

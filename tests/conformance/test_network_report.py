"""networkReport on every store: a worked example, the viewer rules, and random graphs
compared with the brute-force model of `network_reference.py`."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from service import contacts, requesting
from service.domain import PersonFields, RatingFields, Role, Viewer, Visibility
from service.errors import Forbidden
from service.network import NetworkReport
from service.store.base import Store

from . import network_reference as model
from .helpers import GraphLoader, user
from .reference import RefRating, RefViewer

GROUPS = ["Friends", "Vendors", "Recruiters", "Zoë's", "LinkedIn"]


async def test_a_worked_example(store: Store, admin: Viewer, graph: GraphLoader) -> None:
    await graph(
        store,
        [
            ("me", "ann", 1, Visibility.PUBLIC, ["Friends"]),
            ("ann", "me", 1),
            ("me", "bob", 5, Visibility.CONNECTIONS, ["Never met", "Vendors"]),
            ("bob", "me", 2),
            ("me", "cy", 4, Visibility.PRIVATE, ["Vendors"]),
            ("cy", "me", 1),
            # warm reach: me -1- ann -2- dan, ann -3- eve (too weak), bob -> fay (bob is 5)
            ("ann", "dan", 2, Visibility.PUBLIC),
            ("ann", "eve", 3, Visibility.PUBLIC),
            ("bob", "fay", 1, Visibility.PUBLIC),
            ("dan", "ann", 1, Visibility.PUBLIC),
        ],
    )
    report = await requesting.network_report(store, user("me"), None)
    assert report is not None
    assert report.connections == 3
    assert report.by_strength == ((1, 1), (2, 0), (3, 0), (4, 1), (5, 1))
    assert report.by_group == (("Vendors", 2), ("Friends", 1), ("Never met", 1))
    assert (report.never_met, report.reciprocated, report.unreviewed) == (1, 3, 0)
    assert [(m.person_id, m.yours, m.theirs) for m in report.mismatches] == [
        ("bob", 5, 2),
        ("cy", 4, 1),
    ]
    assert report.warm_reach == 1
    # An admin sees the same here; a stranger may not ask.
    assert await requesting.network_report(store, admin, "me") == report
    with pytest.raises(Forbidden):
        await requesting.network_report(store, user("ann"), "me")
    assert await requesting.network_report(store, admin, "nobody") is None


async def test_the_report_counts_only_ratings_the_viewer_sees(
    store: Store, graph: GraphLoader
) -> None:
    await graph(
        store,
        [
            ("me", "ann", 1),
            ("ann", "me", 4, Visibility.PRIVATE),
            ("ann", "bob", 1, Visibility.PRIVATE),
            ("ann", "cy", 2, Visibility.CONNECTIONS),
        ],
    )
    report = await requesting.network_report(store, user("me"), None)
    assert report is not None
    # ann's private rating of me is hers alone: no reciprocity, no mismatch.
    assert (report.reciprocated, report.mismatches) == (0, ())
    # ann rated me, so her CONNECTIONS rating of cy counts; her PRIVATE one of bob does not.
    assert report.warm_reach == 1
    as_admin = await requesting.network_report(store, Viewer("root", Role.ADMIN), "me")
    assert as_admin is not None
    assert (as_admin.reciprocated, as_admin.warm_reach, len(as_admin.mismatches)) == (1, 2, 1)


def _random_case(seed: int) -> tuple[list[str], list[model.DatedRating]]:
    rng = random.Random(seed)
    people = [f"p{i}" for i in range(rng.randint(3, 9))] + ["é", "\ue000", "😀"][
        : rng.randint(0, 3)
    ]
    ratings: list[model.DatedRating] = []
    for a in people:
        for b in people:
            if a != b and rng.random() < 0.45:
                dates = [None, date(2019, 2, 28), date(2024, 11, 26), date(2026, 1, 1)]
                ratings.append(
                    model.DatedRating(
                        RefRating(
                            a,
                            b,
                            rng.randint(1, 5),
                            rng.choice(list(Visibility)),
                            tuple(rng.sample(GROUPS, rng.randint(0, 2))),
                        ),
                        since=rng.choice(dates),
                        last_interaction=rng.choice(dates),
                    )
                )
    return people, ratings


async def _load(store: Store, people: list[str], ratings: list[model.DatedRating]) -> None:
    admin = Viewer("loader", Role.ADMIN)
    await contacts.upsert_people(store, admin, [PersonFields(id=p, name=p) for p in people])
    await contacts.rate_connections(
        store,
        admin,
        [
            RatingFields(
                from_id=d.rating.rater,
                to_id=d.rating.rated,
                strength=d.rating.strength,
                groups=d.rating.groups,
                visibility=d.rating.visibility,
                since=d.since,
                last_interaction=d.last_interaction,
            )
            for d in ratings
        ],
    )


def _compare(got: NetworkReport, want: model.RefReport, today: date) -> None:
    assert got.connections == want.connections
    assert list(got.by_strength) == want.by_strength
    assert list(got.by_group) == want.by_group
    assert got.never_met == want.never_met
    assert got.reciprocated == want.reciprocated
    assert [(m.person_id, m.yours, m.theirs) for m in got.mismatches] == want.mismatches
    assert got.stale(24, today) == want.stale
    assert got.warm_reach == want.warm_reach


@pytest.mark.parametrize("seed", range(12))
async def test_random_graphs_match_the_brute_force(store: Store, seed: int) -> None:
    people, ratings = _random_case(seed)
    await _load(store, people, ratings)
    today = datetime.now(UTC).date()
    for owner in people[:3]:
        viewers = [
            (Viewer(owner, Role.USER), RefViewer(owner, False)),
            (Viewer("root", Role.ADMIN), RefViewer("root", True)),
        ]
        for viewer, ref_viewer in viewers:
            got = await requesting.network_report(store, viewer, owner)
            assert got is not None
            want = model.report(people, ratings, ref_viewer, owner, today)
            _compare(got, want, today)
        # The store's warm reach for a third person's view, which the use-case never asks
        # for (only the owner or an admin may read the report): still the traversal rule.
        other = people[-1]
        want = model.report(people, ratings, RefViewer(other, False), owner, today)
        assert await store.warm_reach(owner, Viewer(other, Role.USER)) == want.warm_reach

"""The Bitcoin OTC trust network (../shared/data/bitcoin-otc) as tiegraph ratings.

Mapping from the data's README: +8..+10 -> 1, +5..+7 -> 2, +3..+4 -> 3, +2 -> 4, +1 -> 5;
ratings of 0 and below are left out (distrust is no introduction path); ids are `otc:<n>`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CSV = (
    Path(__file__).resolve().parents[2] / "shared/data/bitcoin-otc/soc-sign-bitcoinotc.csv"
)


@dataclass(frozen=True, slots=True)
class OtcRating:
    source: str
    target: str
    strength: int


def strength_of(trust: int) -> int | None:
    """tiegraph strength for an OTC trust value, None for distrust or neutral.

    >>> [strength_of(t) for t in (10, 8, 7, 5, 4, 3, 2, 1, 0, -5)]
    [1, 1, 2, 2, 3, 3, 4, 5, None, None]
    """
    if trust >= 8:
        return 1
    if trust >= 5:
        return 2
    if trust >= 3:
        return 3
    if trust == 2:
        return 4
    if trust == 1:
        return 5
    return None


def csv_path() -> Path:
    return Path(os.environ.get("TIEGRAPH_OTC_CSV", DEFAULT_CSV))


def read_ratings(path: Path | None = None) -> Iterator[OtcRating]:
    """Every positive rating of the file, in file order."""
    with (path or csv_path()).open(newline="") as f:
        for source, target, trust, _time in csv.reader(f):
            strength = strength_of(int(trust))
            if strength is not None and source != target:
                yield OtcRating(f"otc:{source}", f"otc:{target}", strength)

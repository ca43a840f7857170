"""`tiegraph report`: one self-contained page, on both stores, drawn by a real Chromium."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from service.cli import app
from service.domain import Visibility
from service.store.base import Store
from tests.conftest import GraphLoader
from tests.support.chromium import CHROMIUM, HEADLESS_FLAGS

runner = CliRunner()
EDGES = [
    ("me", "ann", 1, Visibility.PUBLIC, ["Friends", "Former colleagues"]),
    ("ann", "me", 1),
    ("me", "bob", 2, Visibility.CONNECTIONS, ["Friends"]),
    ("bob", "me", 5),
    ("me", "cy", 4, Visibility.CONNECTIONS, ["Vendors"]),
    ("cy", "me", 1),
    ("me", "dan", 5, Visibility.CONNECTIONS, ["Met once at a conference"]),
    ("me", "eve", 3, Visibility.PRIVATE, ["Recruiters"]),
    ("ann", "fay", 2, Visibility.PUBLIC),
    ("ann", "gus", 1, Visibility.PUBLIC),
    ("bob", "hal", 2, Visibility.PUBLIC),
]


def _cli_args(store_kind: str, tmp_path: Path) -> list[str]:
    if store_kind == "embedded":
        return ["--store", "embedded", "--data-dir", str(tmp_path / "embedded")]
    return ["--store", "neo4j"]


async def _report(store_kind: str, tmp_path: Path, owner: str, out: Path) -> object:
    args = ["report", "--owner", owner, "--out", str(out), *_cli_args(store_kind, tmp_path)]
    # The command runs its own event loop: off this test's loop.
    return await asyncio.to_thread(runner.invoke, app, args)


async def test_report_writes_a_self_contained_page(
    store: Store, store_kind: str, graph: GraphLoader, tmp_path: Path
) -> None:
    await graph(store, EDGES)
    out = tmp_path / "report.html"
    result = await _report(store_kind, tmp_path, "me", out)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    page = out.read_text(encoding="utf-8")
    # Nothing to fetch: no script, stylesheet, font or image from anywhere.
    for outside in ("http://", "https://", "<script", "<link", "@import", "url(", "<img"):
        assert outside not in page, outside
    assert page.count("<svg") == 5
    assert "The value of Name of me" in page
    # The numbers of networkReport are on the page: 5 connections, 3 rated back, warm reach 3.
    cards = re.findall(r"<b>([\d,]+)</b><span>([^<]+)</span>", page)
    assert ("5", "connections you rated") in cards
    assert ("3", "rated you back") in cards
    assert ("3", "within warm reach") in cards
    # Mismatches by name, largest gap first: bob (2 vs 5), cy (4 vs 1).
    assert page.index("Name of bob") < page.index("Name of cy")


async def test_report_of_someone_unknown_fails(
    store: Store, store_kind: str, tmp_path: Path
) -> None:
    out = tmp_path / "nobody.html"
    result = await _report(store_kind, tmp_path, "nobody", out)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "nobody" in result.output  # type: ignore[attr-defined]
    assert not out.exists()


def _screenshot(page: Path, shot: Path, profile: Path) -> Image.Image:
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            *HEADLESS_FLAGS,
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1280,1400",
            page.as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    return Image.open(shot).convert("RGB")


@pytest.mark.slow
async def test_the_page_is_drawn_in_chromium(
    embedded_store: Store, graph: GraphLoader, tmp_path: Path
) -> None:
    await graph(embedded_store, EDGES)
    out = tmp_path / "report.html"
    result = await _report("embedded", tmp_path, "me", out)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    image = await asyncio.to_thread(
        _screenshot, out, tmp_path / "shot.png", tmp_path / "chromium-profile"
    )
    assert image.size == (1280, 1400)
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None
    # A blank or unstyled page has a handful of colours; charts with anti-aliased shapes in
    # a dozen hues have hundreds.
    assert len(colours) > 200, len(colours)
    counts = {colour: n for n, colour in colours}
    # The charts' own fills are painted: strength 1's green, the warm-reach ring's gold, the
    # header's gradient ends somewhere between.
    for fill in ((0x1B, 0x7F, 0x5B), (0x2F, 0x6F, 0xD6)):
        assert counts.get(fill, 0) > 500, fill
    background = max(colours)[0] / (image.size[0] * image.size[1])
    assert background < 0.8

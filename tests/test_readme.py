"""The README's tour runs as written: its GraphQL blocks, in order, against the real app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.api import running, settings_for

README = Path(__file__).resolve().parents[1] / "README.md"


def graphql_blocks() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_a_tour() -> None:
    assert len(graphql_blocks()) >= 2


@pytest.mark.asyncio
async def test_the_tour_runs_and_answers_what_the_readme_says(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data", dev=True)) as api:
        results = [await api.data(block) for block in graphql_blocks()]
    answers = results[-1]
    (ben,) = answers["introducers"]
    assert ben["person"]["name"] == "Ben Okafor"
    assert ben["score"] == pytest.approx(0.63)
    assert ben["toTarget"]["ratedBy"]["id"] == "ben"
    assert answers["warmPaths"][0]["people"] == [{"id": "ana"}, {"id": "ben"}, {"id": "sam"}]
    assert answers["mutualConnections"] == [{"id": "ben"}]


def test_the_readme_starts_with_the_two_commands() -> None:
    first_block = README.read_text().split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["scripts/serve-dev", "scripts/test"]
    for command in commands:
        assert (README.parent / command).exists()

"""The README's "Python client" section runs as written: its python blocks, in order, in one
namespace, against a real uvicorn; what they print is what their `# -> ` comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.support.api import SECRET, settings_for
from tests.support.live import serving

README = Path(__file__).resolve().parents[2] / "README.md"


def section() -> str:
    text = README.read_text()
    return text.split("\n## Python client\n", 1)[1].split("\n## ", 1)[0]


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", section(), flags=re.S)


def expected_output(code: str) -> list[str]:
    return re.findall(r"# -> (.*)$", code, flags=re.M)


def test_the_section_has_examples() -> None:
    assert len(blocks()) >= 3
    assert all(expected_output(block) for block in blocks())


def test_the_examples_run_against_a_real_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEGRAPH_JWT_SECRET", SECRET)
    with serving(settings_for(tmp_path / "data")) as url:
        monkeypatch.setenv("TIEGRAPH_URL", url)
        namespace: dict[str, object] = {"__name__": "readme"}
        for block in blocks():
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
            assert printed.getvalue().splitlines() == expected_output(block), block

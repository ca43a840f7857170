"""The `tiegraph` command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.api.schema import sdl
from service.cli import app
from service.settings import Settings
from tests.support.api import SECRET, running, settings_for

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests set the TIEGRAPH_* variables they need; none leak in from the shell."""
    for name in list(os.environ):
        if name.startswith("TIEGRAPH_"):
            monkeypatch.delenv(name)


async def test_token_command_mints_a_token_the_app_accepts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TIEGRAPH_JWT_SECRET", SECRET)
    result = runner.invoke(app, ["token", "--sub", "root", "--role", "admin", "--ttl", "30m"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    async with running(settings_for(tmp_path / "data")) as api:
        data = await api.data(
            'mutation { upsertPerson(input: {id: "bob", name: "Bob"}) { id } }', token=token
        )
        assert data == {"upsertPerson": {"id": "bob"}}


def test_token_command_without_a_secret_fails_with_advice() -> None:
    result = runner.invoke(app, ["token", "--sub", "alice"])
    assert result.exit_code == 2
    assert "TIEGRAPH_JWT_SECRET" in result.output


@pytest.mark.parametrize("ttl", ["0m", "soon", "1w"])
def test_token_command_rejects_bad_ttl(monkeypatch: pytest.MonkeyPatch, ttl: str) -> None:
    monkeypatch.setenv("TIEGRAPH_JWT_SECRET", SECRET)
    result = runner.invoke(app, ["token", "--sub", "alice", "--ttl", ttl])
    assert result.exit_code == 2


def test_serve_help_lists_the_flags() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for flag in ("--host", "--port", "--store", "--data-dir", "--dev"):
        assert flag in result.output


def test_serve_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--data-dir", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2
    assert "TIEGRAPH_JWT_SECRET" in result.output
    assert "--dev" in result.output


def test_env_vars_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEGRAPH_PORT", "9123")
    monkeypatch.setenv("TIEGRAPH_HOST", "0.0.0.0")
    monkeypatch.setenv("TIEGRAPH_STORE", "neo4j")
    monkeypatch.setenv("TIEGRAPH_DEV", "true")
    settings = Settings()
    assert (settings.port, settings.host, settings.store, settings.dev) == (
        9123,
        "0.0.0.0",
        "neo4j",
        True,
    )
    assert Settings(port=8001).port == 8001  # a flag beats the environment


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEGRAPH_JWT_SECRET", SECRET)
    settings = Settings()
    assert (settings.host, settings.port, settings.store) == ("127.0.0.1", 8000, "embedded")
    assert settings.data_dir == Path(".tiegraph")
    assert settings.scoring_table.p(1) == 0.9


def test_neo4j_searches_reach_the_store_and_must_be_positive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from service.store.factory import make_store

    monkeypatch.setenv("TIEGRAPH_STORE", "neo4j")
    monkeypatch.setenv("TIEGRAPH_JWT_SECRET", SECRET)
    monkeypatch.setenv("TIEGRAPH_NEO4J_SEARCHES", "6")
    store = make_store(Settings())
    assert store._searches == 6  # type: ignore[attr-defined]
    monkeypatch.setenv("TIEGRAPH_NEO4J_SEARCHES", "0")
    with pytest.raises(ValueError, match="neo4j_searches"):
        Settings()


def test_invalid_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEGRAPH_STORE", "postgres")
    result = runner.invoke(app, ["token", "--sub", "alice"])
    assert result.exit_code == 2
    assert "TIEGRAPH_STORE" in result.output


def test_export_schema_prints_the_sdl() -> None:
    result = runner.invoke(app, ["export-schema"])
    assert result.exit_code == 0
    assert result.output == sdl()


def test_python_dash_m_service() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "service", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    for command in ("serve", "token", "export-schema"):
        assert command in completed.stdout


def test_serve_dev_warns_and_serves_on_localhost(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEGRAPH_")}
    command = [sys.executable, "-m", "service", "serve", "--dev", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "Uvicorn running on" in line or len(lines) > 50:
                break
        output = "".join(lines)
        assert "WARNING" in output and "authentication is OFF" in output, output
        assert "Uvicorn running on http://127.0.0.1:" in output, output
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- issue 11: --version, clear errors for choices, JSON logs, the settings table ------------
def _plain(text: str) -> str:
    """CLI output without rich's box drawing and line wrapping."""
    return " ".join(text.replace("│", " ").replace("╭", " ").replace("╰", " ").split())


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"tiegraph {version('tiegraph')}\n"


@pytest.mark.parametrize("command", ["serve", "load"])
def test_a_bad_store_flag_names_the_choices(command: str, tmp_path: Path) -> None:
    args = [command, "--store", "neo4"]
    if command == "load":
        args.insert(1, str(tmp_path / "x.jsonl"))
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Invalid value for '--store': 'neo4' is not one of 'embedded', 'neo4j'" in _plain(
        result.output
    )
    assert "Value error" not in result.output


def test_a_bad_role_names_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEGRAPH_JWT_SECRET", SECRET)
    result = runner.invoke(app, ["token", "--sub", "ana", "--role", "root"])
    assert result.exit_code == 2
    assert "Invalid value for '--role': 'root' is not one of 'user', 'admin'" in _plain(
        result.output
    )


@pytest.mark.parametrize(
    ("variable", "given", "expected"),
    [
        ("TIEGRAPH_STORE", "neo4", "'neo4' is not one of 'embedded', 'neo4j'"),
        ("TIEGRAPH_LOG_FORMAT", "xml", "'xml' is not one of 'json', 'text'"),
        (
            "TIEGRAPH_LOG_LEVEL",
            "loud",
            "'LOUD' is not one of 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'",
        ),
        ("TIEGRAPH_TRACING", "zipkin", "'zipkin' is not one of 'off', 'otel'"),
        ("TIEGRAPH_PORT", "http", "'http': input should be a valid integer"),
    ],
)
def test_a_bad_setting_in_the_environment_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, given: str, expected: str
) -> None:
    monkeypatch.setenv("TIEGRAPH_JWT_SECRET", SECRET)
    monkeypatch.setenv(variable, given)
    result = runner.invoke(app, ["token", "--sub", "alice"])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"tiegraph: invalid value for {variable}: {expected}")
    assert "pydantic" not in result.output


def test_a_bad_flag_value_names_the_flag(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--dev", "--port", "70000", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("tiegraph: invalid value for --port: 70000: input should be")


def test_every_setting_is_in_the_readme_table() -> None:
    """Each TIEGRAPH_* variable, written out or as a `/ _SUFFIX` shorthand of the row's first
    name, is in the Configuration table with a default and a meaning."""
    text = (ROOT / "README.md").read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented: set[str] = set()
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`TIEGRAPH_"):
            continue
        assert cells[2] and cells[3], row  # a default and a meaning
        names = [name.strip("` ") for name in cells[0].split("/")]
        first = names[0]
        documented.add(first)
        for short in names[1:]:
            # `_PASSWORD` after `TIEGRAPH_NEO4J_USER` is TIEGRAPH_NEO4J_PASSWORD: the suffix
            # replaces one or more trailing parts of the first name.
            parts = first.split("_")
            documented.update("_".join(parts[:cut]) + short for cut in range(1, len(parts)))
    missing = [
        f"TIEGRAPH_{name.upper()}"
        for name in Settings.model_fields
        if f"TIEGRAPH_{name.upper()}" not in documented
    ]
    assert missing == []


def test_serve_logs_json_lines_with_the_request(tmp_path: Path) -> None:
    import json
    import re
    import urllib.request

    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEGRAPH_")}
    command = [sys.executable, "-m", "service", "serve", "--dev", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        records = []
        port = None
        for line in process.stderr:
            records.append(json.loads(line))  # every line is one JSON object
            found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found[1])
                break
        assert port is not None, records
        assert any(
            r["level"] == "WARNING" and "authentication is OFF" in r["message"] for r in records
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=b'{"query": "query Everyone { people { items { id } } }"}',
            headers={"Content-Type": "application/json", "X-Request-ID": "cli-test-1"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response) == {"data": {"people": {"items": []}}}
        access = json.loads(process.stderr.readline())
        assert access["logger"] == "tiegraph.access"
        assert access["request_id"] == "cli-test-1"
        assert access["operation"] == "Everyone"
        assert access["status"] == 200 and access["error_codes"] == []
    finally:
        process.terminate()
        process.wait(timeout=10)

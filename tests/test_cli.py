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


def test_invalid_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEGRAPH_STORE", "postgres")
    result = runner.invoke(app, ["token", "--sub", "alice"])
    assert result.exit_code == 2
    assert "store" in result.output


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

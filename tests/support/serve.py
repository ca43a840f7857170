"""The real service as a process (`python -m service serve`) on a free loopback port, and a
Neo4j of a test's own (scripts/neo4j-local) that the test may kill."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve_command(port: int, data_dir: Path, store: str = "embedded") -> list[str]:
    return [sys.executable, "-m", "service", "serve", "--dev", "--host", "127.0.0.1",
            "--port", str(port), "--data-dir", str(data_dir), "--store", store]  # fmt: skip


def service_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


@contextmanager
def service(
    data_dir: Path, log: Path, store: str = "embedded", **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The service, up and answering /healthz; terminated (or killed) on the way out."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            serve_command(port, data_dir, store),
            cwd=ROOT,
            env=service_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        with httpx.Client(base_url=base, timeout=2) as client:
            while True:
                assert proc.poll() is None, f"the service exited: {log.read_text()[-3000:]}"
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"no /healthz: {log.read_text()[-3000:]}"
                time.sleep(0.1)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def kill_9(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=15)


# --- a Neo4j of the test's own -----------------------------------------------------------


def neo4j_local(*args: str, timeout: float = 300, check: bool = True) -> str:
    env = {**os.environ, "TIEGRAPH_PYTHON": sys.executable}
    done = subprocess.run(
        [str(ROOT / "scripts" / "neo4j-local"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    assert done.returncode == 0 or not check, (
        f"neo4j-local {args} failed:\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def parse_env(lines: str) -> dict[str, str]:
    """The TIEGRAPH_NEO4J_* values of `neo4j-local start`'s output."""
    found: dict[str, str] = {}
    for line in lines.splitlines():
        line = line.strip().removeprefix("export ")
        key, sep, value = line.partition("=")
        if sep and key.startswith("TIEGRAPH_NEO4J_"):
            found[key] = value.strip().strip("'\"")
    return found


def neo4j_pid(data_dir: Path) -> int:
    """The pid of the server neo4j-local started for `data_dir` (its launcher writes it)."""
    return int((data_dir / "neo4j.pid").read_text().strip())


@contextmanager
def own_neo4j(data_dir: Path, port: int | None = None) -> Iterator[dict[str, str]]:
    """A Neo4j for this test alone (free port unless given); stopped on the way out."""
    port = port or free_port()
    try:
        yield parse_env(neo4j_local("start", "--data-dir", str(data_dir), "--port", str(port)))
    finally:
        neo4j_local("stop", "--data-dir", str(data_dir), check=False)

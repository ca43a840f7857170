"""`tiegraph serve` as an operator runs it (issue 11): a data directory that can never work
stops it at once with the reason; two services on one directory cannot both run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.support.serve import ROOT, free_port, serve_command, service, service_env


def _serve_once(data_dir: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        serve_command(free_port(), data_dir),
        cwd=ROOT,
        env=service_env(TIEGRAPH_STORE_STARTUP_TIMEOUT="30"),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_an_unusable_data_dir_exits_at_once_with_the_reason(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "passwd"
    not_a_dir.write_text("root:x:0:0\n")
    # Like --data-dir /etc/passwd/tg: 30 s of start-up wait would end in a timeout here.
    done = _serve_once(not_a_dir / "tg", timeout=20)
    assert done.returncode != 0
    assert "tiegraph cannot start" in done.stderr
    assert f"cannot use {not_a_dir / 'tg'} as the data directory: Not a directory" in done.stderr


def test_a_second_service_on_the_same_data_dir_exits_with_a_clear_message(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with service(data, tmp_path / "first.log") as (first, base):
        done = _serve_once(data)
        assert done.returncode != 0
        assert f"the data directory {data} is in use by another tiegraph process" in done.stderr
        assert f"(pid {first.pid})" in done.stderr
        # The first one is untouched and still writes and reads.
        query = 'mutation { upsertPerson(input: {id: "a", name: "A"}) { id } }'
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.post("/graphql", json={"query": query}).json() == {
                "data": {"upsertPerson": {"id": "a"}}
            }
            assert client.get("/readyz").status_code == 200
    # Once the first has stopped, the directory is free again.
    with service(data, tmp_path / "second.log") as (_, base):
        with httpx.Client(base_url=base, timeout=10) as client:
            body = client.post("/graphql", json={"query": '{ person(id: "a") { id } }'}).json()
            assert body == {"data": {"person": {"id": "a"}}}

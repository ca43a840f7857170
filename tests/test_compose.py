"""docker-compose.yml cannot run here (no Docker engine): check its wiring as text instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_neo4j_image_is_the_version_scripts_neo4j_local_runs() -> None:
    version = (ROOT / "scripts/neo4j-version").read_text().strip()
    assert compose()["services"]["neo4j"]["image"] == f"neo4j:{version}-community"


def test_neo4j_has_a_healthcheck_and_a_data_volume() -> None:
    neo4j = compose()["services"]["neo4j"]
    assert "7474" in " ".join(neo4j["healthcheck"]["test"])
    assert any(v.endswith(":/data") for v in neo4j["volumes"])
    assert "neo4j-data" in compose()["volumes"]


def test_service_waits_for_a_healthy_neo4j_and_is_wired_to_it() -> None:
    service = compose()["services"]["tiegraph"]
    assert service["depends_on"]["neo4j"]["condition"] == "service_healthy"
    env = service["environment"]
    assert env["TIEGRAPH_STORE"] == "neo4j"
    assert env["TIEGRAPH_NEO4J_URI"] == "bolt://neo4j:7687"
    neo4j_auth = compose()["services"]["neo4j"]["environment"]["NEO4J_AUTH"]
    assert neo4j_auth == f"{env['TIEGRAPH_NEO4J_USER']}/{env['TIEGRAPH_NEO4J_PASSWORD']}"
    assert "TIEGRAPH_JWT_SECRET" in env


def test_every_service_variable_is_a_setting() -> None:
    env = compose()["services"]["tiegraph"]["environment"]
    fields = {f"TIEGRAPH_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= fields


def test_dockerfile_installs_the_package_and_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install" in dockerfile
    assert '"serve"' in dockerfile

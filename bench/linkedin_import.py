"""How long a 30,000-connection LinkedIn export takes to import, export and restore.

    python -m bench.linkedin_import [--rows 30000] [--stores embedded,neo4j]

Writes a synthetic Connections.csv with the real file's shape (BOM, Notes preamble, quoted
fields with commas and line breaks, some rows without URL, a few duplicates and bad dates),
then times the command line as a user runs it, each a fresh process on an empty store:
`tiegraph import linkedin`, `tiegraph export`, `tiegraph import tiegraph` (into an empty
store of the same kind). Neo4j is read from TIEGRAPH_NEO4J_* and must be empty (or
disposable: it is wiped first).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREAMBLE = (
    '\ufeffNotes:\r\n"When exporting your connection data, you may notice that some of the '
    'email addresses are missing."\r\n\r\n'
)
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def connections_csv(rows: int, seed: int = 8) -> str:
    rng = random.Random(seed)
    lines = [PREAMBLE, HEADER]
    for i in range(rows):
        first, last = f"First{i}", f"Last{i % 997}"
        url = "" if i % 50 == 0 else f"https://www.linkedin.com/in/{first}-{last}-{i:x}/"
        company = f'"Company {i % 1200}, Inc."' if i % 3 else f"Company {i % 1200}"
        position = '"Head of ""Things""\r\nand more"' if i % 11 == 0 else f"Role {i % 300}"
        day = f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2008, 2026)}"
        lines.append(f"{first},{last},{url},,{company},{position},{day}\r\n")
    return "".join(lines)


def run(store: str, data_dir: Path, *args: str) -> float:
    env = dict(os.environ, TIEGRAPH_STORE=store, TIEGRAPH_DATA_DIR=str(data_dir))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "service", *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"tiegraph {' '.join(args)} failed:\n{done.stderr}")
    return seconds


def wipe_neo4j() -> None:
    from neo4j import GraphDatabase

    user = os.environ.get("TIEGRAPH_NEO4J_USER")
    auth = (user, os.environ.get("TIEGRAPH_NEO4J_PASSWORD", "")) if user else None
    with GraphDatabase.driver(os.environ["TIEGRAPH_NEO4J_URI"], auth=auth) as driver:
        with driver.session(database=os.environ.get("TIEGRAPH_NEO4J_DATABASE") or "neo4j") as s:
            s.run(
                "MATCH (n) WHERE n:Person OR n:`__Load` "
                "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
            ).consume()


def measure(store: str, rows: int, work: Path) -> dict[str, float]:
    csv = work / "Connections.csv"
    owner = work / "owner.jsonl"
    owner.write_text('{"kind": "person", "id": "me", "name": "Me"}\n', "utf-8")
    data, restored = work / f"{store}-data", work / f"{store}-restored"
    if store == "neo4j":
        wipe_neo4j()
    run(store, data, "load", str(owner))
    figures = {"import linkedin": run(store, data, "import", "linkedin", str(csv), "--owner", "me")}
    figures["import linkedin again"] = run(
        store, data, "import", "linkedin", str(csv), "--owner", "me"
    )
    backup = work / f"{store}.jsonl"
    figures["export"] = run(store, data, "export", "--out", str(backup))
    if store == "neo4j":
        wipe_neo4j()
    figures["import tiegraph"] = run(store, restored, "import", "tiegraph", str(backup))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--stores", default="embedded,neo4j")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "Connections.csv").write_text(connections_csv(args.rows), "utf-8", newline="")
        size = (work / "Connections.csv").stat().st_size
        print(f"Connections.csv: {args.rows:,} rows, {size / 1e6:.1f} MB")
        for store in args.stores.split(","):
            for step, seconds in measure(store, args.rows, work).items():
                print(f"{store:9} {step:24} {seconds:6.2f} s (whole process)")


if __name__ == "__main__":
    main()
